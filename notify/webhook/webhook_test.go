package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receiver is an agency endpoint: it records each request and answers with
// the next scripted answer, then 204.
type receiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	got     []received
	answers []answer
}

type received struct {
	Header http.Header
	Body   []byte
}

type answer struct {
	status int
	header map[string]string
	body   string
}

func newReceiver(t *testing.T, answers ...answer) *receiver {
	r := &receiver{answers: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{Header: req.Header.Clone(), Body: b})
		a := answer{status: http.StatusNoContent}
		if len(r.answers) > 0 {
			a, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

var (
	testSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	oldSecret  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("the secret we are rotating out!!"))
	at         = time.Date(2026, 12, 3, 7, 30, 0, 0, time.UTC)
)

func event() Event {
	return Event{ID: "evt_c1.approve_plan_requested", Type: TypeRequested, Timestamp: at.In(time.FixedZone("CET", 3600)),
		Data: map[string]any{"approval_id": "c1.approve_plan", "client": "acme", "title": "The plan", "due_at": "2026-12-04T16:00:00Z"}}
}

func sender(now time.Time) Sender {
	return Sender{Now: func() time.Time { return now }}
}

// independentSignature computes the signature from the Standard Webhooks
// description alone, without this package.
func independentSignature(secret, id, ts string, body []byte) string {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + string(body)))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestSendDeliversASignedEvent(t *testing.T) {
	r := newReceiver(t)
	require.NoError(t, sender(at.Add(time.Minute)).Send(context.Background(), r.srv.URL+"/hooks/greenlight", testSecret, event()))

	got := r.requests()
	require.Len(t, got, 1)
	h, body := got[0].Header, got[0].Body
	assert.JSONEq(t, `{"type":"approval.requested","timestamp":"2026-12-03T07:30:00Z",
		"data":{"approval_id":"c1.approve_plan","client":"acme","title":"The plan","due_at":"2026-12-04T16:00:00Z"}}`, string(body))
	assert.Equal(t, "evt_c1.approve_plan_requested", h.Get("webhook-id"))
	assert.Equal(t, strconv.FormatInt(at.Add(time.Minute).Unix(), 10), h.Get("webhook-timestamp"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	assert.Equal(t, "evt_c1.approve_plan_requested", h.Get("Idempotency-Key"))
	assert.Contains(t, h.Get("User-Agent"), "Greenlight")

	assert.Equal(t, independentSignature(testSecret, h.Get("webhook-id"), h.Get("webhook-timestamp"), body), h.Get("webhook-signature"))
	assert.NoError(t, Verify(testSecret, h, body, at.Add(2*time.Minute), 5*time.Minute))
	assert.ErrorIs(t, Verify(oldSecret, h, body, at.Add(2*time.Minute), 5*time.Minute), ErrSignature)
}

func TestRetriesCarryTheSameIDAndBody(t *testing.T) {
	r := newReceiver(t, answer{status: 500, body: "database down"})
	s := sender(at)
	err := s.Send(context.Background(), r.srv.URL, testSecret, event())
	require.Error(t, err)
	assert.False(t, IsPermanent(err))
	_, ok := RetryAfter(err)
	assert.False(t, ok)
	assert.Contains(t, err.Error(), "500")

	// The caller tries again a minute later with the same event.
	s = sender(at.Add(time.Minute))
	require.NoError(t, s.Send(context.Background(), r.srv.URL, testSecret, event()))

	got := r.requests()
	require.Len(t, got, 2)
	assert.Equal(t, got[0].Body, got[1].Body)
	assert.Equal(t, got[0].Header.Get("webhook-id"), got[1].Header.Get("webhook-id"))
	assert.Equal(t, got[0].Header.Get("Idempotency-Key"), got[1].Header.Get("Idempotency-Key"))
	assert.NotEqual(t, got[0].Header.Get("webhook-timestamp"), got[1].Header.Get("webhook-timestamp"), "each attempt is signed at its own time")
	for _, g := range got {
		ts, err := strconv.ParseInt(g.Header.Get("webhook-timestamp"), 10, 64)
		require.NoError(t, err)
		assert.NoError(t, Verify(testSecret, g.Header, g.Body, time.Unix(ts, 0), time.Minute))
	}
}

func TestAnswersSayWhetherToTryAgain(t *testing.T) {
	for _, tc := range []struct {
		name      string
		answer    answer
		permanent bool
		wait      time.Duration
		hasWait   bool
		says      string
	}{
		{"429 with seconds", answer{status: 429, header: map[string]string{"Retry-After": "120"}}, false, 2 * time.Minute, true, "429"},
		{"503 with a date", answer{status: 503, header: map[string]string{"Retry-After": at.Add(90 * time.Second).Format(http.TimeFormat)}}, false, 90 * time.Second, true, "503"},
		{"503 with a date gone by", answer{status: 503, header: map[string]string{"Retry-After": at.Add(-time.Hour).Format(http.TimeFormat)}}, false, 0, true, "503"},
		{"429 with nonsense", answer{status: 429, header: map[string]string{"Retry-After": "soon"}}, false, 0, false, "429"},
		{"408", answer{status: 408}, false, 0, false, "408"},
		{"502", answer{status: 502, body: "<html>bad gateway</html>"}, false, 0, false, "bad gateway"},
		{"400 with a message", answer{status: 400, body: `{"error":"unknown approval field \"due_at\""}`}, true, 0, false, `unknown approval field`},
		{"401", answer{status: 401, body: "signature mismatch"}, true, 0, false, "signature mismatch"},
		{"404", answer{status: 404}, true, 0, false, "404"},
		{"410", answer{status: 410, body: "gone"}, true, 0, false, "gone"},
		{"302 not followed", answer{status: 302, header: map[string]string{"Location": "https://elsewhere.example/hook"}}, true, 0, false, `redirect to "https://elsewhere.example/hook", which is not followed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t, tc.answer)
			err := sender(at).Send(context.Background(), r.srv.URL+"/hook?key=k3y", testSecret, event())
			require.Error(t, err)
			assert.Equal(t, tc.permanent, IsPermanent(err), err.Error())
			wait, ok := RetryAfter(err)
			assert.Equal(t, tc.hasWait, ok)
			assert.Equal(t, tc.wait, wait)
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), "k3y", "the query stays out of errors")
			assert.NotContains(t, err.Error(), testSecret)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.answer.status, e.Status)
			assert.Len(t, r.requests(), 1, "one attempt per Send: the caller retries")
		})
	}
}

func TestARedirectGoesNowhere(t *testing.T) {
	target := newReceiver(t)
	r := newReceiver(t, answer{status: 307, header: map[string]string{"Location": target.srv.URL}})
	err := sender(at).Send(context.Background(), r.srv.URL, testSecret, event())
	assert.True(t, IsPermanent(err))
	assert.Empty(t, target.requests())
}

func TestAnAnswerIsQuotedShortAndReadBounded(t *testing.T) {
	r := newReceiver(t, answer{status: 422, body: strings.Repeat("é", 10_000) + strings.Repeat("x", 1<<20)})
	err := sender(at).Send(context.Background(), r.srv.URL, testSecret, event())
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.LessOrEqual(t, len(e.Message), 512+3)
	assert.True(t, strings.HasPrefix(e.Message, "éé"))
	assert.Less(t, len(err.Error()), 1500)
}

func TestTimeoutsAndDeadReceiversAreTransient(t *testing.T) {
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(block) })
	s := Sender{Client: &http.Client{Timeout: 50 * time.Millisecond}, Now: func() time.Time { return at }}
	err := s.Send(context.Background(), slow.URL, testSecret, event())
	require.Error(t, err)
	assert.False(t, IsPermanent(err))

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	err = sender(at).Send(context.Background(), dead.URL+"/hook?key=k3y", testSecret, event())
	require.Error(t, err)
	assert.False(t, IsPermanent(err))
	assert.NotContains(t, err.Error(), "k3y")
}

func TestSendRefusesWhatItCannotDeliver(t *testing.T) {
	r := newReceiver(t)
	for _, tc := range []struct {
		name, url, secret string
		e                 Event
		says              string
	}{
		{"plain http elsewhere", "http://hooks.example/x", testSecret, event(), "over https"},
		{"another scheme", "ftp://127.0.0.1/x", testSecret, event(), "over https"},
		{"not a URL", "::", testSecret, event(), "not an absolute"},
		{"relative", "/hook", testSecret, event(), "not an absolute"},
		{"no secret", r.srv.URL, "", event(), "no secret"},
		{"secret not base64", r.srv.URL, "whsec_!!!not-base64-at-all!!!", event(), "secret 1 is not whsec_"},
		{"short secret", r.srv.URL, "whsec_" + base64.StdEncoding.EncodeToString([]byte("short")), event(), "fewer than 16"},
		{"no id", r.srv.URL, testSecret, Event{Type: TypeDecided}, "has no id"},
		{"unknown type", r.srv.URL, testSecret, Event{ID: "e1", Type: "campaign.exploded"}, `"campaign.exploded" is not one of`},
		{"data that cannot be JSON", r.srv.URL, testSecret, Event{ID: "e1", Type: TypeDecided, Data: func() {}}, "unable to encode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := sender(at).Send(context.Background(), tc.url, tc.secret, tc.e)
			require.Error(t, err)
			assert.True(t, IsPermanent(err))
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), "!!!not-base64")
		})
	}
	assert.Empty(t, r.requests())
}

func TestVerifyKeepsToTheTolerance(t *testing.T) {
	body, err := event().Body()
	require.NoError(t, err)
	signedAt := func(ts time.Time) http.Header {
		sig, err := Sign(testSecret, "evt_1", ts, body)
		require.NoError(t, err)
		h := http.Header{}
		h.Set("webhook-id", "evt_1")
		h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
		h.Set("webhook-signature", sig)
		return h
	}
	for _, tc := range []struct {
		name string
		h    http.Header
		body []byte
		want error
	}{
		{"just now", signedAt(at), body, nil},
		{"4 minutes old", signedAt(at.Add(-4 * time.Minute)), body, nil},
		{"6 minutes old", signedAt(at.Add(-6 * time.Minute)), body, ErrTimestamp},
		{"6 minutes ahead", signedAt(at.Add(6 * time.Minute)), body, ErrTimestamp},
		{"an old request replayed with a new timestamp", func() http.Header {
			h := signedAt(at.Add(-time.Hour))
			h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
			return h
		}(), body, ErrSignature},
		{"another id", func() http.Header { h := signedAt(at); h.Set("webhook-id", "evt_2"); return h }(), body, ErrSignature},
		{"tampered body", signedAt(at), []byte(strings.Replace(string(body), "acme", "acne", 1)), ErrSignature},
		{"no signature", func() http.Header { h := signedAt(at); h.Del("webhook-signature"); return h }(), body, ErrMissingHeaders},
		{"timestamp not a number", func() http.Header { h := signedAt(at); h.Set("webhook-timestamp", "now"); return h }(), body, ErrTimestamp},
		{"another version", func() http.Header {
			h := signedAt(at)
			h.Set("webhook-signature", strings.Replace(h.Get("webhook-signature"), "v1,", "v1a,", 1))
			return h
		}(), body, ErrSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(testSecret, tc.h, tc.body, at, 5*time.Minute)
			if tc.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want)
			}
		})
	}
	// No tolerance given means five minutes.
	assert.NoError(t, Verify(testSecret, signedAt(at.Add(-4*time.Minute)), body, at, 0))
	assert.ErrorIs(t, Verify(testSecret, signedAt(at.Add(-6*time.Minute)), body, at, 0), ErrTimestamp)
}

func TestARotatedSecretListVerifiesUnderEither(t *testing.T) {
	r := newReceiver(t)
	require.NoError(t, sender(at).Send(context.Background(), r.srv.URL, testSecret+" "+oldSecret, event()))
	got := r.requests()[0]
	sigs := strings.Fields(got.Header.Get("webhook-signature"))
	require.Len(t, sigs, 2)
	ts := got.Header.Get("webhook-timestamp")
	assert.Equal(t, independentSignature(testSecret, "evt_c1.approve_plan_requested", ts, got.Body), sigs[0])
	assert.Equal(t, independentSignature(oldSecret, "evt_c1.approve_plan_requested", ts, got.Body), sigs[1])

	// A receiver still on the old secret, one already on the new, one with both.
	for _, secret := range []string{oldSecret, testSecret, oldSecret + " " + testSecret} {
		assert.NoError(t, Verify(secret, got.Header, got.Body, at, time.Minute))
	}
	other, err := NewSecret()
	require.NoError(t, err)
	assert.ErrorIs(t, Verify(other, got.Header, got.Body, at, time.Minute), ErrSignature)
}

func TestNewSecretIsAStandardWebhooksSecret(t *testing.T) {
	a, err := NewSecret()
	require.NoError(t, err)
	b, err := NewSecret()
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	require.True(t, strings.HasPrefix(a, "whsec_"))
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	require.NoError(t, err)
	assert.Len(t, key, 32)
}

func TestTheBodyIsStableAndInUTC(t *testing.T) {
	e := event()
	one, err := e.Body()
	require.NoError(t, err)
	two, err := e.Body()
	require.NoError(t, err)
	assert.Equal(t, one, two)
	var m map[string]any
	require.NoError(t, json.Unmarshal(one, &m))
	assert.Equal(t, "2026-12-03T07:30:00Z", m["timestamp"])
	assert.ElementsMatch(t, []string{"type", "timestamp", "data"}, slices.Collect(maps.Keys(m)))
}
