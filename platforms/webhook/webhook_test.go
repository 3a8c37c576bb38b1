package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/notify"
	hook "github.com/greenlight/greenlight/notify/webhook"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/connectortest"
	"github.com/greenlight/greenlight/platforms/webhook"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// receiver is what a real one does: it verifies the signature, then dedupes
// by Idempotency-Key, answering a repeated key with its first answer and
// acting once.
type receiver struct {
	*httptest.Server
	t        *testing.T
	mu       sync.Mutex
	acted    map[string]int
	answered map[string][]byte
	script   []func(w http.ResponseWriter) bool // answers before acting; true when it answered
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, acted: map[string]int{}, answered: map[string][]byte{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "unreadable", http.StatusBadRequest)
		return
	}
	if err := hook.Verify(secret, req.Header, body, time.Now(), 5*time.Minute); err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p struct {
		ID, Action, CampaignID, Client string
		Input                          map[string]any
	}
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	key := req.Header.Get("Idempotency-Key")
	if key == "" || key != p.ID || key != req.Header.Get("webhook-id") {
		http.Error(w, "the key, webhook-id and id differ", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.script) > 0 {
		next := r.script[0]
		r.script = r.script[1:]
		if next(w) {
			return
		}
	}
	if prior, ok := r.answered[key]; ok {
		_, _ = w.Write(prior)
		return
	}
	r.acted[key]++
	n := len(r.answered) + 1
	answer, _ := json.Marshal(map[string]any{"url": fmt.Sprintf("https://social.example/posts/%d", n), "id": strconv.Itoa(n), "action": p.Action})
	r.answered[key] = answer
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(answer)
}

func (r *receiver) reached(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acted[key]
}

func (r *receiver) then(f func(w http.ResponseWriter) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.script = append(r.script, f)
}

func connector(t *testing.T, url string, log platforms.ActionLog) *webhook.Connector {
	c, err := webhook.New(webhook.Config{URL: url, Secret: secret}, log)
	require.NoError(t, err)
	return c
}

func TestWebhookKeepsTheConnectorContract(t *testing.T) {
	for _, c := range []struct {
		name string
		log  func(t *testing.T) platforms.ActionLog
	}{
		{"in memory", nil},
		{"in the store", func(t *testing.T) platforms.ActionLog { return worker.StoreActionLog(storetest.SQLite(t)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r *receiver
			connectortest.Run(t, connectortest.Harness{
				Connector: func(t *testing.T, log platforms.ActionLog) platforms.Connector { return connector(t, r.URL, log) },
				Reset:     func(t *testing.T) { r = newReceiver(t) },
				Reached:   func(_ *testing.T, key string) int { return r.reached(key) },
				Where:     []string{"url", "id"},
				Log:       c.log,
			})
		})
	}
}

func answer(status int, header map[string]string, body string) func(w http.ResponseWriter) bool {
	return func(w http.ResponseWriter) bool {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
		return true
	}
}

func TestWebhookAnswersSayWhetherToTryAgain(t *testing.T) {
	elsewhere := newReceiver(t)
	for _, c := range []struct {
		name      string
		first     func(w http.ResponseWriter) bool
		permanent bool
		wait      time.Duration
		says      string
	}{
		{name: "500 then 200", first: answer(500, nil, "down for a moment")},
		{name: "503 with Retry-After", first: answer(503, map[string]string{"Retry-After": "3"}, ""), wait: 3 * time.Second},
		{name: "429 with Retry-After", first: answer(429, map[string]string{"Retry-After": "7"}, "slow down"), wait: 7 * time.Second, says: "slow down"},
		{name: "408", first: answer(408, nil, "")},
		{name: "400 with a message", first: answer(400, nil, "brand is not one of ours"), permanent: true, says: "brand is not one of ours"},
		{name: "404", first: answer(404, nil, "no such route"), permanent: true, says: "no such route"},
		{name: "a redirect is not followed", first: answer(302, map[string]string{"Location": elsewhere.URL}, ""), permanent: true, says: "not followed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newReceiver(t)
			r.then(c.first)
			log := connectortest.NewMemoryLog()
			conn := connector(t, r.URL+"/actions?token=querykey", log)
			a := connectortest.ActionFor("errors/"+c.name, "publish_posts")

			_, err := conn.Perform(context.Background(), a)
			require.Error(t, err)
			require.Equal(t, c.permanent, notify.IsPermanent(err), "%v", err)
			wait, ok := notify.RetryAfter(err)
			require.Equal(t, c.wait != 0, ok, "%v", err)
			require.Equal(t, c.wait, wait)
			require.ErrorContains(t, err, c.says)
			require.NotContains(t, err.Error(), secret)
			require.NotContains(t, err.Error(), "querykey", "errors never quote the URL's query")
			require.Equal(t, 0, r.reached(a.Key))
			require.Equal(t, 0, elsewhere.reached(a.Key), "a redirect carries nothing elsewhere")

			res, err := conn.Perform(context.Background(), a)
			require.NoError(t, err, "the next attempt is answered 200")
			require.False(t, res.Replayed)
			require.Equal(t, 1, r.reached(a.Key))
			require.Equal(t, false, res.Output["simulated"])
			require.Equal(t, "publish_posts", res.Output["action"], "the receiver's answer is the output")
		})
	}
}

func TestWebhookSucceedsWithoutAnAnswerBody(t *testing.T) {
	r := newReceiver(t)
	r.then(answer(204, nil, ""))
	res, err := connector(t, r.URL, connectortest.NewMemoryLog()).Perform(context.Background(), connectortest.ActionFor("k", "launch_blog"))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"simulated": false}, res.Output)
}

func TestWebhookTimeoutIsTransient(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	c, err := webhook.New(webhook.Config{URL: slow.URL, Secret: secret, Client: &http.Client{Timeout: 50 * time.Millisecond}}, connectortest.NewMemoryLog())
	require.NoError(t, err)
	_, err = c.Perform(context.Background(), connectortest.ActionFor("k", "launch_blog"))
	require.Error(t, err)
	require.False(t, notify.IsPermanent(err))
}

func TestWebhookRefusesAConfigItCannotUse(t *testing.T) {
	log := connectortest.NewMemoryLog()
	for _, c := range []struct {
		name string
		cfg  webhook.Config
		says string
	}{
		{"plain http elsewhere", webhook.Config{URL: "http://hooks.example/a", Secret: secret}, "https"},
		{"not a URL", webhook.Config{URL: "hooks", Secret: secret}, "URL"},
		{"no secret", webhook.Config{URL: "https://hooks.example/a"}, "no secret"},
		{"a secret too short", webhook.Config{URL: "https://hooks.example/a", Secret: "whsec_c2hvcnQ="}, "fewer"},
		{"a secret not base64", webhook.Config{URL: "https://hooks.example/a", Secret: "whsec_!!notbase64!!"}, "base64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := webhook.New(c.cfg, log)
			require.ErrorContains(t, err, c.says)
			if c.cfg.Secret != "" {
				require.NotContains(t, err.Error(), c.cfg.Secret)
			}
		})
	}
	_, err := webhook.New(webhook.Config{URL: "https://hooks.example/a", Secret: secret}, nil)
	require.Error(t, err, "no action log, no idempotency")
}

func TestWebhookRefusesAnActionWithoutAKey(t *testing.T) {
	r := newReceiver(t)
	_, err := connector(t, r.URL, connectortest.NewMemoryLog()).Perform(context.Background(), connectortest.ActionFor("", "launch_blog"))
	require.Error(t, err)
	require.True(t, notify.IsPermanent(err))
}
