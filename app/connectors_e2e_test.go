package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/notify/webhook"
)

// fakeMastodon is a Mastodon instance for one account, as its REST API is
// documented: statuses (with Idempotency-Key, which it honours), the
// account's own profile, Bearer tokens, and a 429 with Retry-After the first
// time a status is posted.
type fakeMastodon struct {
	*httptest.Server
	mu       sync.Mutex
	token    string            // the token it accepts now
	statuses []map[string]any  // as created
	byKey    map[string]int    // Idempotency-Key → index in statuses
	limited  bool              // the 429 has been sent
	seen     map[string]string // token → first path it was used on
}

func newFakeMastodon(t *testing.T, token string) *fakeMastodon {
	f := &fakeMastodon{token: token, byKey: map[string]int{}, seen: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeMastodon) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if _, ok := f.seen[got]; !ok {
		f.seen[got] = r.URL.Path
	}
	if got != f.token {
		answer(http.StatusUnauthorized, map[string]string{"error": "The access token is invalid"})
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/accounts/verify_credentials":
		answer(http.StatusOK, map[string]any{"id": "1", "username": "acme", "acct": "acme", "display_name": "Acme",
			"url": f.URL + "/@acme", "note": "<p>Bread since 1921</p>", "avatar": f.URL + "/avatars/acme.png",
			"fields": []any{map[string]any{"name": "Web", "value": "acme.example"}}, "followers_count": 40})
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		if !f.limited {
			f.limited = true
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("Retry-After", "1")
			answer(http.StatusTooManyRequests, map[string]string{"error": "Too many requests"})
			return
		}
		if err := r.ParseForm(); err != nil || strings.TrimSpace(r.PostForm.Get("status")) == "" {
			answer(http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: Text can't be blank"})
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if i, ok := f.byKey[key]; ok && key != "" {
			answer(http.StatusOK, f.statuses[i])
			return
		}
		id := fmt.Sprint(1000 + len(f.statuses))
		s := map[string]any{"id": id, "url": f.URL + "/@acme/" + id, "content": "<p>" + r.PostForm.Get("status") + "</p>",
			"visibility": "public", "account": map[string]any{"id": "1", "username": "acme", "acct": "acme"}}
		f.statuses = append(f.statuses, s)
		f.byKey[key] = len(f.statuses) - 1
		answer(http.StatusOK, s)
	default:
		answer(http.StatusNotFound, map[string]string{"error": "Record not found"})
	}
}

func (f *fakeMastodon) rotate(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = token
}

func (f *fakeMastodon) posted() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.statuses...)
}

// actionReceiver is the agency's program behind the webhook connector: it
// checks every request's signature, acts once per Idempotency-Key and
// answers a repeated key with its first answer, as docs/connectors.md asks.
type actionReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	actions []map[string]any          // performed, in order
	answers map[string]map[string]any // key → answer
	bad     int                       // requests that failed verification
}

func newActionReceiver(t *testing.T, secret string) *actionReceiver {
	a := &actionReceiver{answers: map[string]map[string]any{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = webhook.Verify(secret, r.Header, body, time.Now(), 0)
		}
		var action map[string]any
		if err == nil {
			err = json.Unmarshal(body, &action)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if err != nil {
			a.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		key := r.Header.Get("Idempotency-Key")
		out, ok := a.answers[key]
		if !ok {
			a.actions = append(a.actions, action)
			n := len(a.actions)
			out = map[string]any{"id": fmt.Sprint(n), "url": fmt.Sprintf("https://linkedin.example/company/acme/posts/%d", n),
				"summary": fmt.Sprintf("%s done on LinkedIn", action["action"])}
			a.answers[key] = out
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *actionReceiver) performed(action string) []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []map[string]any
	for _, x := range a.actions {
		if x["action"] == action {
			out = append(out, x)
		}
	}
	return out
}

// writeSecrets writes the credentials file as an operator would mount it.
func writeSecrets(t *testing.T, path string, values map[string]string) {
	t.Helper()
	b, err := json.Marshal(values)
	require.NoError(t, err)
	tmp := path + ".new"
	require.NoError(t, os.WriteFile(tmp, b, 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

// TestRealConnectorsEndToEnd runs reputation-repair for a client whose
// Mastodon account acts through the Mastodon connector and whose LinkedIn page
// acts through the agency's webhook receiver: the campaign completes, its
// account steps say "simulated": false, each post reaches its platform once
// (a 429 on the way is a retry, not a failure), a credential rotated in the
// secrets file mid-campaign is used with no restart, and the workflow's
// history holds no secret.
func TestRealConnectorsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	const oldToken, newToken = "mastodon-token-OLD-0123456789", "mastodon-token-NEW-9876543210"
	masto := newFakeMastodon(t, oldToken)
	hookSecret, err := webhook.NewSecret()
	require.NoError(t, err)
	receiver := newActionReceiver(t, hookSecret)
	secrets := filepath.Join(t.TempDir(), "secrets.json")
	writeSecrets(t, secrets, map[string]string{"acme.mastodon": oldToken, "acme.linkedin-hook": hookSecret})

	d, cfg := startDevWith(t, func(c *config.Config) {
		c.CredentialsFile = secrets
		// As in production: no account, no launch.
		c.Unattached = config.UnattachedRefuse
	})
	gl := apiClient{t: t, base: d.APIURL}
	launch := map[string]any{"playbook": "reputation-repair", "client": "acme", "params": map[string]any{
		"brand": "Acme", "platforms": []string{"mastodon", "linkedin"}, "posts_per_batch": 2, "max_weeks": 1,
	}}

	var p problemBody
	resp := gl.do("POST", "/v1/campaigns", launch, nil, &p)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Len(t, p.Errors, 2)
	assert.Equal(t, "params.platforms", p.Errors[0].Field)
	assert.Contains(t, p.Errors[0].Message, "client acme has no account on linkedin")
	assert.Contains(t, p.Errors[1].Message, "client acme has no account on mastodon")

	for _, acc := range []map[string]any{
		{"platform": "mastodon", "handle": "@acme@social.acme.example", "connector": "mastodon", "endpoint": masto.URL, "credential": "acme.mastodon"},
		{"platform": "linkedin", "handle": "company/acme", "connector": "webhook", "endpoint": receiver.URL + "/actions", "credential": "acme.linkedin-hook"},
	} {
		var v api.AccountView
		resp := gl.do("POST", "/v1/clients/acme/accounts", acc, nil, &v)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		assert.NotContains(t, fmt.Sprint(v), oldToken)
	}

	var camp api.CampaignView
	resp = gl.do("POST", "/v1/campaigns", launch, nil, &camp)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Len(t, camp.Accounts, 2, "the campaign shows the accounts it holds")
	for _, a := range camp.Accounts {
		assert.Equal(t, api.HoldHeld, a.State)
	}

	pending := func(step string) string {
		t.Helper()
		id := api.ApprovalID(camp.ID, step)
		poll(t, 60*time.Second, "approval "+step, func() (bool, bool) {
			var a map[string]any
			r := gl.do("GET", "/v1/approvals/"+id, nil, nil, &a)
			return true, r.StatusCode == http.StatusOK && a["status"] == api.ApprovalPending
		})
		return id
	}
	approve := func(id string) {
		t.Helper()
		r := gl.do("POST", "/v1/approvals/"+id+"/decision", map[string]any{"decision": "approve"}, nil, nil)
		require.Equal(t, http.StatusOK, r.StatusCode)
	}
	approve(pending("approve_plan"))
	batch := pending("weekly.1.approve_batch")
	// While the campaign waits, the token is rotated on the instance and in
	// the file; the campaign runs on, and its next action signs in with the
	// new one.
	masto.rotate(newToken)
	writeSecrets(t, secrets, map[string]string{"acme.mastodon": newToken, "acme.linkedin-hook": hookSecret})
	approve(batch)

	done := gl.waitFor(camp.ID, "completed", func(v api.CampaignView) bool { return finishedStatus(v.Status) })
	require.Equal(t, api.StatusCompleted, done.Status, "error: %s", done.Error)

	outputs := map[string]map[string]any{}
	for _, s := range done.Steps {
		var out map[string]any
		if len(s.Output) > 0 {
			require.NoError(t, json.Unmarshal(s.Output, &out))
		}
		outputs[s.Key] = out
	}
	publish := outputs["weekly.1.publish"]
	require.NotNil(t, publish, "steps: %v", outputs)
	assert.Equal(t, false, publish["simulated"], "the posts went to real platforms: %v", publish)
	byPlatform, _ := publish["by_platform"].(map[string]any)
	require.Contains(t, byPlatform, "mastodon")
	require.Contains(t, byPlatform, "linkedin")
	assert.Equal(t, false, byPlatform["mastodon"].(map[string]any)["simulated"])
	assert.Equal(t, "https://linkedin.example/company/acme/posts", strings.TrimRight(
		strings.TrimRightFunc(byPlatform["linkedin"].(map[string]any)["url"].(string), func(r rune) bool { return r >= '0' && r <= '9' }), "/"))
	optimized := 0
	for key, out := range outputs {
		if strings.HasSuffix(key, "optimize") {
			optimized++
			assert.Equal(t, false, out["simulated"], "%s acted on the real account: %v", key, out)
		}
	}
	assert.Equal(t, 2, optimized, "one profile step per platform: %v", outputs)

	posts := masto.posted()
	assert.Len(t, posts, 2, "two posts on Mastodon, once each, after one 429")
	assert.Len(t, receiver.performed("publish_posts"), 1, "one publish on LinkedIn")
	assert.Len(t, receiver.performed("optimize_profile"), 1)
	assert.Zero(t, receiver.bad, "every webhook request was signed")
	assert.Equal(t, "/api/v1/accounts/verify_credentials", masto.seen[oldToken], "the old token was used before the rotation")
	assert.Equal(t, "/api/v1/statuses", masto.seen[newToken], "and the new one for the posts, without a restart")

	// Neither the history nor the API shows a secret.
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	h := &historypb.History{}
	it := tc.GetWorkflowHistory(context.Background(), done.WorkflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, ev)
	}
	// The wire form holds every payload's bytes as they are (JSON, not
	// base64), so a secret anywhere in the history would show here.
	raw, err := proto.Marshal(h)
	require.NoError(t, err)
	require.Contains(t, string(raw), "acme.mastodon", "the history names the credential")
	for _, secret := range []string{oldToken, newToken, hookSecret, strings.TrimPrefix(hookSecret, "whsec_")} {
		assert.NotContains(t, string(raw), secret, "a secret in the workflow history")
	}
	// Kept as evidence of how account campaigns run, so later workflow code
	// must replay them.
	saveHistories(t, tc, map[string]string{"reputation-repair-v3-accounts-completed": done.WorkflowID})

	var view map[string]any
	gl.do("GET", "/v1/campaigns/"+camp.ID, nil, nil, &view)
	b, _ := json.Marshal(view)
	for _, secret := range []string{oldToken, newToken, hookSecret} {
		assert.NotContains(t, string(b), secret)
	}
}

func finishedStatus(s string) bool {
	return s == api.StatusCompleted || s == api.StatusFailed || s == api.StatusCanceled
}
