package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Hooks stands in for Slack's hooks host: it takes what a response_url is
// sent (a JSON object), records it, and answers as told (200 {"ok":true}
// unless Answer says otherwise).
type Hooks struct {
	URL string // scheme and host the response_urls point at

	srv *httptest.Server // its own server, unless it shares a Server's

	mu         sync.Mutex
	got        []Hook
	status     int
	body       string
	retryAfter string
}

// Hook is one message sent to a response_url.
type Hook struct {
	Path string
	Body map[string]any
}

// NewHooks starts a response_url receiver on its own server, until the test
// ends.
func NewHooks(t testing.TB) *Hooks {
	h := newHooks()
	h.srv = httptest.NewServer(h)
	h.URL = h.srv.URL
	t.Cleanup(h.srv.Close)
	return h
}

func newHooks() *Hooks { return &Hooks{status: http.StatusOK, body: `{"ok":true}`} }

// Close stops a receiver started by NewHooks: later responses find no one.
func (h *Hooks) Close() {
	if h.srv != nil {
		h.srv.Close()
	}
}

// Answer sets what the receiver answers from now on.
func (h *Hooks) Answer(status int, body, retryAfter string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.status, h.body, h.retryAfter = status, body, retryAfter
}

// Received returns what the response_urls were sent so far, in order.
func (h *Hooks) Received() []Hook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Hook(nil), h.got...)
}

// ServeHTTP takes one message, refusing a body that is not a JSON object as
// Slack does.
func (h *Hooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &m) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, Hook{Path: r.URL.Path, Body: m})
	if h.retryAfter != "" {
		w.Header().Set("Retry-After", h.retryAfter)
	}
	w.WriteHeader(h.status)
	_, _ = io.WriteString(w, h.body)
}
