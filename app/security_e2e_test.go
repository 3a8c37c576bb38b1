package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/workflows"
)

// The security end-to-end tests replay, against the real dev stack, each hole an
// attacker found with the tokens the API hands out, plus variants of each class,
// and check that every one is refused with nothing changed: no row in the store
// and no workflow or history event in Temporal. Each class has its own
// TestSecurity… function; they share this harness.

// securityEnv is one dev instance with helpers to make tokens and to take
// snapshots of everything an attack could change.
type securityEnv struct {
	t   *testing.T
	d   *app.DevInstance
	api apiClient // acts as the dev admin
	tc  client.Client
}

func newSecurityEnv(t *testing.T) *securityEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: "default"})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	return &securityEnv{t: t, d: d, api: apiClient{t: t, base: d.APIURL}, tc: tc}
}

// token makes an API token through the admin API and returns its secret.
// Extra fields (e.g. approval roles) go in extra.
func (s *securityEnv) token(name, role string, clients []string, extra map[string]any) string {
	s.t.Helper()
	body := map[string]any{"name": name, "role": role, "clients": clients}
	for k, v := range extra {
		body[k] = v
	}
	var v struct {
		Token string `json:"token"`
	}
	resp := s.api.do("POST", "/v1/tokens", body, nil, &v)
	require.Equal(s.t, http.StatusCreated, resp.StatusCode)
	require.True(s.t, strings.HasPrefix(v.Token, "glt_"), v.Token)
	return v.Token
}

// as sends one request with token and returns the status and body.
func (s *securityEnv) as(token, method, path, body string) (int, string) {
	s.t.Helper()
	code, _, raw := as(s.t, s.d.APIURL, token, method, path, body)
	return code, raw
}

// pending launches playbook for client as the admin and waits for its approval.
func (s *securityEnv) pending(playbook, client string) (campaignID, approvalID string) {
	s.t.Helper()
	return approvalsE2E{t: s.t, d: s.d}.pending(s.t, playbook, client)
}

// securitySnapshot is what an attack might change: the row count of every
// table, each approval's state, and Temporal's workflows and their histories.
type securitySnapshot struct {
	Rows      map[string]int64
	Approvals map[string]string // id → status/decided_by/votes
	Workflows int64
	Histories map[string]int64 // workflow id → history length
}

var securityTables = []string{
	"clients", "playbooks", "campaigns", "step_runs", "approvals", "approval_votes",
	"decision_tokens", "audit_events", "platform_actions", "api_tokens",
}

// snapshot reads the store and Temporal. Workflows named in watch also have
// their history length recorded, so an accepted signal or update shows.
func (s *securityEnv) snapshot(watch ...string) securitySnapshot {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := s.d.Store.DB().WithContext(ctx)
	snap := securitySnapshot{Rows: map[string]int64{}, Approvals: map[string]string{}, Histories: map[string]int64{}}
	for _, table := range securityTables {
		var n int64
		require.NoError(s.t, db.Table(table).Count(&n).Error, table)
		snap.Rows[table] = n
	}
	var rows []struct {
		ID, Status, DecidedBy string
		Votes                 int64
	}
	require.NoError(s.t, db.Raw(`SELECT a.id, a.status, a.decided_by,
		(SELECT COUNT(*) FROM approval_votes v WHERE v.approval_id = a.id) AS votes
		FROM approvals a`).Scan(&rows).Error)
	for _, r := range rows {
		snap.Approvals[r.ID] = fmt.Sprintf("%s/%s/%d votes", r.Status, r.DecidedBy, r.Votes)
	}
	count, err := s.tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: "default"})
	require.NoError(s.t, err)
	snap.Workflows = count.GetCount()
	for _, id := range watch {
		desc, err := s.tc.DescribeWorkflowExecution(ctx, id, "")
		require.NoError(s.t, err, id)
		snap.Histories[id] = desc.GetWorkflowExecutionInfo().GetHistoryLength()
	}
	return snap
}

// unchanged asserts that nothing an attack could reach changed since before.
// Projections are written asynchronously, so it looks again for a moment
// before deciding; a change that appears at any look fails the test.
func (s *securityEnv) unchanged(before securitySnapshot, what string) {
	s.t.Helper()
	watch := make([]string, 0, len(before.Histories))
	for id := range before.Histories {
		watch = append(watch, id)
	}
	for range 3 {
		require.Equal(s.t, before, s.snapshot(watch...), "%s changed the store or Temporal", what)
		time.Sleep(100 * time.Millisecond)
	}
}

// campaignWorkflow is the workflow id of a campaign, for snapshot watch lists.
func campaignWorkflow(campaignID string) string { return workflows.CampaignWorkflowID(campaignID) }
