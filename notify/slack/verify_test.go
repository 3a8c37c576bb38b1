package slack

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/notify/slack/slacktest"
)

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// signed is body as Slack sends it to the interactivity URL, signed with
// secret at at.
func signed(t *testing.T, secret string, at time.Time, body string) *http.Request {
	return slacktest.Signed(t, "/v1/slack/interactions", secret, at, body)
}

func TestVerifyRequestAcceptsOnlyWhatSlackSigned(t *testing.T) {
	now := time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC)
	body := "payload=" + strings.Repeat("x", 200)
	huge := "payload=" + strings.Repeat("x", MaxRequestBody)

	for _, tc := range []struct {
		name string
		req  func() *http.Request
		want error
	}{
		{"good", func() *http.Request { return signed(t, signingSecret, now, body) }, nil},
		{"good, clocks 4 minutes apart", func() *http.Request { return signed(t, signingSecret, now.Add(4*time.Minute), body) }, nil},
		{"wrong secret", func() *http.Request { return signed(t, "another-secret", now, body) }, ErrBadSignature},
		{"stale timestamp", func() *http.Request { return signed(t, signingSecret, now.Add(-6*time.Minute), body) }, ErrStale},
		{"timestamp from the future", func() *http.Request { return signed(t, signingSecret, now.Add(6*time.Minute), body) }, ErrStale},
		// A request captured an hour ago and sent again unchanged.
		{"replayed an hour later", func() *http.Request { return signed(t, signingSecret, now.Add(-time.Hour), body) }, ErrStale},
		{"timestamp changed to pass the window", func() *http.Request {
			r := signed(t, signingSecret, now.Add(-time.Hour), body)
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
			return r
		}, ErrBadSignature},
		{"tampered body", func() *http.Request {
			r := signed(t, signingSecret, now, body)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "x", "y", 1)))
			return r
		}, ErrBadSignature},
		{"oversize body", func() *http.Request { return signed(t, signingSecret, now, huge) }, ErrBodyTooLarge},
		{"oversize body of unknown length", func() *http.Request {
			r := signed(t, signingSecret, now, huge)
			r.ContentLength = -1
			r.Body = io.NopCloser(strings.NewReader(huge))
			return r
		}, ErrBodyTooLarge},
		{"no signature", func() *http.Request {
			r := signed(t, signingSecret, now, body)
			r.Header.Del("X-Slack-Signature")
			return r
		}, ErrUnsigned},
		{"no timestamp", func() *http.Request {
			r := signed(t, signingSecret, now, body)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}, ErrUnsigned},
		{"timestamp not a number", func() *http.Request {
			r := signed(t, signingSecret, now, body)
			r.Header.Set("X-Slack-Request-Timestamp", "soon")
			return r
		}, ErrStale},
		{"signature of another version", func() *http.Request {
			r := signed(t, signingSecret, now, body)
			r.Header.Set("X-Slack-Signature", strings.Replace(r.Header.Get("X-Slack-Signature"), "v0=", "v1=", 1))
			return r
		}, ErrBadSignature},
		{"signature not hex", func() *http.Request {
			r := signed(t, signingSecret, now, body)
			r.Header.Set("X-Slack-Signature", "v0=zz")
			return r
		}, ErrBadSignature},
		{"signature cut short", func() *http.Request {
			r := signed(t, signingSecret, now, body)
			r.Header.Set("X-Slack-Signature", r.Header.Get("X-Slack-Signature")[:20])
			return r
		}, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VerifyRequest(tc.req(), signingSecret, now)
			if tc.want == nil {
				require.NoError(t, err)
				assert.Equal(t, body, string(got))
				return
			}
			assert.ErrorIs(t, err, tc.want)
			assert.Nil(t, got)
		})
	}
}

func TestVerifyRequestNeedsASecret(t *testing.T) {
	now := time.Now()
	_, err := VerifyRequest(signed(t, "", now, "payload=x"), "", now)
	assert.Error(t, err)
}

// TestVerifyRequestAgreesWithSlackGo checks the signing the tests use, and
// VerifyRequest, against slack-go's own verifier on the same request.
func TestVerifyRequestAgreesWithSlackGo(t *testing.T) {
	now := time.Now()
	body := "payload=%7B%22type%22%3A%22block_actions%22%7D"
	for _, secret := range []string{signingSecret, "wrong"} {
		r := signed(t, secret, now, body)
		sv, err := slack.NewSecretsVerifier(r.Header, signingSecret)
		require.NoError(t, err)
		_, _ = sv.Write([]byte(body))
		theirs := sv.Ensure()

		_, ours := VerifyRequest(r, signingSecret, now)
		assert.Equal(t, theirs == nil, ours == nil, "secret %q: slack-go says %v, we say %v", secret, theirs, ours)
	}
}

func TestVerifyRequestReadsNoMoreThanItsLimit(t *testing.T) {
	now := time.Now()
	src := &countingReader{r: bytes.NewReader(make([]byte, 10*MaxRequestBody))}
	r := signed(t, signingSecret, now, "")
	r.ContentLength = -1
	r.Body = io.NopCloser(src)
	_, err := VerifyRequest(r, signingSecret, now)
	assert.ErrorIs(t, err, ErrBodyTooLarge)
	assert.LessOrEqual(t, src.n, int64(MaxRequestBody+1))
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
