package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/greenlight/greenlight/notify"
)

// The connector speaks Mastodon's REST API with net/http rather than through
// github.com/mattn/go-mastodon: that library (v0.0.13) cannot send an
// Idempotency-Key header with a new status, and its APIError keeps neither
// Retry-After nor X-RateLimit-Reset, which the retry classification needs.

// maxBody bounds what is read of any response, so a hostile or broken server
// cannot make one call cost unbounded memory.
const maxBody = 1 << 20

// call is one request to the instance. form is sent url-encoded on POST and
// as the query on GET; idem, when set, is the Idempotency-Key header.
func (c *Connector) call(ctx context.Context, method, path string, form url.Values, idem string, into any) error {
	u := c.server + path
	var body io.Reader
	if method == http.MethodGet {
		if len(form) > 0 {
			u += "?" + form.Encode()
		}
	} else if len(form) > 0 {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return notify.Permanent(fmt.Errorf("mastodon: unable to build %s %s: %w", method, path, err))
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mastodon: %s %s: %w", method, path, ctx.Err())
		}
		// A refused connection or a timeout: transient.
		return fmt.Errorf("mastodon: %s %s: %w", method, path, c.redact(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("mastodon: unable to read %s %s: %w", method, path, c.redact(err))
	}
	if resp.StatusCode/100 != 2 {
		return c.classify(method, path, resp, data)
	}
	if into == nil {
		return nil
	}
	if err := json.Unmarshal(data, into); err != nil {
		return notify.Permanent(fmt.Errorf("mastodon: unable to decode %s %s: %w", method, path, err))
	}
	return nil
}

// classify sorts a refusal: 429 waits for the rate limit to reset, 5xx may
// pass, any other 4xx (401 bad token, 403 forbidden, 404 gone, 422 invalid)
// will not, and keeps Mastodon's own error message.
func (c *Connector) classify(method, path string, resp *http.Response, data []byte) error {
	var e struct {
		Error string `json:"error"`
	}
	msg := http.StatusText(resp.StatusCode)
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	err := &APIError{Status: resp.StatusCode, Message: c.redactString(msg), Method: method, Path: path}
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		// Mastodon says when its rate-limit window resets, as a timestamp.
		if t, perr := time.Parse(time.RFC3339, resp.Header.Get("X-RateLimit-Reset")); perr == nil {
			return &notify.RetryAfterError{Err: err, After: min(max(time.Until(t), 0), 24*time.Hour)}
		}
	}
	return notify.ClassifyHTTP(resp.StatusCode, resp.Header.Get("Retry-After"), err)
}

// APIError is a refusal from the instance with its HTTP status and message.
type APIError struct {
	Status  int
	Message string
	Method  string
	Path    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("mastodon: %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// redact keeps the access token out of an error that might quote a request.
func (c *Connector) redact(err error) error {
	if c.token == "" || !strings.Contains(err.Error(), c.token) {
		return err
	}
	return errors.New(c.redactString(err.Error()))
}

func (c *Connector) redactString(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[redacted]")
}
