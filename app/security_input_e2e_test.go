package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/workflows"
)

// Holes 5 (JSON side), 9 and 13 of issue 8, replayed on the dev stack: deeply
// nested or oversized JSON, text the store cannot hold (NUL, invalid UTF-8) in
// every kind of field, and query values Go misreads or durations that
// overflow. Each attack is refused with its status and the field at fault,
// well under a second, with nothing changed in the store or in Temporal.

// inputAttack is one request an attacker sends and how it must be refused.
type inputAttack struct {
	name        string
	token       string // "" = the dev admin's; noToken = none
	method      string
	path        string
	contentType string // "" = application/json
	header      map[string]string
	body        string
	status      int
	field       string // an errors[] entry names it; "" = no errors[] expected
	detail      string // the detail contains it
}

const noToken = "none"

// refuseInputs sends each attack and checks it is refused with nothing changed;
// watch lists the workflows whose histories must not grow.
func (s *securityEnv) refuseInputs(attacks []inputAttack, watch ...string) {
	for _, a := range attacks {
		s.t.Run(a.name, func(t *testing.T) {
			e := *s
			e.t, e.api.t = t, t
			before := e.snapshot(watch...)
			start := time.Now()
			code, raw := e.send(a)
			took := time.Since(start)
			require.Equal(t, a.status, code, raw)
			assert.Less(t, took, time.Second, "refused well under a second")
			var p problemBody
			require.NoError(t, json.Unmarshal([]byte(raw), &p), "a problem document: %s", raw)
			require.Equal(t, a.status, p.Status)
			if a.detail != "" {
				assert.Contains(t, p.Detail, a.detail)
			}
			if a.field != "" {
				var fields []string
				for _, f := range p.Errors {
					fields = append(fields, f.Field)
				}
				assert.Contains(t, fields, a.field, raw)
			}
			e.unchanged(before, a.name)
		})
	}
}

// send sends one attack exactly as written: raw bytes, raw query.
func (s *securityEnv) send(a inputAttack) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest(a.method, s.d.APIURL+a.path, strings.NewReader(a.body))
	require.NoError(s.t, err)
	if a.contentType == "" {
		a.contentType = "application/json"
	}
	req.Header.Set("Content-Type", a.contentType)
	switch a.token {
	case "":
		req.Header.Set("Authorization", "Bearer "+s.d.AdminToken)
	case noToken: // a signed link is its own credential
	default:
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	for k, v := range a.header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Transport: baseTransport}).Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, string(raw)
}

// mintLink asks for a signed approve link as dana, for dana (links are only
// minted for the caller); minting records one audit event, before any snapshot.
func (s *securityEnv) mintLink(approvalID string) string {
	s.t.Helper()
	var links struct {
		ApproveURL string `json:"approve_url"`
	}
	dana := s.token("dana@acme", "approver", []string{"acme"}, nil)
	resp := s.api.do("POST", "/v1/approvals/"+url.PathEscape(approvalID)+"/links", map[string]any{}, bearer(dana), &links)
	require.Equal(s.t, http.StatusCreated, resp.StatusCode)
	u, err := url.Parse(links.ApproveURL)
	require.NoError(s.t, err)
	return u.RequestURI()
}

func TestSecurityInput(t *testing.T) {
	env := newSecurityEnv(t)
	operator := env.token("operator-acme", "operator", []string{"acme"}, nil)
	viewer := env.token("viewer-acme", "viewer", []string{"acme"}, nil)
	campaign, approval := env.pending("e2e-quick", "acme")
	link := env.mintLink(approval)
	decide := "/v1/approvals/" + approval + "/decision"
	watch := campaignWorkflow(campaign)

	t.Run("9: NUL and invalid UTF-8 are refused, naming the field", func(t *testing.T) {
		e := *env
		e.t, e.api.t = t, t
		e.refuseInputs([]inputAttack{
			{name: "replay: NUL in a launch param", token: operator, method: "POST", path: "/v1/campaigns",
				body: `{"playbook":"e2e-quick","client":"acme","params":{"brand":"Ac\u0000me"}}`, status: 422, field: "params.brand"},
			{name: "invalid UTF-8 bytes in a launch param", token: operator, method: "POST", path: "/v1/campaigns",
				body: "{\"playbook\":\"e2e-quick\",\"client\":\"acme\",\"params\":{\"brand\":\"Acme \xc3\x28\"}}", status: 422, field: "params.brand"},
			{name: "NUL in a decision comment", method: "POST", path: decide,
				body: `{"decision":"approve","comment":"looks good\u0000"}`, status: 422, field: "comment"},
			{name: "NUL in an edits key", method: "POST", path: decide,
				body: `{"decision":"approve","edits":{"po\u0000sts":["x"]}}`, status: 422, field: `edits["po\x00sts"]`},
			{name: "invalid UTF-8 in an edits value", method: "POST", path: decide,
				body: "{\"decision\":\"approve\",\"edits\":{\"posts\":[\"caf\xe9\"]}}", status: 422, field: "edits.posts[0]"},
			{name: "invalid UTF-8 bytes in a token name", method: "POST", path: "/v1/tokens",
				body: "{\"name\":\"ops\xff\xfe\",\"role\":\"viewer\"}", status: 422, field: "name"},
			{name: "NUL in a token's client id", method: "POST", path: "/v1/tokens",
				body: `{"name":"ops","role":"viewer","clients":["ac\u0000me"]}`, status: 422, field: "clients[0]"},
			{name: "NUL in a bulk decision's comment", method: "POST", path: "/v1/approvals/decisions",
				body: `{"decisions":[{"approval_id":"` + approval + `","decision":"approve","comment":"\u0000"}]}`, status: 422, field: "decisions[0].comment"},
			{name: "NUL in a pause reason", token: operator, method: "POST", path: "/v1/campaigns/" + campaign + "/pause",
				body: `{"reason":"holiday\u0000"}`, status: 422, field: "reason"},
			{name: "NUL in a link request's approver", method: "POST", path: "/v1/approvals/" + approval + "/links",
				body: `{"approver":{"id":"dana\u0000@acme"}}`, status: 422, field: "approver.id"},
			{name: "NUL in a link decision's JSON comment", token: noToken, method: "POST", path: link,
				body: `{"comment":"ok\u0000"}`, status: 422, field: "comment"},
			{name: "NUL in a link form's comment", token: noToken, method: "POST", path: link, contentType: "application/x-www-form-urlencoded",
				body: "decision=approve&comment=ok%00", status: 422, field: "comment"},
			{name: "invalid UTF-8 in an Idempotency-Key", token: operator, method: "POST", path: "/v1/campaigns",
				header: map[string]string{"Idempotency-Key": "key-\xff"},
				body:   `{"playbook":"e2e-quick","client":"acme","params":{"brand":"Acme"}}`, status: 422, field: "Idempotency-Key"},
			{name: "%00 in a query value", token: viewer, method: "GET", path: "/v1/campaigns?client=acme%00", status: 422, field: "client"},
			{name: "%ff in a query value", token: viewer, method: "GET", path: "/v1/approvals?campaign_id=%ff", status: 422, field: "campaign_id"},
			{name: "%00 in a path parameter", token: viewer, method: "GET", path: "/v1/campaigns/" + campaign + "%00", status: 422, field: "id"},
			{name: "a NUL escape in a playbook's approval title", token: operator, method: "POST", path: "/v1/playbooks",
				contentType: "application/yaml",
				body:        "name: nul-title\nversion: 1\nsteps:\n  - id: a\n    approval: {title: \"ok\\0\", timeout: 1h, on_timeout: reject}\n",
				status:      422, field: "steps[0].approval.title"},
			{name: "raw invalid UTF-8 in a playbook", token: operator, method: "POST", path: "/v1/playbooks",
				contentType: "application/yaml", body: "name: bad-bytes\nversion: 1\ndescription: caf\xe9\nsteps:\n  - {id: a, wait: 1s}\n",
				status: 422, field: "$"},
		}, watch)
	})

	t.Run("13: queries Go misreads, overflowing durations, truncated JSON", func(t *testing.T) {
		e := *env
		e.t, e.api.t = t, t
		e.refuseInputs([]inputAttack{
			{name: "replay: a semicolon after the client", token: viewer, method: "GET", path: "/v1/campaigns?client=x;",
				status: 400, detail: `query parameter "client" contains ';'`},
			{name: "a semicolon as a separator", token: viewer, method: "GET", path: "/v1/approvals?status=pending;client=globex",
				status: 400, detail: `"status" contains ';'`},
			{name: "a semicolon in a report filter", token: viewer, method: "GET", path: "/v1/reports/approvals?since=30d&client=acme;",
				status: 400, detail: `"client" contains ';'`},
			{name: "a bad escape Go would drop", token: viewer, method: "GET", path: "/v1/campaigns?client=%zz",
				status: 400, detail: `"client" has a value that is not properly`},
			{name: "replay: since=10000000d", token: viewer, method: "GET", path: "/v1/reports/approvals?since=10000000d", status: 422, field: "since"},
			{name: "until in hours past int64", token: viewer, method: "GET", path: "/v1/reports/approvals?until=9999999999h", status: 422, field: "until"},
			{name: "since past ten years", token: viewer, method: "GET", path: "/v1/reports/approvals?since=3651d", status: 422, field: "since"},
			{name: "due_before in weeks past int64", token: viewer, method: "GET", path: "/v1/approvals?due_before=2000000w", status: 422, field: "due_before"},
			{name: "a link ttl past int64", method: "POST", path: "/v1/approvals/" + approval + "/links",
				body: `{"approver":{"id":"dana@acme"},"ttl":"10000000d"}`, status: 422, field: "ttl"},
			{name: "replay: a truncated launch body", token: operator, method: "POST", path: "/v1/campaigns",
				body: "{\n  \"playbook\": \"e2e-quick\",\n  \"client\": \"ac", status: 400, detail: "line 3, column 16"},
			{name: "a truncated decision body", method: "POST", path: decide,
				body: `{"decision":"approve","edits":{"posts":[`, status: 400, detail: "line 1, column 41"},
		}, watch)
	})

	t.Run("5: deep or huge JSON is refused before decoding", func(t *testing.T) {
		e := *env
		e.t, e.api.t = t, t
		brackets := strings.Repeat("[", 50_000)
		e.refuseInputs([]inputAttack{
			{name: "replay: 50,000 nested [ in params", token: operator, method: "POST", path: "/v1/campaigns",
				body: `{"playbook":"e2e-quick","client":"acme","params":{"brand":` + brackets + `}}`, status: 413, detail: "deeper than 32"},
			{name: "50,000 nested objects in edits", method: "POST", path: decide,
				body: `{"decision":"approve","edits":` + strings.Repeat(`{"a":`, 50_000) + `}`, status: 413, detail: "deeper than 32"},
			{name: "nesting in a pause body", token: operator, method: "POST", path: "/v1/campaigns/" + campaign + "/pause",
				body: `{"reason":` + brackets + `}`, status: 413, detail: "deeper than 32"},
			{name: "nesting in a token's clients", method: "POST", path: "/v1/tokens",
				body: `{"name":"x","role":"viewer","clients":` + brackets + `}`, status: 413, detail: "deeper than 32"},
			{name: "nesting in a link decision", token: noToken, method: "POST", path: link,
				body: `{"edits":{"a":` + brackets + `}}`, status: 413, detail: "deeper than 32"},
			{name: "a bulk request of 300,000 values", method: "POST", path: "/v1/approvals/decisions",
				body: `{"decisions":[` + strings.Repeat(`{},`, 300_000) + `{}]}`, status: 413, detail: "more than 10000 values"},
			{name: "params of 5,000 values", token: operator, method: "POST", path: "/v1/campaigns",
				body: `{"playbook":"e2e-quick","client":"acme","params":{"brand":"Acme","x":[` + strings.Repeat(`0,`, 5_000) + `0]}}`, status: 422, field: "params"},
			{name: "edits of 100 KB of text", method: "POST", path: decide,
				body: `{"decision":"approve","edits":{"posts":["` + strings.Repeat("x", 100_000) + `"]}}`, status: 422, field: "edits"},
		}, watch)
	})
}

// TestWorkflowTextReachesTheInboxOnPostgres: a workflow can still produce text
// PostgreSQL cannot hold (here an expression yielding NUL, and a title longer
// than its column), whatever the API refuses. On the dev stack over
// PostgreSQL the approval must still reach the inbox; before, its projection
// failed on every retry while its silence policy ran.
func TestWorkflowTextReachesTheInboxOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d := startDevOnPostgres(t)
	gl := apiClient{t: t, base: d.APIURL}
	playbook := `name: nul-title
version: 1
params:
  - {name: brand, type: string, required: true}
steps:
  - id: approve
    approval:
      title: 'Publish for ${params.brand + "\x00"} ${repeat("é", 400)}'
      preview: {brand: '${params.brand + "\u0000"}'}
      timeout: 1h
      on_timeout: reject
`
	resp := gl.do("POST", "/v1/playbooks", playbook, nil, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var c api.CampaignView
	resp = gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "nul-title", "client": "acme", "params": map[string]any{"brand": "Acme"}}, nil, &c)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	gl.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })

	var inbox struct {
		Items []api.ApprovalView `json:"items"`
	}
	resp = gl.do("GET", "/v1/approvals?status=pending&campaign_id="+c.ID, nil, nil, &inbox)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, inbox.Items, 1, "the approval is in the inbox")
	title := inbox.Items[0].Title
	assert.True(t, strings.HasPrefix(title, "Publish for Acme\uFFFD é"), title)
	assert.Equal(t, 300, len([]rune(title)), "cut to its column")
	assert.NotContains(t, title, "\x00")

	// A signal sent past the API, as the Temporal Web UI can, names a voter
	// longer than its column and a comment with NUL: the decision is stored.
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: "default"})
	require.NoError(t, err)
	defer tc.Close()
	voter := strings.Repeat("v", 300)
	require.NoError(t, tc.SignalWorkflow(context.Background(), api.CampaignWorkflowID(c.ID), "", workflows.SignalApproval,
		workflows.ApprovalSignal{ApprovalID: inbox.Items[0].ID, Decision: api.DecisionApprove, By: voter, Comment: "ok\x00"}))
	deadline := time.Now().Add(60 * time.Second)
	for {
		var a api.ApprovalView
		resp = gl.do("GET", "/v1/approvals/"+url.PathEscape(inbox.Items[0].ID), nil, nil, &a)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		if a.Status == api.ApprovalApproved {
			assert.Equal(t, 200, len([]rune(a.DecidedBy)), a.DecidedBy)
			assert.True(t, strings.HasPrefix(a.DecidedBy, "vvv"), a.DecidedBy)
			break
		}
		require.True(t, time.Now().Before(deadline), "the decision never reached the store; approval is %s", a.Status)
		time.Sleep(100 * time.Millisecond)
	}
}

// startDevOnPostgres runs the dev stack over a fresh PostgreSQL schema of its
// own, dropped afterwards; without PostgreSQL the test is skipped, except
// under CI=true.
func startDevOnPostgres(t *testing.T) *app.DevInstance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := storetest.PostgresURL()
	admin, err := store.Open(ctx, store.Config{DatabaseURL: base})
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: PostgreSQL tests are mandatory: %v", err)
		}
		t.Skipf("PostgreSQL unavailable: %v", err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "greenlight_e2e_" + hex.EncodeToString(b[:])
	require.NoError(t, admin.DB().WithContext(ctx).Exec(`CREATE SCHEMA "`+schema+`"`).Error)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, admin.DB().WithContext(ctx).Exec(`DROP SCHEMA "`+schema+`" CASCADE`).Error)
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema) // pgx sends it as a setting of every connection
	u.RawQuery = q.Encode()

	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.PlaybooksDir = filepath.Join("testdata", "playbooks")
	cfg.DatabaseURL = u.String()
	for _, addr := range []*string{&cfg.HTTPAddr, &cfg.TemporalAddr, &cfg.UIAddr} {
		a, err := devserver.FreeAddr()
		require.NoError(t, err)
		*addr = a
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := app.StartDev(ctx, cfg, logger)
	require.NoError(t, err)
	t.Cleanup(d.Stop) // runs before the schema is dropped
	useDevToken(d.APIURL, d.AdminToken)
	return d
}
