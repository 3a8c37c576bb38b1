package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/greenlight/greenlight/notify"
)

// Response answers a click through its response_url.
type Response struct {
	// Text is plain text; it is escaped, so a reason that quotes a title
	// cannot mention anyone.
	Text   string
	Blocks []slack.Block
	// ReplaceOriginal replaces the message that was clicked, as after a decision.
	ReplaceOriginal bool
	// Ephemeral shows the answer to the clicking member only, as a refusal
	// ("you may not decide this: …"); it leaves the original in place.
	Ephemeral bool
}

// Respond posts msg to a click's response_url as Slack documents it: JSON
// with text, blocks, replace_original and response_type. The URL comes from a
// request body, so only URLs on the configured ResponseHosts are used; any
// other is refused before a connection is made.
func (c *Client) Respond(ctx context.Context, responseURL string, msg Response) error {
	if msg.Ephemeral && msg.ReplaceOriginal {
		return permanent(errors.New("slack: a response is either ephemeral or replaces the original, not both"))
	}
	u, err := c.responseURL(responseURL)
	if err != nil {
		return permanent(err)
	}
	wm := slack.WebhookMessage{Text: slackutilsx.EscapeMessage(fit(msg.Text, maxSectionText)), ReplaceOriginal: msg.ReplaceOriginal}
	if len(msg.Blocks) > 0 {
		wm.Blocks = &slack.Blocks{BlockSet: msg.Blocks}
	}
	switch {
	case msg.Ephemeral:
		wm.ResponseType = slack.ResponseTypeEphemeral
	case !msg.ReplaceOriginal:
		wm.ResponseType = slack.ResponseTypeInChannel
	}
	body, err := json.Marshal(wm)
	if err != nil {
		return permanent(fmt.Errorf("slack: unable to encode the response: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("slack: unable to build the response to %s: %w", u.Host, err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// The error would quote the URL, whose path is the click's own secret.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("slack: response to %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode == http.StatusTooManyRequests {
		if d, ok := notify.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return fmt.Errorf("slack: response to %s: %w", u.Host, &slack.RateLimitedError{RetryAfter: d})
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("slack: response to %s answered %q: %w", u.Host, answer, slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status})
	}
	var r slack.SlackResponse
	if json.Unmarshal(answer, &r) == nil {
		if err := r.Err(); err != nil {
			return fmt.Errorf("slack: response to %s: %w", u.Host, err)
		}
	}
	return nil
}

// responseURL checks raw against the allowed origins.
func (c *Client) responseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, errors.New("slack: the response_url is not an absolute URL")
	}
	if u.User != nil {
		return nil, fmt.Errorf("slack: refusing the response_url on %s: it carries credentials", u.Hostname())
	}
	for _, h := range c.hosts {
		if strings.EqualFold(origin(h), u.Scheme+"://"+u.Host) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("slack: refusing the response_url on %s://%s: not one of the allowed hosts %v", u.Scheme, u.Host, c.hosts)
}

// origin reads an allowed host: a bare host means https.
func origin(host string) string {
	if strings.Contains(host, "://") {
		return strings.TrimSuffix(host, "/")
	}
	return "https://" + host
}
