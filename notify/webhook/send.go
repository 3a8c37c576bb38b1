package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/greenlight/greenlight/notify"
)

// UserAgent names Greenlight to receivers.
const UserAgent = "Greenlight-Webhooks/1"

// maxMessage is how much of a receiver's answer an error quotes.
const maxMessage = 512

// maxDrain is how much more of an answer is read, so the connection can be
// reused, before it is closed.
const maxDrain = 64 << 10

// Sender delivers events. Its zero value is ready: a 30-second timeout and
// the system clock.
type Sender struct {
	Client *http.Client
	Now    func() time.Time // when an attempt is made; tests set it
}

// Send makes one attempt to deliver e to rawURL, signed with secret (several
// space-separated secrets while one is rotated out). Every attempt of the
// same event carries the same webhook-id and body; only webhook-timestamp and
// the signature follow the attempt's time. A 2xx answer is success; a
// redirect is not followed. The error says, through IsPermanent and
// RetryAfter, whether and when to try again.
func (s Sender) Send(ctx context.Context, rawURL, secret string, e Event) error {
	u, err := target(rawURL)
	if err != nil {
		return err
	}
	payload, err := e.Body()
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	sig, err := Sign(secret, e.ID, at, payload)
	if err != nil {
		return permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(payload))
	if err != nil {
		return permanent(fmt.Errorf("webhook: unable to build the request to %s: %w", shown(u), err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("webhook-id", e.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	req.Header.Set("Idempotency-Key", e.ID)

	hc := http.Client{Timeout: 30 * time.Second}
	if s.Client != nil {
		hc = *s.Client
	}
	// A redirect would carry a signed event to an address nobody configured.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it quotes the whole URL, query and all
		}
		return &Error{msg: fmt.Sprintf("webhook: %s %s to %s: %v", e.Type, e.ID, shown(u), err), err: err}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxMessage))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	return answered(u, e, resp, head, at)
}

// answered turns the receiver's answer into nil or an Error.
func answered(u *url.URL, e Event, resp *http.Response, head []byte, at time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return nil
	}
	err := &Error{Status: code, Message: message(head)}
	what := fmt.Sprintf("webhook: %s %s to %s: answered %s", e.Type, e.ID, shown(u), resp.Status)
	switch {
	case code >= 300 && code <= 399:
		err.Permanent = true
		err.msg = fmt.Sprintf("%s, a redirect to %q, which is not followed: configure the final URL", what, cut(resp.Header.Get("Location"), 200))
		return err
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		err.Wait, err.hasWait = notify.ParseRetryAfter(resp.Header.Get("Retry-After"), at)
	default:
		err.Permanent = true
	}
	err.msg = what
	if err.Message != "" {
		err.msg += ": " + strconv.Quote(err.Message)
	}
	return err
}

// Error is a failed attempt.
type Error struct {
	Status    int           // the receiver's HTTP status; 0 when none came
	Message   string        // the start of the receiver's answer, at most 512 bytes
	Permanent bool          // another attempt cannot succeed
	Wait      time.Duration // what Retry-After asked for, when hasWait
	hasWait   bool
	msg       string
	err       error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// IsPermanent reports whether another attempt of err's delivery cannot
// succeed: a 4xx other than 408 and 429, a redirect, a URL or secret that is
// refused, an event that cannot be encoded. Timeouts, network errors, 408,
// 429 and 5xx are not permanent.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// RetryAfter is the wait a receiver asked for with Retry-After, in seconds
// or as an HTTP date, on a 408, 429 or 5xx answer.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.hasWait {
		return e.Wait, true
	}
	return 0, false
}

func permanent(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Permanent: true, msg: err.Error(), err: err}
}

// CheckURL checks a receiver's URL as Send does: https, or plain http to a
// loopback host. Its errors quote the URL without user info or query.
func CheckURL(raw string) (*url.URL, error) { return target(raw) }

// Shown is how a receiver's URL appears in errors and logs: scheme, host and
// path, without user info or query, where receivers sometimes keep a key.
func Shown(u *url.URL) string { return shown(u) }

// target checks a receiver's URL: https, or plain http to a loopback host.
func target(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, permanent(errors.New("webhook: the URL is not an absolute http(s) URL"))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback(u.Hostname()):
	default:
		return nil, permanent(fmt.Errorf("webhook: refusing %s: webhooks go over https (plain http only to a loopback host)", shown(u)))
	}
	return u, nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// shown is how a URL appears in errors: scheme, host and path, without user
// info or query, where receivers sometimes keep a key.
func shown(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// message is the receiver's answer as an error may quote it.
func message(b []byte) string {
	return strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
