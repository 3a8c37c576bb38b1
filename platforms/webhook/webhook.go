// Package webhook is the connector that hands each campaign action to a
// receiver the operator runs: a signed JSON POST (Standard Webhooks, signed
// by notify/webhook) carrying the action's idempotency key, which the
// receiver must dedupe by. See docs/connectors.md, "Webhook connector".
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/greenlight/greenlight/notify"
	hook "github.com/greenlight/greenlight/notify/webhook"
	"github.com/greenlight/greenlight/platforms"
)

// Name is the connector's name in playbooks and the action log.
const Name = "webhook"

// maxAnswer is how much of a receiver's answer is read: its output on
// success, the message an error quotes otherwise.
const maxAnswer = 64 << 10

// maxMessage is how much of a refusal an error quotes.
const maxMessage = 512

// Config says where actions go and how they are signed.
type Config struct {
	URL    string // https, or plain http to a loopback host
	Secret string // whsec_…, or several space-separated while one is rotated out
	Client *http.Client
}

// Connector performs actions by posting them to the receiver.
type Connector struct {
	url    *url.URL
	secret string
	client http.Client
	log    platforms.ActionLog
	// Now is when an attempt is signed; tests set it.
	Now func() time.Time
}

// New checks cfg and returns the connector, recording in log. Errors never
// quote the secret or the URL's query.
func New(cfg Config, log platforms.ActionLog) (*Connector, error) {
	if log == nil {
		return nil, errors.New("webhook connector: no action log")
	}
	u, err := hook.CheckURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("webhook connector: %w", err)
	}
	if _, err := hook.Sign(cfg.Secret, "check", time.Now(), nil); err != nil {
		return nil, fmt.Errorf("webhook connector: %w", err)
	}
	c := &Connector{url: u, secret: cfg.Secret, log: log, client: http.Client{Timeout: 30 * time.Second}}
	if cfg.Client != nil {
		c.client = *cfg.Client
	}
	// A redirect would carry a signed action to an address nobody configured.
	c.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// Name is Name.
func (c *Connector) Name() string { return Name }

// payload is what the receiver gets.
type payload struct {
	ID         string         `json:"id"`
	Action     string         `json:"action"`
	CampaignID string         `json:"campaign_id"`
	Client     string         `json:"client"`
	Input      map[string]any `json:"input"`
}

// Perform returns the recorded result of a.Key if there is one; otherwise it
// posts a and records the receiver's answer. A crash between the two is
// closed by the receiver, which dedupes by the Idempotency-Key it was sent.
// Errors say through notify.IsPermanent and notify.RetryAfter whether and
// when to try again.
func (c *Connector) Perform(ctx context.Context, a platforms.Action) (platforms.Result, error) {
	if _, ok := platforms.Catalog[a.Name]; !ok {
		return platforms.Result{}, notify.Permanent(fmt.Errorf("webhook connector: action %q is not in the catalog", a.Name))
	}
	if a.Key == "" {
		return platforms.Result{}, notify.Permanent(fmt.Errorf("webhook connector: %s has no idempotency key", a.Name))
	}
	done, err := c.log.Performed(ctx, a.Key)
	switch {
	case err == nil:
		return done, nil
	case !errors.Is(err, platforms.ErrNotPerformed):
		return platforms.Result{}, fmt.Errorf("webhook connector: look up %s: %w", a.Key, err)
	}
	out, err := c.post(ctx, a)
	if err != nil {
		return platforms.Result{}, err
	}
	res, created, err := c.log.Record(ctx, Name, a, platforms.Result{Output: out})
	if err != nil {
		return platforms.Result{}, fmt.Errorf("webhook connector: record %s: %w", a.Key, err)
	}
	res.Replayed = !created
	return res, nil
}

// post makes one attempt to deliver a and returns the receiver's output.
func (c *Connector) post(ctx context.Context, a platforms.Action) (map[string]any, error) {
	input := a.Input
	if input == nil {
		input = map[string]any{}
	}
	body, err := json.Marshal(payload{ID: a.Key, Action: a.Name, CampaignID: a.CampaignID, Client: a.Client, Input: input})
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("webhook connector: encode %s: %w", a.Key, err))
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	at := now()
	sig, err := hook.Sign(c.secret, a.Key, at, body)
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("webhook connector: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url.String(), bytes.NewReader(body))
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("webhook connector: build the request to %s: %w", hook.Shown(c.url), err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", hook.UserAgent)
	req.Header.Set("webhook-id", a.Key)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	req.Header.Set("Idempotency-Key", a.Key)

	what := fmt.Sprintf("webhook connector: %s %s to %s", a.Name, a.Key, hook.Shown(c.url))
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it quotes the whole URL, query and all
		}
		return nil, fmt.Errorf("%s: %w", what, err) // transient: a timeout, a refused connection
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	code := resp.StatusCode
	switch {
	case code >= 200 && code <= 299:
		out := map[string]any{}
		// The body is optional: a receiver that says nothing more still acted.
		_ = json.Unmarshal(answer, &out)
		if out == nil {
			out = map[string]any{}
		}
		out["simulated"] = false
		return out, nil
	case code >= 300 && code <= 399:
		return nil, notify.Permanent(fmt.Errorf("%s: answered %s, a redirect, which is not followed: configure the final URL", what, resp.Status))
	}
	msg := fmt.Sprintf("%s: answered %s", what, resp.Status)
	if m := quoted(answer); m != "" {
		msg += ": " + m
	}
	return nil, notify.ClassifyHTTP(code, resp.Header.Get("Retry-After"), errors.New(msg))
}

// quoted is the start of a refusal, as an error may quote it.
func quoted(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
	if len(s) > maxMessage {
		s = strings.ToValidUTF8(s[:maxMessage], "") + "…"
	}
	if s == "" {
		return ""
	}
	return strconv.Quote(s)
}
