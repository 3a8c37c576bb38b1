package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/cli"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/links"
)

// TestApprovalsEndToEnd drives decisions through the real stack: bursts on one
// approval, quorum votes arriving together, signed links, bulk decisions and the
// inbox filter. The subtests share one dev instance and use a client each.
func TestApprovalsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	e := approvalsE2E{t: t, d: d, cfg: cfg, gl: apiClient{t: t, base: d.APIURL}}

	t.Run("burst of 50 on one approval: one 200, 49 clean 409s", e.burst)
	t.Run("quorum votes arriving together", e.quorum)
	t.Run("signed links", e.links)
	t.Run("bulk decisions", e.bulk)
	t.Run("inbox due_before", e.dueBefore)
}

type approvalsE2E struct {
	t   *testing.T
	d   *app.DevInstance
	cfg config.Config
	gl  apiClient
}

// pending launches playbook for client and returns its approval's id once it waits.
func (e approvalsE2E) pending(t *testing.T, playbook, client string) (campaignID, approvalID string) {
	t.Helper()
	gl := apiClient{t: t, base: e.d.APIURL}
	var c api.CampaignView
	resp := gl.do("POST", "/v1/campaigns", map[string]any{"playbook": playbook, "client": client, "params": map[string]any{"brand": "Acme"}}, nil, &c)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	gl.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	return c.ID, api.ApprovalID(c.ID, "approve")
}

// audit counts a campaign's audit events of one kind.
func (e approvalsE2E) audit(t *testing.T, campaignID, kind string) int {
	t.Helper()
	events, err := e.d.Store.AuditEvents(context.Background(), campaignID)
	require.NoError(t, err)
	n := 0
	for _, ev := range events {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

func (e approvalsE2E) approval(t *testing.T, id string) api.ApprovalView {
	t.Helper()
	var v api.ApprovalView
	resp := apiClient{t: t, base: e.d.APIURL}.do("GET", "/v1/approvals/"+url.PathEscape(id), nil, nil, &v)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return v
}

// post sends a JSON body without test assertions, so goroutines may call it.
// post sends body as the holder of token ("" = the dev admin).
func post(base, path, token string, body any) (int, string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}

// call is one request of a burst: a body sent with a person's token.
type call struct {
	token string
	body  map[string]any
}

// concurrently sends all calls to path at the same moment and counts the answers.
func concurrently(t *testing.T, base, path string, calls []call) map[int]int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	counts := map[int]int{}
	var errs []error
	for _, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			status, raw, err := post(base, path, c.token, c.body)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			counts[status]++
			if status != http.StatusOK && status != http.StatusConflict {
				errs = append(errs, fmt.Errorf("status %d: %s", status, raw))
			}
		}()
	}
	close(start)
	wg.Wait()
	require.Empty(t, errs, "every answer is a 200 or a clean 409")
	return counts
}

func (e approvalsE2E) burst(t *testing.T) {
	campaignID, id := e.pending(t, "e2e-approve", "burst")
	calls := make([]call, 50)
	dana := personToken(t, e.d.APIURL, "dana@acme")
	for i := range calls {
		// Allowed deciders all: dana by id, the others through the agency-lead role.
		calls[i] = call{dana, map[string]any{"decision": "approve", "comment": fmt.Sprint("try ", i)}}
		if i%2 == 1 {
			calls[i] = call{personToken(t, e.d.APIURL, fmt.Sprint("lead-", i), "agency-lead"), map[string]any{"decision": "reject"}}
		}
	}
	start := time.Now()
	counts := concurrently(t, e.d.APIURL, "/v1/approvals/"+id+"/decision", calls)
	assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: 49}, counts)
	// Decisions take turns per approval; without that, the burst overflows
	// Temporal's 10 in-flight Updates and callers sit in the SDK's retries.
	assert.Less(t, time.Since(start), 15*time.Second, "the burst is answered promptly")
	v := e.approval(t, id)
	assert.NotEqual(t, api.ApprovalPending, v.Status)
	assert.Len(t, v.Votes, 1, "one vote took effect")
	assert.Equal(t, 1, e.audit(t, campaignID, "approval.decided"), "the audit log has one decision")
}

func (e approvalsE2E) quorum(t *testing.T) {
	campaignID, id := e.pending(t, "e2e-quorum", "quorum")
	var calls []call
	dana, sam := personToken(t, e.d.APIURL, "dana@acme"), personToken(t, e.d.APIURL, "sam@acme")
	for i := range 10 {
		calls = append(calls,
			call{dana, map[string]any{"decision": "approve", "comment": fmt.Sprint("dana ", i)}},
			call{sam, map[string]any{"decision": "approve", "comment": fmt.Sprint("sam ", i)}})
	}
	counts := concurrently(t, e.d.APIURL, "/v1/approvals/"+id+"/decision", calls)
	assert.Equal(t, map[int]int{http.StatusOK: 2, http.StatusConflict: 18}, counts, "each approver's first vote counts, once")
	v := e.approval(t, id)
	assert.Equal(t, api.ApprovalApproved, v.Status)
	require.Len(t, v.Votes, 2)
	assert.ElementsMatch(t, []string{"dana@acme", "sam@acme"}, []string{v.Votes[0].By, v.Votes[1].By})
	assert.Equal(t, 1, e.audit(t, campaignID, "approval.decided"))
}

// problemAt posts to a link (a full URL) and returns the status and problem.
func problemAt(t *testing.T, link, contentType, body string) (int, problemBody) {
	t.Helper()
	resp, err := http.Post(link, contentType, strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var p problemBody
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), "%s", raw)
	}
	_ = json.Unmarshal(raw, &p)
	return resp.StatusCode, p
}

func withToken(t *testing.T, link, token string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}

func (e approvalsE2E) links(t *testing.T) {
	campaignID, id := e.pending(t, "e2e-approve", "links")
	gl := apiClient{t: t, base: e.d.APIURL}
	type linkPair struct {
		ApproveURL string    `json:"approve_url"`
		RejectURL  string    `json:"reject_url"`
		ExpiresAt  time.Time `json:"expires_at"`
	}
	// Each person mints their own links, with their own token.
	var dana linkPair
	danaToken := personToken(t, e.d.APIURL, "dana@acme", "client-marketing-lead")
	resp := gl.do("POST", "/v1/approvals/"+id+"/links", map[string]any{"approver": map[string]any{"id": "dana@acme", "role": "client-marketing-lead"}, "ttl": "72h"}, bearer(danaToken), &dana)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.True(t, strings.HasPrefix(dana.ApproveURL, e.d.APIURL+"/v1/approvals/"+id+"/decision?"), dana.ApproveURL)

	var p problemBody
	resp = gl.do("POST", "/v1/approvals/"+id+"/links", map[string]any{"approver": map[string]any{"id": "eve@acme"}}, nil, &p)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no link is minted for anyone but the caller")
	resp = gl.do("POST", "/v1/approvals/"+id+"/links", map[string]any{}, bearer(personToken(t, e.d.APIURL, "eve@acme")), &p)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no link is minted for someone who may not decide")

	var short linkPair
	resp = gl.do("POST", "/v1/approvals/"+id+"/links", map[string]any{"ttl": "1s"}, bearer(personToken(t, e.d.APIURL, "lee@agency", "agency-lead")), &short)
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	secret, err := app.DevLinkSecret(e.cfg)
	require.NoError(t, err)
	token := func(link string) string {
		u, err := url.Parse(link)
		require.NoError(t, err)
		return u.Query().Get("token")
	}
	good := token(dana.ApproveURL)
	body, mac, _ := strings.Cut(good, ".")
	// flip changes one character in the middle, keeping it base64url.
	flip := func(s string) string {
		b := []byte(s)
		if b[len(b)/2] == 'Q' {
			b[len(b)/2] = 'R'
		} else {
			b[len(b)/2] = 'Q'
		}
		return string(b)
	}
	wrong, err := links.SignLink(secret, links.LinkClaims{
		ApprovalID: id, Approver: api.Approver{ID: "eve@acme", Role: "intern"}, Decision: "approve",
		ExpiresAt: time.Now().Add(time.Hour).Unix(), ID: links.NewLinkID(),
	})
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond) // let the 1s link expire

	refusals := []struct {
		name, link string
		status     int
		detail     string
	}{
		{"tampered payload", withToken(t, dana.ApproveURL, flip(body)+"."+mac), 401, "link signature does not match"},
		{"tampered mac", withToken(t, dana.ApproveURL, body+"."+flip(mac)), 401, "link signature does not match"},
		{"expired", short.ApproveURL, 410, "link expired"},
		{"wrong approver", withToken(t, dana.ApproveURL, wrong), 403, "this link is for eve@acme (intern), who may not decide this approval"},
	}
	for _, r := range refusals {
		status, p := problemAt(t, r.link, "", "")
		assert.Equal(t, r.status, status, "%s: %+v", r.name, p)
		assert.Contains(t, p.Detail, r.detail, r.name)
		assert.Equal(t, api.ApprovalPending, e.approval(t, id).Status, "%s changed nothing", r.name)
	}
	assert.Zero(t, e.audit(t, campaignID, "approval.decided"))
	assert.Zero(t, e.audit(t, campaignID, "approval.voted"))

	// Opening the link shows a page and decides nothing.
	page, err := http.Get(dana.ApproveURL)
	require.NoError(t, err)
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, string(html), "Publish one post for Acme?")
	assert.Contains(t, string(html), `<form method="post">`)
	assert.Equal(t, api.ApprovalPending, e.approval(t, id).Status)

	// The valid link decides, once, as dana, through the link channel.
	resp, err = http.Post(dana.ApproveURL, "", nil)
	require.NoError(t, err)
	var decided api.ApprovalView
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&decided))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, api.ApprovalApproved, decided.Status)
	assert.Equal(t, "dana@acme", decided.DecidedBy)
	assert.Equal(t, api.ChannelLink, decided.Channel)
	require.Len(t, decided.Votes, 1)
	assert.Equal(t, "client-marketing-lead", decided.Votes[0].Role)

	status, p := problemAt(t, dana.ApproveURL, "", "")
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "link already used: each link decides once", p.Detail)
	status, _ = problemAt(t, dana.RejectURL, "", "")
	assert.Equal(t, http.StatusConflict, status, "the other link of a decided approval decides nothing")
	assert.Equal(t, 1, e.audit(t, campaignID, "approval.decided"))
}

func (e approvalsE2E) bulk(t *testing.T) {
	_, first := e.pending(t, "e2e-approve", "bulk")
	_, second := e.pending(t, "e2e-approve", "bulk")
	gl := apiClient{t: t, base: e.d.APIURL}
	var out struct {
		Results []struct {
			ApprovalID string            `json:"approval_id"`
			Status     int               `json:"status"`
			Approval   *api.ApprovalView `json:"approval"`
			Error      *problemBody      `json:"error"`
		} `json:"results"`
	}
	dana := personToken(t, e.d.APIURL, "dana@acme")
	resp := gl.do("POST", "/v1/approvals/decisions", map[string]any{
		"decisions": []map[string]any{
			{"approval_id": first, "decision": "approve", "comment": "ok"},
			{"approval_id": "nope", "decision": "approve"},
			{"approval_id": second, "decision": "reject", "comment": "not this one"},
		},
	}, bearer(dana), &out)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, out.Results, 3)
	assert.Equal(t, http.StatusOK, out.Results[0].Status)
	assert.Equal(t, api.ApprovalApproved, out.Results[0].Approval.Status)
	assert.Equal(t, "nope", out.Results[1].ApprovalID)
	assert.Equal(t, http.StatusNotFound, out.Results[1].Status)
	assert.Contains(t, out.Results[1].Error.Detail, "no approval nope")
	assert.Equal(t, http.StatusOK, out.Results[2].Status)
	assert.Equal(t, api.ApprovalRejected, out.Results[2].Approval.Status)

	// `greenlight approve --all --client` decides what is pending and shows each outcome.
	_, third := e.pending(t, "e2e-approve", "bulkcli")
	_, fourth := e.pending(t, "e2e-approve", "bulkcli")
	var stdout, stderr bytes.Buffer
	t.Setenv("GREENLIGHT_TOKEN", dana)
	code := cli.Execute(context.Background(), []string{"--api", e.d.APIURL, "approve", "--all", "--client", "bulkcli", "--comment", "all good"}, &stdout, &stderr, cli.Local{})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	for _, want := range []string{third, fourth, "approved", "dana@acme via cli"} {
		assert.Contains(t, stdout.String(), want)
	}
	stdout.Reset()
	code = cli.Execute(context.Background(), []string{"--api", e.d.APIURL, "reject", "--all", "--client", "bulkcli"}, &stdout, &stderr, cli.Local{})
	require.Equal(t, 0, code, stderr.String())
	assert.Equal(t, "No pending approvals for client bulkcli.\n", stdout.String())
}

func (e approvalsE2E) dueBefore(t *testing.T) {
	_, id := e.pending(t, "e2e-approve", "due")
	gl := apiClient{t: t, base: e.d.APIURL}
	ids := func(q string) []string {
		var inbox struct{ Items []api.ApprovalView }
		resp := gl.do("GET", "/v1/approvals?client=due&status=pending&"+q, nil, nil, &inbox)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		out := []string{}
		for _, a := range inbox.Items {
			out = append(out, a.ID)
		}
		return out
	}
	assert.Empty(t, ids("due_before=30m"), "due in an hour")
	assert.Equal(t, []string{id}, ids("due_before=2h"))
	assert.Equal(t, []string{id}, ids("due_before="+url.QueryEscape(time.Now().Add(61*time.Minute).Format(time.RFC3339))))

	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), []string{"--api", e.d.APIURL, "approvals", "list", "--client", "due", "--due", "24h"}, &stdout, &stderr, cli.Local{})
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), id)
}

// TestDevLinkSecret: dev mode makes a link secret once and keeps it, so links
// survive restarts; a configured secret wins.
func TestDevLinkSecret(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	first, err := app.DevLinkSecret(cfg)
	require.NoError(t, err)
	require.Len(t, first, 64, "32 random bytes, hex")
	again, err := app.DevLinkSecret(cfg)
	require.NoError(t, err)
	require.Equal(t, first, again)
	info, err := os.Stat(filepath.Join(cfg.DataDir, "link-secret"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	cfg.LinkSecret = strings.Repeat("k", 40)
	configured, err := app.DevLinkSecret(cfg)
	require.NoError(t, err)
	require.Equal(t, []byte(cfg.LinkSecret), configured)
}

func TestServerRefusesToStartWithoutLinkSecret(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	err := app.Server(context.Background(), cfg, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "GREENLIGHT_LINK_SECRET")
}

// A server or worker without DATABASE_URL does not open dev's SQLite: it
// would be a store no other process shares.
func TestServerAndWorkerNeedPostgreSQL(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.LinkSecret = strings.Repeat("k", 40)
	for name, run := range map[string]func(context.Context, config.Config, *slog.Logger) error{"server": app.Server, "worker": app.Worker} {
		err := run(context.Background(), cfg, slog.Default())
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "set DATABASE_URL", name)
		entries, _ := os.ReadDir(cfg.DataDir)
		assert.Empty(t, entries, "%s created nothing in the data folder", name)
	}
}

// Outside dev, payloads are encrypted unless an operator says otherwise: a
// server or worker without keys refuses to start, naming what to set, and
// a bad key is named without being quoted.
func TestServerAndWorkerNeedPayloadKeys(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.LinkSecret = strings.Repeat("k", 40)
	cfg.DatabaseURL = "postgres://nobody@127.0.0.1:1/none"
	for name, run := range map[string]func(context.Context, config.Config, *slog.Logger) error{"server": app.Server, "worker": app.Worker} {
		err := run(context.Background(), cfg, slog.Default())
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "payload encryption is on but no key is set: set GREENLIGHT_PAYLOAD_KEYS", name)
		assert.Contains(t, err.Error(), "GREENLIGHT_PAYLOAD_ENCRYPTION=off", name)

		bad := cfg
		bad.Payloads.Keys = "k1:c2hvcnQ=" // "short": not 32 bytes
		err = run(context.Background(), bad, slog.Default())
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), `payload keys (GREENLIGHT_PAYLOAD_KEYS): encryption: key "k1": want 32 random bytes`, name)
		assert.NotContains(t, err.Error(), "c2hvcnQ", name)
	}
}
