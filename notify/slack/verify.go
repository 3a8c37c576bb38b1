package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRequestBody is the most VerifyRequest reads of an interaction request;
// Slack's block_actions payloads are a few kilobytes.
const MaxRequestBody = 64 << 10

// ReplayWindow is how far a request's timestamp may be from now, as Slack
// recommends: an old request captured on the way cannot be played again later.
const ReplayWindow = 5 * time.Minute

// Why VerifyRequest refuses a request; the endpoint answers 401 for all but
// ErrBodyTooLarge (413).
var (
	ErrUnsigned     = errors.New("slack: request carries no X-Slack-Signature or X-Slack-Request-Timestamp")
	ErrStale        = errors.New("slack: request timestamp is outside the replay window")
	ErrBadSignature = errors.New("slack: request signature does not match")
	ErrBodyTooLarge = fmt.Errorf("slack: request body is larger than %d bytes", MaxRequestBody)
)

// VerifyRequest reads r's body and checks that Slack sent it: the
// X-Slack-Request-Timestamp is within ReplayWindow of now and the
// X-Slack-Signature is v0= HMAC-SHA256 with signingSecret over
// "v0:<timestamp>:<body>". It returns the body only when both hold. slack-go's
// SecretsVerifier reads the clock itself; this takes now, so the window is
// tested as it is applied.
func VerifyRequest(r *http.Request, signingSecret string, now time.Time) ([]byte, error) {
	if signingSecret == "" {
		return nil, errors.New("slack: no signing secret is configured")
	}
	sig, stamp := r.Header.Get("X-Slack-Signature"), r.Header.Get("X-Slack-Request-Timestamp")
	if sig == "" || stamp == "" {
		return nil, ErrUnsigned
	}
	ts, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: timestamp %q is not a number", ErrStale, stamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > ReplayWindow || d < -ReplayWindow {
		return nil, ErrStale
	}
	want, ok := strings.CutPrefix(sig, "v0=")
	got, err := hex.DecodeString(want)
	if !ok || err != nil || len(got) != sha256.Size {
		return nil, ErrBadSignature
	}
	if r.ContentLength > MaxRequestBody {
		return nil, ErrBodyTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		return nil, fmt.Errorf("slack: unable to read the request body: %w", err)
	}
	if len(body) > MaxRequestBody {
		return nil, ErrBodyTooLarge
	}
	mac := hmac.New(sha256.New, []byte(signingSecret))
	fmt.Fprintf(mac, "v0:%s:", stamp)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), got) {
		return nil, ErrBadSignature
	}
	return body, nil
}
