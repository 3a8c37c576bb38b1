package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/workflows"
)

// Lost work, issue 8 item 8: a launch writes its campaign row and then starts
// the workflow; a process that dies in between must not leave a campaign that
// shows running forever. These tests stop a launch at exactly that point in a
// real dev stack (the hook panics, so nothing after it runs, as if the process
// had died there) and check what the launch sweep and retries make of it. The
// real SIGKILL and restart are in cmd/greenlight (TestLaunchInterruptedBySIGKILL).

const sweepGrace = 2 * time.Minute

func TestSecurityInterruptedLaunches(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	var crash atomic.Bool
	d, _ := startDev(t, app.WithAfterCampaignRow(func(context.Context, string) {
		if crash.Load() {
			panic(http.ErrAbortHandler)
		}
	}))
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: "default"})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	e := launchCrashE2E{env: &securityEnv{t: t, d: d, api: apiClient{t: t, base: d.APIURL}, tc: tc}, crash: &crash}
	e.operator = e.env.token("ops-crash", "operator", nil, nil)

	t.Run("a launch cut off before its workflow is failed, not left running", e.keyless)
	t.Run("a retry with the key starts the workflow as its caller", e.keyedRetry)
	t.Run("a retry with the key after the sweep answers the failure and starts nothing", e.retryAfterSweep)
	t.Run("a campaign whose workflow exists is left alone", e.workflowExists)
}

type launchCrashE2E struct {
	env      *securityEnv
	crash    *atomic.Bool
	operator string
}

// on returns the environment bound to subtest t, so its helpers fail t.
func (e launchCrashE2E) on(t *testing.T) *securityEnv {
	env := *e.env
	env.t = t
	env.api.t = t
	return &env
}

// launch posts a launch of e2e-quick for client as token, with key if not "".
func (e launchCrashE2E) launch(t *testing.T, token, client, key string) (int, http.Header, api.CampaignView) {
	t.Helper()
	req, err := http.NewRequest("POST", e.env.d.APIURL+"/v1/campaigns",
		strings.NewReader(`{"playbook":"e2e-quick","client":"`+client+`","params":{"brand":"Acme"}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := (&http.Client{Transport: baseTransport}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v api.CampaignView
	_ = json.Unmarshal(raw, &v)
	return resp.StatusCode, resp.Header, v
}

// crashLaunch launches for client with the process "dying" after the row, and
// returns the campaign the row left behind, as the list shows it.
func (e launchCrashE2E) crashLaunch(t *testing.T, client, key string) api.CampaignView {
	t.Helper()
	e.crash.Store(true)
	code, _, _ := e.launch(t, e.operator, client, key)
	e.crash.Store(false)
	require.Equal(t, http.StatusInternalServerError, code, "the launch must stop at the hook")
	var list struct {
		Items []api.CampaignView `json:"items"`
	}
	require.Equal(t, http.StatusOK, e.on(t).api.do("GET", "/v1/campaigns?client="+client, nil, nil, &list).StatusCode)
	require.Len(t, list.Items, 1)
	c := list.Items[0]
	require.Equal(t, api.StatusRunning, c.Status, "the row a crash leaves says running")
	require.True(t, e.workflowMissing(t, c.WorkflowID), "and has no workflow")
	return c
}

func (e launchCrashE2E) workflowMissing(t *testing.T, workflowID string) bool {
	t.Helper()
	_, err := e.env.tc.DescribeWorkflowExecution(context.Background(), workflowID, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return true
	}
	require.NoError(t, err)
	return false
}

// sweep runs one launch sweep as an API replica would, its clock moved on by after.
func (e launchCrashE2E) sweep(t *testing.T, after time.Duration) int {
	t.Helper()
	s := &server.LaunchSweep{
		Store: e.env.d.Store, Temporal: e.env.tc, Grace: sweepGrace,
		Now: func() time.Time { return time.Now().Add(after) },
	}
	n, err := s.Sweep(context.Background())
	require.NoError(t, err)
	return n
}

func (e launchCrashE2E) auditKinds(t *testing.T, campaignID string) []string {
	t.Helper()
	events, err := e.env.d.Store.AuditEvents(context.Background(), campaignID)
	require.NoError(t, err)
	kinds := make([]string, 0, len(events))
	for _, ev := range events {
		kinds = append(kinds, ev.Kind)
	}
	return kinds
}

func (e launchCrashE2E) keyless(t *testing.T) {
	env := e.on(t)
	c := e.crashLaunch(t, "cut-a", "")

	require.Zero(t, e.sweep(t, 0), "within the grace a launch may still be under way elsewhere")
	require.Equal(t, api.StatusRunning, env.api.campaign(c.ID).Status)

	require.Equal(t, 1, e.sweep(t, sweepGrace+time.Second))
	v := env.api.campaign(c.ID)
	require.Equal(t, api.StatusFailed, v.Status)
	require.Equal(t, server.InterruptedLaunchError, v.Error)
	require.NotNil(t, v.FinishedAt)
	require.Equal(t, []string{server.AuditLaunchInterrupted}, e.auditKinds(t, c.ID))
	events, err := env.d.Store.AuditEvents(context.Background(), c.ID)
	require.NoError(t, err)
	require.Equal(t, api.ChannelSystem, events[0].Channel)
	require.Contains(t, events[0].Detail, `"workflow":"not_found"`)

	for _, action := range []string{"pause", "resume", "cancel"} {
		code, body := env.as(e.operator, "POST", "/v1/campaigns/"+c.ID+"/"+action, "")
		require.Equal(t, http.StatusConflict, code, "%s: %s", action, body)
		require.Contains(t, body, "campaign "+c.ID+" already failed", action)
	}

	before := env.snapshot()
	require.Zero(t, e.sweep(t, sweepGrace+time.Second), "a second sweep finds it settled")
	env.unchanged(before, "a second sweep")
}

func (e launchCrashE2E) keyedRetry(t *testing.T) {
	env := e.on(t)
	c := e.crashLaunch(t, "cut-b", "retry-me")

	code, header, v := e.launch(t, e.operator, "cut-b", "retry-me")
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, "true", header.Get("Idempotent-Replayed"))
	require.Equal(t, c.ID, v.ID, "the retry lands on the campaign the crash left")
	env.api.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	require.False(t, e.workflowMissing(t, c.WorkflowID))
	require.Contains(t, e.auditKinds(t, c.ID), "campaign.launched")

	e.sweep(t, sweepGrace+time.Second)
	require.Equal(t, api.StatusWaitingApproval, env.api.campaign(c.ID).Status, "a sweep leaves a campaign with its workflow alone")

	// The workflow was started by the retrying caller, so the rule that a
	// requester may not approve their own step still holds.
	code, body := env.as(e.operator, "POST", "/v1/approvals/"+api.ApprovalID(c.ID, "approve")+"/decision", `{"decision":"approve"}`)
	require.Equal(t, http.StatusForbidden, code, body)
	require.Contains(t, body, "may not approve")

	// Retrying again changes nothing.
	before := env.snapshot(c.WorkflowID)
	code, _, again := e.launch(t, e.operator, "cut-b", "retry-me")
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, c.ID, again.ID)
	env.unchanged(before, "a second retry")
}

func (e launchCrashE2E) retryAfterSweep(t *testing.T) {
	env := e.on(t)
	c := e.crashLaunch(t, "cut-c", "too-late")
	require.Equal(t, 1, e.sweep(t, sweepGrace+time.Second))

	before := env.snapshot()
	code, header, v := e.launch(t, e.operator, "cut-c", "too-late")
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, "true", header.Get("Idempotent-Replayed"))
	require.Equal(t, c.ID, v.ID)
	require.Equal(t, api.StatusFailed, v.Status, "the retry answers what became of the launch")
	require.Equal(t, server.InterruptedLaunchError, v.Error)
	env.unchanged(before, "a retry of a launch the sweep failed")
	require.True(t, e.workflowMissing(t, c.WorkflowID), "no workflow runs a campaign that shows failed")
}

func (e launchCrashE2E) workflowExists(t *testing.T) {
	env := e.on(t)
	c := e.crashLaunch(t, "cut-d", "")
	// A workflow for the campaign that no worker has picked up yet: it exists,
	// so the sweep must not fail the campaign, however old its row is.
	_, err := env.tc.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: c.WorkflowID, TaskQueue: "no-worker-polls-this",
	}, workflows.CampaignWorkflowType, workflows.CampaignInput{CampaignID: c.ID, Client: "cut-d"})
	require.NoError(t, err)
	e.sweep(t, time.Hour)
	require.Equal(t, api.StatusRunning, env.api.campaign(c.ID).Status)
	require.Empty(t, e.auditKinds(t, c.ID))

	// Terminated before it wrote anything, nothing will ever update the row.
	require.NoError(t, env.tc.TerminateWorkflow(context.Background(), c.WorkflowID, "", "test"))
	require.Equal(t, 1, e.sweep(t, time.Hour))
	v := env.api.campaign(c.ID)
	require.Equal(t, api.StatusFailed, v.Status)
	require.Contains(t, v.Error, "ended (Terminated) before it recorded anything")
	require.Equal(t, []string{server.AuditLaunchInterrupted}, e.auditKinds(t, c.ID))
}
