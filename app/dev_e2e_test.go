package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/cli"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/workflows"
)

// startDev runs the whole dev stack in this process on free ports.
func startDev(t *testing.T, opts ...app.Option) (*app.DevInstance, config.Config) {
	t.Helper()
	return startDevWith(t, nil, opts...)
}

// startDevWith is startDev with its configuration changed by configure
// (nil changes nothing) before it starts.
func startDevWith(t *testing.T, configure func(*config.Config), opts ...app.Option) (*app.DevInstance, config.Config) {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.PlaybooksDir = filepath.Join("testdata", "playbooks")
	for _, addr := range []*string{&cfg.HTTPAddr, &cfg.TemporalAddr, &cfg.UIAddr} {
		a, err := devserver.FreeAddr()
		require.NoError(t, err)
		*addr = a
	}
	if configure != nil {
		configure(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := app.StartDev(ctx, cfg, logger, opts...)
	require.NoError(t, err)
	t.Cleanup(d.Stop)
	useDevToken(d.APIURL, d.AdminToken)
	return d, cfg
}

type apiClient struct {
	t    *testing.T
	base string
}

// do sends a JSON request and decodes the JSON answer into out (if not nil).
func (a apiClient) do(method, path string, body any, header map[string]string, out any) *http.Response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		require.NoError(a.t, err)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	if out != nil {
		require.NoError(a.t, json.Unmarshal(raw, out), "body: %s", raw)
	}
	return resp
}

func (a apiClient) campaign(id string) api.CampaignView {
	a.t.Helper()
	var v api.CampaignView
	resp := a.do("GET", "/v1/campaigns/"+id, nil, nil, &v)
	require.Equal(a.t, http.StatusOK, resp.StatusCode)
	return v
}

// waitFor polls the campaign until cond holds, failing with the last view seen.
func (a apiClient) waitFor(id string, what string, cond func(api.CampaignView) bool) api.CampaignView {
	a.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		v := a.campaign(id)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("campaign %s never reached %s; last: status=%s step=%s error=%s", id, what, v.Status, v.CurrentStep, v.Error)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func TestDevEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	gl := apiClient{t: t, base: d.APIURL}

	var ready map[string]any
	require.Equal(t, http.StatusOK, gl.do("GET", "/readyz", nil, nil, &ready).StatusCode, "%v", ready)

	// Launch over HTTP, idempotently.
	launch := map[string]any{"playbook": "reputation-repair", "client": "acme", "params": map[string]any{"brand": "Acme Bakery"}}
	var created api.CampaignView
	resp := gl.do("POST", "/v1/campaigns", launch, map[string]string{"Idempotency-Key": "launch-1"}, &created)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.NotEmpty(t, created.ID)
	require.Equal(t, api.CampaignWorkflowID(created.ID), created.WorkflowID)
	require.Equal(t, 3, created.PlaybookVersion, "the latest version by default")
	require.Equal(t, d.UIURL+"/namespaces/default/workflows/"+created.WorkflowID, created.UIURL)

	var again api.CampaignView
	gl.do("POST", "/v1/campaigns", launch, map[string]string{"Idempotency-Key": "launch-1"}, &again)
	require.Equal(t, created.ID, again.ID, "the same key names the same campaign")
	var reused problemBody
	launch["client"] = "other"
	resp = gl.do("POST", "/v1/campaigns", launch, map[string]string{"Idempotency-Key": "launch-1"}, &reused)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))

	// It reaches its first approval, which shows in the inbox.
	v := gl.waitFor(created.ID, "waiting_approval", func(v api.CampaignView) bool {
		return v.Status == api.StatusWaitingApproval
	})
	require.Equal(t, "approve_plan", v.CurrentStep)
	require.Equal(t, api.StepCompleted, v.Steps[0].Status)
	require.Contains(t, string(v.Steps[0].Output), `"simulated":true`)
	planID := api.ApprovalID(created.ID, "approve_plan")
	var inbox struct{ Items []api.ApprovalView }
	gl.do("GET", "/v1/approvals?status=pending&client=acme", nil, nil, &inbox)
	require.Len(t, inbox.Items, 1)
	require.Equal(t, planID, inbox.Items[0].ID)
	require.Equal(t, "approve", inbox.Items[0].OnTimeout)

	// `greenlight approve ID` moves it on.
	var out, errOut bytes.Buffer
	dana := personToken(t, d.APIURL, "dana@acme")
	t.Setenv("GREENLIGHT_TOKEN", dana) // the CLI decides as the token's holder
	code := cli.Execute(context.Background(), []string{"--api", d.APIURL, "approve", planID, "--comment", "go"}, &out, &errOut, cli.Local{})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	v = gl.waitFor(created.ID, "the first batch approval", func(v api.CampaignView) bool {
		return v.CurrentStep == "weekly.1.approve_batch" && v.Status == api.StatusWaitingApproval
	})
	require.Equal(t, api.ApprovalApproved, v.Approvals[0].Status)
	require.Equal(t, "dana@acme", v.Approvals[0].DecidedBy)
	require.Equal(t, api.ChannelCLI, v.Approvals[0].Channel)

	// A second decision on it is a clean 409; an unknown approval is a 404.
	var p problemBody
	resp = gl.do("POST", "/v1/approvals/"+planID+"/decision", map[string]any{"decision": "reject"}, nil, &p)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, p.Detail, "already approved by dana@acme")
	resp = gl.do("POST", "/v1/approvals/nope/decision", map[string]any{"decision": "approve"}, nil, &p)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Deciding over HTTP answers with the updated approval.
	var decided api.ApprovalView
	resp = gl.do("POST", "/v1/approvals/"+api.ApprovalID(created.ID, "weekly.1.approve_batch")+"/decision",
		map[string]any{"decision": "approve"}, bearer(dana), &decided)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, api.ApprovalApproved, decided.Status)
	gl.waitFor(created.ID, "the first measurement", func(v api.CampaignView) bool {
		return v.CurrentStep == "weekly.1.measure" && v.Status == api.StatusRunning
	})

	// The Web UI answers and lists the campaign's workflow.
	uiResp, err := http.Get(d.UIURL + "/api/v1/namespaces/default/workflows")
	require.NoError(t, err)
	body, _ := io.ReadAll(uiResp.Body)
	uiResp.Body.Close()
	require.Equal(t, http.StatusOK, uiResp.StatusCode)
	require.Contains(t, string(body), created.WorkflowID)

	// Cancel: the store records it and the approval inbox is empty.
	resp = gl.do("POST", "/v1/campaigns/"+created.ID+"/cancel", nil, nil, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	gl.waitFor(created.ID, "canceled", func(v api.CampaignView) bool { return v.Status == api.StatusCanceled })
	resp = gl.do("POST", "/v1/campaigns/"+created.ID+"/cancel", nil, nil, &p)
	require.Equal(t, http.StatusConflict, resp.StatusCode)

	// A raw Temporal signal, as a script would send it, decides a campaign that then
	// runs to completion.
	var quick api.CampaignView
	resp = gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}}, nil, &quick)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	gl.waitFor(quick.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	require.NoError(t, tc.SignalWorkflow(context.Background(), quick.WorkflowID, "", workflows.SignalApproval,
		workflows.ApprovalSignal{ApprovalID: api.ApprovalID(quick.ID, "approve"), Decision: "approve", By: "script"}))
	done := gl.waitFor(quick.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
	require.Len(t, done.Steps, 4)
	for _, s := range done.Steps {
		require.Equal(t, api.StepCompleted, s.Status, s.ID)
	}
	require.Equal(t, api.ChannelSignal, done.Approvals[0].Channel)
	var q api.CampaignView
	val, err := tc.QueryWorkflow(context.Background(), quick.WorkflowID, "", workflows.QueryStatus)
	require.NoError(t, err)
	require.NoError(t, val.Get(&q))
	require.Equal(t, api.StatusCompleted, q.Status, "the status query agrees with the store")

	var list struct {
		Items         []api.CampaignView `json:"items"`
		NextPageToken string             `json:"next_page_token"`
	}
	gl.do("GET", "/v1/campaigns?client=acme&limit=1", nil, nil, &list)
	require.Len(t, list.Items, 1)
	require.NotEmpty(t, list.NextPageToken)

	saveHistories(t, tc, map[string]string{"e2e-quick-completed": quick.WorkflowID})
}

func TestLaunchValidation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	gl := apiClient{t: t, base: d.APIURL}
	cases := []struct {
		name   string
		body   any
		status int
		fields []string
		detail string
	}{
		{"missing params", map[string]any{"playbook": "reputation-repair", "client": "acme"}, 422, []string{"params.brand"}, ""},
		{"wrong types", map[string]any{"playbook": "reputation-repair", "client": "acme", "params": map[string]any{"brand": 7, "posts_per_batch": "many", "colour": "red"}}, 422,
			[]string{"params.brand", "params.posts_per_batch", "params.colour"}, ""},
		{"unknown playbook", map[string]any{"playbook": "nope", "client": "acme"}, 422, []string{"playbook"}, ""},
		{"bad client", map[string]any{"playbook": "reputation-repair", "client": "Acme Inc!"}, 422, []string{"client"}, ""},
		{"malformed JSON", "{\n  \"playbook\": \"x\",,\n}", 400, nil, "line 2"},
		{"unknown field", map[string]any{"playbook": "reputation-repair", "client": "acme", "colour": "red"}, 400, nil, "unknown field"},
		{"trailing data", `{"playbook":"x","client":"acme"} {}`, 400, nil, "after the JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p problemBody
			resp := gl.do("POST", "/v1/campaigns", tc.body, nil, &p)
			require.Equal(t, tc.status, resp.StatusCode, "%+v", p)
			require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			var fields []string
			for _, e := range p.Errors {
				fields = append(fields, e.Field)
			}
			require.ElementsMatch(t, tc.fields, fields, "%+v", p)
			require.Contains(t, p.Detail, tc.detail)
		})
	}
	var list struct{ Items []api.CampaignView }
	gl.do("GET", "/v1/campaigns", nil, nil, &list)
	require.Empty(t, list.Items, "refused launches leave nothing behind")
}

// TestLaunchPinsThePlaybookVersion: registering version 2 while a version-1
// campaign runs changes nothing for that campaign; new launches get version 2.
func TestLaunchPinsThePlaybookVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	gl := apiClient{t: t, base: d.APIURL}
	params := map[string]any{"brand": "Acme"}
	var running api.CampaignView
	resp := gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme", "params": params}, nil, &running)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, 1, running.PlaybookVersion)
	gl.waitFor(running.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })

	// Version 2 drops the approval and adds a step.
	v2 := `name: e2e-quick
version: 2
params:
  - {name: brand, type: string, required: true}
steps:
  - id: publish
    action: publish_posts
    with: {brand: "${params.brand}", count: 2}
  - id: notify
    action: notify
    with: {message: "v2 ran"}
`
	req, err := http.NewRequest("POST", d.APIURL+"/v1/playbooks", strings.NewReader(v2))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/yaml")
	r2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	r2.Body.Close()
	require.Equal(t, http.StatusCreated, r2.StatusCode)

	var decided api.ApprovalView
	resp = gl.do("POST", "/v1/approvals/"+api.ApprovalID(running.ID, "approve")+"/decision", map[string]any{"decision": "approve"}, nil, &decided)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	done := gl.waitFor(running.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
	require.Equal(t, 1, done.PlaybookVersion)
	var ids []string
	for _, s := range done.Steps {
		ids = append(ids, s.ID)
	}
	require.Equal(t, []string{"approve", "publish", "settle", "measure"}, ids, "the running campaign kept version 1's steps")

	var fresh api.CampaignView
	gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme", "params": params}, nil, &fresh)
	require.Equal(t, 2, fresh.PlaybookVersion)
	done = gl.waitFor(fresh.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
	require.Len(t, done.Steps, 2)
	var pinned api.CampaignView
	gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "version": 1, "client": "acme", "params": params}, nil, &pinned)
	require.Equal(t, 1, pinned.PlaybookVersion, "an explicit version is honoured")
}

// TestPauseAndResumeOverHTTP: a paused campaign still takes decisions but starts
// no new step until resumed.
func TestPauseAndResumeOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	gl := apiClient{t: t, base: d.APIURL}
	var c api.CampaignView
	gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}}, nil, &c)
	gl.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })

	var paused api.CampaignView
	resp := gl.do("POST", "/v1/campaigns/"+c.ID+"/pause", map[string]any{"reason": "client review"}, nil, &paused)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, api.StatusPaused, paused.Status)
	var p problemBody
	resp = gl.do("POST", "/v1/campaigns/"+c.ID+"/pause", nil, nil, &p)
	require.Equal(t, http.StatusConflict, resp.StatusCode, "%+v", p)

	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), []string{"--api", d.APIURL, "approve", api.ApprovalID(c.ID, "approve")}, &out, &errOut, cli.Local{})
	require.Equal(t, 0, code, errOut.String())
	time.Sleep(time.Second)
	v := gl.campaign(c.ID)
	require.Equal(t, api.StatusPaused, v.Status)
	require.Len(t, v.Steps, 1, "no step starts while paused")

	code = cli.Execute(context.Background(), []string{"--api", d.APIURL, "campaigns", "resume", c.ID}, &out, &errOut, cli.Local{})
	require.Equal(t, 0, code, errOut.String())
	done := gl.waitFor(c.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
	require.Len(t, done.Steps, 4)
}

// TestCampaignsAreSearchableInTheWebUI: dev mode registers Greenlight's search
// attributes, campaigns start with client and playbook set, and the status
// attribute follows the campaign — so the Web UI's list filters find them.
func TestCampaignsAreSearchableInTheWebUI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	gl := apiClient{t: t, base: d.APIURL}
	var c api.CampaignView
	gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "globex", "params": map[string]any{"brand": "Globex"}}, nil, &c)
	gl.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	// Visibility is eventually consistent: wait for a match, up to a deadline.
	find := func(query string, wait time.Duration) []string {
		t.Helper()
		var ids []string
		deadline := time.Now().Add(wait)
		for {
			resp, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: cfg.Namespace, Query: query})
			require.NoError(t, err, query)
			ids = ids[:0]
			for _, e := range resp.Executions {
				ids = append(ids, e.Execution.WorkflowId)
			}
			if len(ids) > 0 || time.Now().After(deadline) {
				return ids
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	require.Equal(t, []string{c.WorkflowID}, find(`GreenlightClient = 'globex'`, 30*time.Second))
	require.Equal(t, []string{c.WorkflowID}, find(`GreenlightPlaybook = 'e2e-quick' AND GreenlightStatus = 'waiting_approval'`, 30*time.Second))
	require.Empty(t, find(`GreenlightClient = 'nobody'`, 0), "the filter really filters")
	saveHistories(t, tc, map[string]string{"e2e-quick-search-attributes-waiting": c.WorkflowID})
}

// TestConcurrentLaunchesWithOneKey: 20 launches at once with one Idempotency-Key
// make one campaign, one row and one workflow, and every answer names it.
func TestConcurrentLaunchesWithOneKey(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	body, err := json.Marshal(map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}})
	require.NoError(t, err)
	const n = 20
	ids := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", d.APIURL+"/v1/campaigns", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "burst-1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			var v api.CampaignView
			_ = json.NewDecoder(resp.Body).Decode(&v)
			ids[i], codes[i] = v.ID, resp.StatusCode
		}()
	}
	wg.Wait()
	for i := range n {
		require.Equal(t, http.StatusCreated, codes[i], "launch %d", i)
		require.Equal(t, ids[0], ids[i], "launch %d names another campaign", i)
	}
	var list struct{ Items []api.CampaignView }
	apiClient{t: t, base: d.APIURL}.do("GET", "/v1/campaigns", nil, nil, &list)
	require.Len(t, list.Items, 1, "one database row")
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	// Visibility lags: wait for the run to show, then count.
	runs := 0
	for deadline := time.Now().Add(15 * time.Second); runs == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: cfg.Namespace})
		require.NoError(t, err)
		runs = 0
		for _, e := range resp.Executions {
			if e.Execution.WorkflowId == api.CampaignWorkflowID(ids[0]) {
				runs++
			}
		}
	}
	require.Equal(t, 1, runs, "one workflow run")
}
