package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hooks stands in for Slack's hooks host: it takes what a response_url is
// sent and answers as told.
type hooks struct {
	srv *httptest.Server

	mu       sync.Mutex
	got      []map[string]any
	paths    []string
	status   int
	body     string
	retryAft string
}

func newHooks(t *testing.T) *hooks {
	h := &hooks{status: http.StatusOK, body: `{"ok":true}`}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &m) != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.got, h.paths = append(h.got, m), append(h.paths, r.URL.Path)
		if h.retryAft != "" {
			w.Header().Set("Retry-After", h.retryAft)
		}
		w.WriteHeader(h.status)
		_, _ = io.WriteString(w, h.body)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hooks) host() string { return h.srv.URL }

func (h *hooks) addr() string { return strings.TrimPrefix(h.srv.URL, "http://") }

func (h *hooks) received() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.got...)
}

func responder(t *testing.T, hosts ...string) *Client {
	t.Helper()
	c, err := New(Config{Token: testToken, ResponseHosts: hosts})
	require.NoError(t, err)
	return c
}

func TestRespondRefusesAClickEphemerally(t *testing.T) {
	h := newHooks(t)
	c := responder(t, h.host())
	err := c.Respond(context.Background(), h.srv.URL+"/actions/T0ACME/1/abc", Response{Text: "You may not decide this: <@U0BOSS> asked for it", Ephemeral: true})
	require.NoError(t, err)
	got := h.received()
	require.Len(t, got, 1)
	assert.Equal(t, map[string]any{"text": "You may not decide this: &lt;@U0BOSS&gt; asked for it", "response_type": "ephemeral",
		"replace_original": false, "delete_original": false}, got[0])
	assert.Equal(t, "/actions/T0ACME/1/abc", h.paths[0])
}

func TestRespondReplacesTheMessageAfterADecision(t *testing.T) {
	h := newHooks(t)
	c := responder(t, h.host())
	a := approval(t, weekPreview)
	a.Status, a.DecidedBy, a.Decided = "approved", "dana@acme", "Thu 3 Dec 08:30 CET"
	require.NoError(t, c.Respond(context.Background(), h.srv.URL+"/actions/x", Response{Text: DecidedText(a), Blocks: Decided(a), ReplaceOriginal: true}))
	got := h.received()[0]
	assert.Equal(t, true, got["replace_original"])
	assert.Nil(t, got["response_type"])
	blocks := got["blocks"].([]any)
	assert.Equal(t, "header", blocks[0].(map[string]any)["type"])
	assert.Contains(t, got["text"], "Approved by dana@acme, Thu 3 Dec 08:30 CET")
}

func TestRespondGoesOnlyToAllowedHosts(t *testing.T) {
	h := newHooks(t)
	other := newHooks(t)
	c := responder(t, h.host())
	for _, u := range []string{
		other.srv.URL + "/actions/x",                // another host, on another port
		"https://evil.example/actions/x",            // another host
		"https://" + h.host() + "@evil.example/x",   // the allowed host as a user name
		"http://user:pw@" + h.host() + "/actions/x", // credentials
		"/actions/x",               // not absolute
		"ftp://" + h.host() + "/x", // another scheme
	} {
		err := c.Respond(context.Background(), u, Response{Text: "hi", Ephemeral: true})
		require.Error(t, err, u)
		assert.True(t, IsPermanent(err), u)
	}
	assert.Empty(t, h.received())
	assert.Empty(t, other.received())

	// By default only Slack's hooks host, over https, is allowed.
	def := responder(t)
	err := def.Respond(context.Background(), h.srv.URL+"/actions/x", Response{Text: "hi", Ephemeral: true})
	assert.ErrorContains(t, err, "not one of the allowed hosts [hooks.slack.com]")
	assert.True(t, IsPermanent(err))
	// A bare host means https: plain http to it is refused.
	err = responder(t, "hooks.example", h.addr()).Respond(context.Background(), "http://"+h.addr()+"/actions/x", Response{Text: "hi"})
	assert.ErrorContains(t, err, "not one of the allowed hosts")
	assert.Empty(t, h.received())
}

func TestRespondSaysWhetherToTryAgain(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		retryAfter string
		permanent  bool
		wait       time.Duration
	}{
		{"expired url", 404, "expired_url", "", true, 0},
		{"ok:false", 200, `{"ok":false,"error":"used_url"}`, "", true, 0},
		{"rate limited", 429, "", "3", false, 3 * time.Second},
		{"server error", 502, "", "", false, 0},
		{"plain ok", 200, "ok", "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHooks(t)
			h.status, h.body, h.retryAft = tc.status, tc.body, tc.retryAfter
			err := responder(t, h.host()).Respond(context.Background(), h.srv.URL+"/actions/s3cret", Response{Text: "hi", Ephemeral: true})
			if tc.name == "plain ok" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.permanent, IsPermanent(err), err.Error())
			d, _ := RetryAfter(err)
			assert.Equal(t, tc.wait, d)
			assert.NotContains(t, err.Error(), "s3cret", "the response_url's path stays out of errors")
		})
	}
}

func TestRespondIsEitherEphemeralOrAReplacement(t *testing.T) {
	h := newHooks(t)
	err := responder(t, h.host()).Respond(context.Background(), h.srv.URL+"/x", Response{Text: "hi", Ephemeral: true, ReplaceOriginal: true})
	assert.True(t, IsPermanent(err))
	assert.Empty(t, h.received())
}

func TestRespondOverADeadConnectionIsTransient(t *testing.T) {
	h := newHooks(t)
	c := responder(t, h.host())
	h.srv.Close()
	err := c.Respond(context.Background(), h.srv.URL+"/actions/s3cret", Response{Text: "hi", Ephemeral: true})
	require.Error(t, err)
	assert.False(t, IsPermanent(err))
	assert.NotContains(t, err.Error(), "s3cret")
}
