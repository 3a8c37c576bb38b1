// Package slack delivers approval requests to Slack and takes decisions back
// from its buttons: Block Kit messages posted with a bot token, updated once
// the approval is settled, and the signed interaction requests Slack sends
// when someone clicks Approve or Reject. It reads approvals through package
// preview and knows nothing of workflows or the store; the caller retries
// (IsPermanent and RetryAfter say how).
package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Config is what a Client needs.
type Config struct {
	// Token is the bot token (xoxb-…). It goes only to the Web API, in the
	// request, and never into an error or a log line.
	Token string
	// APIURL is the Web API's base URL, Slack's own when empty. Tests point it
	// at a fake Slack, e.g. "http://127.0.0.1:4321/api/".
	APIURL string
	// ResponseHosts are where Respond may post: a host (https implied, e.g.
	// "hooks.slack.com") or an origin ("http://127.0.0.1:4321", as tests
	// give their httptest server); Slack's hooks host when empty. A
	// response_url comes from a request body, so this list is what keeps a
	// forged one from sending us elsewhere.
	ResponseHosts []string
	// HTTPClient carries the requests; one with a 30-second timeout when nil.
	HTTPClient *http.Client
}

// DefaultResponseHost is where Slack's response_urls point.
const DefaultResponseHost = "hooks.slack.com"

// maxResponseBody bounds what is read of any answer from Slack.
const maxResponseBody = 1 << 20

// Client posts and updates approval messages and answers interactions.
type Client struct {
	api   *slack.Client
	http  *http.Client
	token string
	hosts []string
}

// Receipt names a posted message, for Update.
type Receipt struct {
	Channel string
	TS      string
}

// New makes a Client; it refuses an empty token.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("slack: a bot token is needed")
	}
	hc := http.Client{Timeout: 30 * time.Second}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.Transport = boundedBodies{base: hc.Transport}
	// Neither the Web API nor a response_url redirects; following one would
	// take a request, and for the API the token in its form, to another host.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	opts := []slack.Option{slack.OptionHTTPClient(&hc)}
	if cfg.APIURL != "" {
		u := cfg.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	hosts := cfg.ResponseHosts
	if len(hosts) == 0 {
		hosts = []string{DefaultResponseHost}
	}
	return &Client{api: slack.New(cfg.Token, opts...), http: &hc, token: cfg.Token, hosts: hosts}, nil
}

// Destinations Post accepts: a member, whose DM it opens, or a conversation.
var (
	memberID       = regexp.MustCompile(`^[UW][A-Z0-9]{2,40}$`)
	conversationID = regexp.MustCompile(`^[CGD][A-Z0-9]{2,40}$`)
)

// Post sends a message to to: a member id (U…, W…), in a direct message the
// bot opens with conversations.open, or a conversation id (C…, G…, D…). text
// is the plain fallback that notifications show; it is escaped, so it cannot
// mention anyone.
func (c *Client) Post(ctx context.Context, to string, blocks []slack.Block, text string) (Receipt, error) {
	channel := to
	switch {
	case memberID.MatchString(to):
		ch, _, _, err := c.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{to}})
		if err != nil {
			return Receipt{}, c.wrap("conversations.open for "+to, err)
		}
		channel = ch.ID
	case conversationID.MatchString(to):
	default:
		return Receipt{}, permanent(fmt.Errorf("slack: %q is neither a member id (U…, W…) nor a conversation id (C…, G…, D…)", to))
	}
	ch, ts, err := c.api.PostMessageContext(ctx, channel, message(blocks, text)...)
	if err != nil {
		return Receipt{}, c.wrap("chat.postMessage to "+channel, err)
	}
	return Receipt{Channel: ch, TS: ts}, nil
}

// Update replaces the message at channel and ts (chat.update), as Decided
// does once the approval is settled.
func (c *Client) Update(ctx context.Context, channel, ts string, blocks []slack.Block, text string) error {
	if channel == "" || ts == "" {
		return permanent(errors.New("slack: chat.update needs the message's channel and ts"))
	}
	if _, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, message(blocks, text)...); err != nil {
		return c.wrap("chat.update of "+channel+" "+ts, err)
	}
	return nil
}

func message(blocks []slack.Block, text string) []slack.MsgOption {
	return []slack.MsgOption{
		slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionText(fit(text, maxFallbackText), true),
		// A preview's links are content to judge, not pages to show.
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
}

// wrap names the call and keeps the token out of the message, whatever a
// lower layer put in it.
func (c *Client) wrap(call string, err error) error {
	msg := fmt.Sprintf("slack: %s: %v", call, err)
	return &callError{msg: strings.ReplaceAll(msg, c.token, "[token]"), err: err}
}

type callError struct {
	msg string
	err error
}

func (e *callError) Error() string { return e.msg }
func (e *callError) Unwrap() error { return e.err }

// boundedBodies caps every response body, so an answer, however large, costs
// a bounded amount of memory.
type boundedBodies struct{ base http.RoundTripper }

func (b boundedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	base := b.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, maxResponseBody), resp.Body}
	return resp, nil
}
