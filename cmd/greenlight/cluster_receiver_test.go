package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenlight/greenlight/notify/webhook"
)

// wireReceiver is the client's program behind the webhook connector, as
// docs/connectors.md asks one to be: it verifies each request's signature,
// acts once per Idempotency-Key and answers a repeated key with its first
// answer. It records every delivery, so the test can tell a retried delivery
// (one key, several requests: fine) from an action done twice (two keys for
// one step: a failure).
type wireReceiver struct {
	*httptest.Server
	mu         sync.Mutex
	deliveries map[string]int            // Idempotency-Key → requests
	actions    map[string]wireAction     // Idempotency-Key → the action, first time
	answers    map[string]map[string]any // Idempotency-Key → answer
	bad        []string                  // requests refused, and why
}

type wireAction struct {
	ID         string `json:"id"`
	Action     string `json:"action"`
	CampaignID string `json:"campaign_id"`
	Client     string `json:"client"`
}

func newWireReceiver(t *testing.T, secret string) *wireReceiver {
	w := &wireReceiver{deliveries: map[string]int{}, actions: map[string]wireAction{}, answers: map[string]map[string]any{}}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = webhook.Verify(secret, r.Header, body, time.Now(), 0)
		}
		var a wireAction
		if err == nil {
			err = json.Unmarshal(body, &a)
		}
		key := r.Header.Get("Idempotency-Key")
		w.mu.Lock()
		defer w.mu.Unlock()
		if err == nil && (key == "" || key != a.ID) {
			err = errBadKey
		}
		if err != nil {
			w.bad = append(w.bad, err.Error())
			http.Error(rw, err.Error(), http.StatusUnauthorized)
			return
		}
		w.deliveries[key]++
		out, ok := w.answers[key]
		if !ok {
			// The answer depends on the step alone, not on the campaign or
			// the order of arrival, so equal campaigns end with equal outputs.
			step := strings.TrimPrefix(key, a.CampaignID+"/")
			out = map[string]any{"url": "https://linkedin.example/company/acme/posts/" + step, "summary": a.Action + " " + step + " done on LinkedIn"}
			w.answers[key] = out
			w.actions[key] = a
		}
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(out)
	}))
	t.Cleanup(w.Close)
	return w
}

type receiverError string

func (e receiverError) Error() string { return string(e) }

const errBadKey = receiverError("Idempotency-Key missing or not the action's id")

// performed is, per campaign, the steps acted on (one per distinct key), and
// the number of deliveries in all.
func (w *wireReceiver) performed() (map[string][]string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	by := map[string][]string{}
	n := 0
	for key, a := range w.actions {
		by[a.CampaignID] = append(by[a.CampaignID], strings.TrimPrefix(key, a.CampaignID+"/"))
		n += w.deliveries[key]
	}
	return by, n
}

// count is the number of distinct actions performed for a campaign.
func (w *wireReceiver) count(campaign string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, a := range w.actions {
		if a.CampaignID == campaign {
			n++
		}
	}
	return n
}

func (w *wireReceiver) refused() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.bad...)
}
