package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
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
	// Workflows counts campaign workflows. Notice workflows are left out:
	// the worker starts them on its own time for events already on record
	// (audit_events counts those), so one may start between two looks.
	Workflows int64
	Histories map[string]int64 // workflow id → history length
}

var securityTables = []string{
	"clients", "playbooks", "campaigns", "step_runs", "approvals", "approval_votes",
	"decision_tokens", "audit_events", "platform_actions", "api_tokens", "people",
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
	count, err := s.tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: "default", Query: fmt.Sprintf("WorkflowType = '%s'", workflows.CampaignWorkflowType),
	})
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
func campaignWorkflow(campaignID string) string { return api.CampaignWorkflowID(campaignID) }

// TestSecurityAuthorization replays the authorization holes (issue 8, 1–4): who
// may decide, through which channel and in which role, and who may change the
// playbooks another client's campaigns run. Every attempt is refused with
// nothing changed.
func TestSecurityAuthorization(t *testing.T) {
	s := newSecurityEnv(t)
	t.Run("links never let anyone decide what they could not decide directly", s.linkHoles)
	t.Run("roles come from the token, never the request", s.roleHoles)
	t.Run("one client's operator cannot change another client's playbooks", s.playbookHoles)
	t.Run("other routes: nobody acts elsewhere or as someone else", s.routeHoles)
}

// refused sends each attempt and checks its status, with the store and the
// campaign's workflow unchanged after all of them.
type attempt struct {
	name, token, method, path, body string
	status                          int
	detail                          string
}

func (s *securityEnv) refuseAll(watch []string, attempts []attempt) {
	s.t.Helper()
	before := s.snapshot(watch...)
	for _, a := range attempts {
		code, hdr, body := as(s.t, s.d.APIURL, a.token, a.method, a.path, a.body)
		require.Equal(s.t, a.status, code, "%s: %s", a.name, body)
		require.Equal(s.t, "application/problem+json", hdr.Get("Content-Type"), a.name)
		if a.detail != "" {
			require.Contains(s.t, body, a.detail, a.name)
		}
	}
	s.unchanged(before, "refused attempts")
}

func (s *securityEnv) linkHoles(t *testing.T) {
	// The operator holds the approver role the playbook accepts, so its direct
	// approval is refused for the one reason that matters: it requested the step.
	ops := s.token("ops@agency", "operator", []string{"acme"}, map[string]any{"approval_roles": []string{"agency-lead"}})
	code, body := s.as(ops, "POST", "/v1/campaigns", `{"playbook":"e2e-approve","client":"acme","params":{"brand":"Acme"}}`)
	require.Equal(t, http.StatusCreated, code, body)
	var c api.CampaignView
	require.NoError(t, json.Unmarshal([]byte(body), &c))
	s.api.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	id := api.ApprovalID(c.ID, "approve")
	links := "/v1/approvals/" + id + "/links"

	eve := s.token("eve@acme", "approver", []string{"acme"}, nil)
	danaElsewhere := s.token("dana@globex", "approver", []string{"globex"}, nil)
	viewer := s.token("vic@acme", "viewer", []string{"acme"}, nil)
	s.refuseAll([]string{campaignWorkflow(c.ID)}, []attempt{
		{"the requester decides directly", ops, "POST", "/v1/approvals/" + id + "/decision", `{"decision":"approve"}`, 403, "may not approve"},
		// The hole: a link minted for the client's approver, then followed.
		{"the requester mints a link for the client's approver", ops, "POST", links, `{"approver":{"id":"dana@acme"}}`, 403, "mints links only for the caller"},
		{"the requester mints a link for itself", ops, "POST", links, `{}`, 403, "requested this campaign"},
		{"the requester mints a link in its role", ops, "POST", links, `{"approver":{"role":"agency-lead"}}`, 403, "requested this campaign"},
		{"an admin mints a link for someone else", s.d.AdminToken, "POST", links, `{"approver":{"id":"dana@acme"}}`, 403, "mints links only for the caller"},
		{"a non-approver mints a link for itself", eve, "POST", links, `{}`, 403, "may not decide approval"},
		{"a non-approver mints a link claiming a role", eve, "POST", links, `{"approver":{"role":"agency-lead"}}`, 403, "does not hold the approver role"},
		{"another client's approver mints a link", danaElsewhere, "POST", links, `{}`, 404, "no approval"},
		{"a viewer mints a link", viewer, "POST", links, `{}`, 403, "may not do this"},
	})

	// A link dies with the token that minted it.
	dana := s.token("dana@acme", "approver", []string{"acme"}, nil)
	code, body = s.as(dana, "POST", links, `{"ttl":"1h"}`)
	require.Equal(t, http.StatusCreated, code, body)
	var minted struct {
		ApproveURL string `json:"approve_url"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &minted))
	s.revoke("dana@acme")
	approve := strings.TrimPrefix(minted.ApproveURL, s.d.APIURL)
	s.refuseAll([]string{campaignWorkflow(c.ID)}, []attempt{
		{"a link whose token was revoked", "", "POST", approve, ``, 401, "was revoked"},
	})
}

func (s *securityEnv) roleHoles(t *testing.T) {
	campaignID, id := s.pending("e2e-approve", "roles")
	decision := "/v1/approvals/" + id + "/decision"
	pat := s.token("pat@roles", "approver", []string{"roles"}, nil)
	admin := s.d.AdminToken
	s.refuseAll([]string{campaignWorkflow(campaignID)}, []attempt{
		// The hole: a plain approver claims the role the playbook accepts.
		{"an approver claims a role", pat, "POST", decision, `{"decision":"approve","role":"agency-lead"}`, 403, "does not hold the approver role"},
		{"an approver names someone else", pat, "POST", decision, `{"decision":"approve","by":"dana@acme"}`, 403, "`by` names dana@acme"},
		{"an admin names someone else", admin, "POST", decision, `{"decision":"approve","by":"dana@acme"}`, 403, "`by` names dana@acme"},
		{"an admin claims a role", admin, "POST", decision, `{"decision":"approve","role":"agency-lead"}`, 403, "does not hold the approver role"},
		{"a bulk request names someone else", pat, "POST", "/v1/approvals/decisions", `{"by":"dana@acme","decisions":[{"approval_id":"` + id + `","decision":"approve"}]}`, 403, "`by` names dana@acme"},
		{"a pause names someone else", admin, "POST", "/v1/campaigns/" + campaignID + "/pause", `{"by":"dana@acme"}`, 403, "`by` names dana@acme"},
	})
	// A bulk role claim is refused item by item inside a sound request.
	before := s.snapshot(campaignWorkflow(campaignID))
	code, body := s.as(pat, "POST", "/v1/approvals/decisions", `{"role":"agency-lead","decisions":[{"approval_id":"`+id+`","decision":"approve"}]}`)
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"status":403`)
	require.Contains(t, body, "does not hold the approver role")
	s.unchanged(before, "a bulk role claim")

	// The token's own role decides, and is recorded as the vote's role.
	lee := s.token("lee@agency", "approver", []string{"roles"}, map[string]any{"approval_roles": []string{"agency-lead"}})
	code, body = s.as(lee, "POST", decision, `{"decision":"approve"}`)
	require.Equal(t, http.StatusOK, code, body)
	var v api.ApprovalView
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	require.Equal(t, "lee@agency", v.DecidedBy)
	require.Len(t, v.Votes, 1)
	require.Equal(t, "agency-lead", v.Votes[0].Role)
	// Let it finish, so its publishing does not show in the next snapshot.
	s.api.waitFor(campaignID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
}

func (s *securityEnv) playbookHoles(t *testing.T) {
	opsA := s.token("ops@clienta", "operator", []string{"clienta"}, nil)
	opsB := s.token("ops@clientb", "operator", []string{"clientb"}, nil)
	opsAll := s.token("ops@agency-wide", "operator", nil, nil)
	unapproved := func(name string, version int) string {
		return fmt.Sprintf("name: %s\nversion: %d\nsteps:\n  - id: publish\n    action: publish_posts\n    with: {brand: Evil, count: 5}\n", name, version)
	}
	// The hole: operator-a registers v2 of a playbook everyone uses, without its approval.
	s.refuseAll(nil, []attempt{
		{"a client's operator changes a shared playbook", opsA, "POST", "/v1/playbooks", unapproved("e2e-quick", 2), 403, "only an admin registers its versions"},
		{"an agency-wide operator changes a shared playbook", opsAll, "POST", "/v1/playbooks", unapproved("e2e-quick", 2), 422, "registered by admins"},
		{"an agency-wide operator changes a shared playbook for a client", opsAll, "POST", "/v1/playbooks?client=clienta", unapproved("e2e-quick", 2), 403, "only an admin"},
		{"a client's operator changes a built-in", opsA, "POST", "/v1/playbooks?client=clienta", unapproved("reputation-repair", 99), 403, "shared by every client"},
		{"an operator registers for another client", opsA, "POST", "/v1/playbooks?client=clientb", unapproved("fresh", 1), 403, "may not register playbooks for client clientb"},
		{"an agency-wide operator registers a shared playbook", opsAll, "POST", "/v1/playbooks", unapproved("fresh", 1), 422, "shared playbooks"},
		{"a viewer registers", s.token("vic@clienta", "viewer", []string{"clienta"}, nil), "POST", "/v1/playbooks", unapproved("fresh", 1), 403, "may not do this"},
	})

	// A client's own playbook is its own: invisible and unchangeable elsewhere.
	code, body := s.as(opsA, "POST", "/v1/playbooks", unapproved("fast", 1))
	require.Equal(t, http.StatusCreated, code, body)
	require.Contains(t, body, `"client":"clienta"`)
	s.refuseAll(nil, []attempt{
		{"another client's operator adds a version", opsB, "POST", "/v1/playbooks", unapproved("fast", 2), 409, "taken by another client"},
		{"another client's operator launches it", opsB, "POST", "/v1/campaigns", `{"playbook":"fast","client":"clientb"}`, 422, "unknown playbook"},
		{"an admin launches it for another client", s.d.AdminToken, "POST", "/v1/campaigns", `{"playbook":"fast","client":"clientb"}`, 422, "unknown playbook"},
		{"another client's operator reads it", opsB, "GET", "/v1/playbooks/fast", ``, 404, "no playbook named fast"},
		{"another client's operator pins its version", opsB, "POST", "/v1/campaigns", `{"playbook":"fast","version":1,"client":"clientb"}`, 422, "unknown playbook"},
	})
	code, body = s.as(opsB, "GET", "/v1/playbooks", "")
	require.Equal(t, http.StatusOK, code, body)
	require.NotContains(t, body, `"fast"`)
	require.Contains(t, body, `"e2e-quick"`, "shared playbooks are listed for everyone")

	// Launching the shared playbook for clientb runs the version an admin registered.
	code, body = s.as(opsB, "POST", "/v1/campaigns", `{"playbook":"e2e-quick","client":"clientb","params":{"brand":"B"}}`)
	require.Equal(t, http.StatusCreated, code, body)
	require.Contains(t, body, `"playbook_version":1`)
}

func (s *securityEnv) routeHoles(t *testing.T) {
	campaignID, id := s.pending("e2e-approve", "globex")
	dana := s.token("dana@elsewhere", "approver", []string{"elsewhere"}, nil)
	opsElsewhere := s.token("ops@elsewhere", "operator", []string{"elsewhere"}, nil)
	approver := s.token("amy@globex", "approver", []string{"globex"}, nil)
	s.refuseAll([]string{campaignWorkflow(campaignID)}, []attempt{
		{"cancel another client's campaign", opsElsewhere, "POST", "/v1/campaigns/" + campaignID + "/cancel", ``, 404, "no campaign"},
		{"pause another client's campaign", opsElsewhere, "POST", "/v1/campaigns/" + campaignID + "/pause", ``, 404, "no campaign"},
		{"decide another client's approval", dana, "POST", "/v1/approvals/" + id + "/decision", `{"decision":"approve"}`, 404, "no approval"},
		{"launch for another client", opsElsewhere, "POST", "/v1/campaigns", `{"playbook":"e2e-quick","client":"globex","params":{"brand":"G"}}`, 403, "may not launch"},
		{"an approver cancels", approver, "POST", "/v1/campaigns/" + campaignID + "/cancel", ``, 403, "may not do this"},
		{"an operator makes a token", opsElsewhere, "POST", "/v1/tokens", `{"name":"root","role":"admin"}`, 403, "may not do this"},
		{"an operator revokes a token", opsElsewhere, "POST", "/v1/tokens/tok_x/revoke", ``, 403, "may not do this"},
	})
	// A bulk decision across clients: each foreign approval is absent.
	before := s.snapshot(campaignWorkflow(campaignID))
	code, body := s.as(dana, "POST", "/v1/approvals/decisions", `{"decisions":[{"approval_id":"`+id+`","decision":"approve"}]}`)
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"status":404`)
	s.unchanged(before, "a bulk decision on another client's approval")
	// Reports and the inbox are narrowed to the token's clients.
	for _, path := range []string{"/v1/reports/approvals?client=globex", "/v1/approvals?client=globex", "/v1/campaigns?client=globex"} {
		code, body = s.as(dana, "GET", path, "")
		require.Equal(t, http.StatusOK, code, body)
		require.NotContains(t, body, "globex", path)
	}
	// Who canceled is on record, as the token's holder.
	ops := s.token("ops@globex", "operator", []string{"globex"}, nil)
	code, body = s.as(ops, "POST", "/v1/campaigns/"+campaignID+"/cancel", "")
	require.Equal(t, http.StatusAccepted, code, body)
	var actor string
	require.NoError(t, s.d.Store.DB().Raw("SELECT actor FROM audit_events WHERE campaign_id = ? AND kind = ?", campaignID, "campaign.cancel_requested").Scan(&actor).Error)
	require.Equal(t, "ops@globex", actor)
}

// revoke revokes the token named name through the admin API.
func (s *securityEnv) revoke(name string) {
	s.t.Helper()
	var list struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	s.api.do("GET", "/v1/tokens", nil, nil, &list)
	for _, it := range list.Items {
		if it.Name == name {
			resp := s.api.do("POST", "/v1/tokens/"+it.ID+"/revoke", nil, nil, nil)
			require.Equal(s.t, http.StatusOK, resp.StatusCode)
			return
		}
	}
	s.t.Fatalf("no token named %s", name)
}

// TestSecurityDatabaseDown replays hole 10: with the database gone, every /v1
// call answered 500 "could not check the API token". It must be 503 with
// Retry-After, as a problem document, for every kind of caller.
func TestSecurityDatabaseDown(t *testing.T) {
	s := newSecurityEnv(t)
	viewer := s.token("vic@acme", "viewer", []string{"acme"}, nil)
	campaignID, approvalID := s.pending("e2e-quick", "acme")
	require.NoError(t, s.d.Store.Close())
	for _, a := range []attempt{
		{"the admin lists campaigns", s.d.AdminToken, "GET", "/v1/campaigns", ``, 503, "the database is not reachable"},
		{"a viewer reads a campaign", viewer, "GET", "/v1/campaigns/" + campaignID, ``, 503, "the database is not reachable"},
		{"the admin decides", s.d.AdminToken, "POST", "/v1/approvals/" + approvalID + "/decision", `{"decision":"approve"}`, 503, "the database is not reachable"},
		{"an unknown token", "glt_unknown", "GET", "/v1/approvals", ``, 503, "the database is not reachable"},
	} {
		code, hdr, body := as(t, s.d.APIURL, a.token, a.method, a.path, a.body)
		require.Equal(t, a.status, code, "%s: %s", a.name, body)
		require.Equal(t, "application/problem+json", hdr.Get("Content-Type"), a.name)
		require.NotEmpty(t, hdr.Get("Retry-After"), a.name)
		require.Contains(t, body, a.detail, a.name)
	}
}
