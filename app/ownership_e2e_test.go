package app_test

import (
	"encoding/json"
	"io"
	"net/http"
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
	"github.com/greenlight/greenlight/notify/email"
	"github.com/greenlight/greenlight/notify/email/smtptest"
)

const teamPost = `
name: team-post
version: 1
params:
  - {name: platforms, type: list, default: [x]}
steps:
  - id: go
    approval: {title: Go?, timeout: 72h, on_timeout: reject}
  - id: publish
    action: publish_posts
    with: {brand: Acme, count: 1, platforms: "${params.platforms}"}
`

// teamPostAsk borrows accounts of other teams by asking them first, and holds
// them until its wrap-up is decided.
const teamPostAsk = `
name: team-post-ask
version: 1
params:
  - {name: platforms, type: list, default: [x]}
ownership:
  ask_owner: {timeout: 72h}
steps:
  - id: publish
    action: publish_posts
    with: {brand: Acme, count: 1, platforms: "${params.platforms}"}
  - id: wrap
    approval: {title: Wrap up?, timeout: 72h, on_timeout: approve}
`

// holdConflictBody is a 409 of a launch.
type holdConflictBody struct {
	Status   int               `json:"status"`
	Detail   string            `json:"detail"`
	Conflict *api.HoldConflict `json:"conflict"`
}

// TestTwoTeamsNeverShareAnAccount is the seed's story over HTTP: one client's
// x account belongs to team-x, its facebook page to team-facebook. Team
// facebook's campaign on both is refused with 409 naming the account, its
// owner and the campaign holding it; a playbook that asks team-x waits for
// team-x's yes (not its own), acts on x only while no team-x campaign does,
// and while it holds x, team-x's own launch on x is refused in turn.
func TestTwoTeamsNeverShareAnAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	admin := apiClient{t: t, base: d.APIURL}
	for _, pb := range []string{teamPost, teamPostAsk} {
		req, err := http.NewRequest("POST", d.APIURL+"/v1/playbooks", strings.NewReader(pb))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/yaml")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	}
	accounts := map[string]string{}
	for _, acc := range []map[string]any{
		{"platform": "x", "handle": "@acme", "connector": "sandbox", "team": "team-x"},
		{"platform": "facebook", "handle": "acmebakery", "connector": "sandbox", "team": "team-facebook"},
	} {
		var raw json.RawMessage
		require.Equal(t, http.StatusCreated, admin.do("POST", "/v1/clients/acme/accounts", acc, nil, &raw).StatusCode, "%s", raw)
		var v api.AccountView
		require.NoError(t, json.Unmarshal(raw, &v))
		accounts[v.Platform] = v.ID
	}
	token := func(name, team string) map[string]string {
		var v struct {
			Token string `json:"token"`
		}
		resp := admin.do("POST", "/v1/tokens", map[string]any{"name": name, "role": "operator", "team": team, "clients": []string{"acme"}}, nil, &v)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		return bearer(v.Token)
	}
	xOps, fbOps := token("xavier", "team-x"), token("fran", "team-facebook")
	// Xena is of team x: she is told of her team's approvals, by email.
	code, _, body := as(t, d.APIURL, d.AdminToken, "POST", "/v1/people",
		`{"id":"xena@agency","name":"Xena","clients":["acme"],"team":"team-x","channels":[{"kind":"email","address":"xena@agency.example"}]}`)
	require.Equal(t, http.StatusCreated, code, body)
	launch := func(as map[string]string, playbook string, platforms ...string) (*http.Response, api.CampaignView, holdConflictBody) {
		t.Helper()
		body := map[string]any{"playbook": playbook, "client": "acme", "params": map[string]any{"platforms": platforms}}
		var raw json.RawMessage
		resp := admin.do("POST", "/v1/campaigns", body, as, &raw)
		var v api.CampaignView
		var p holdConflictBody
		if resp.StatusCode == http.StatusCreated {
			require.NoError(t, json.Unmarshal(raw, &v))
		} else {
			require.NoError(t, json.Unmarshal(raw, &p), "%s", raw)
		}
		return resp, v, p
	}
	decide := func(as map[string]string, campaign, step, decision string) int {
		t.Helper()
		id := api.ApprovalID(campaign, step)
		poll(t, time.Minute, "approval "+id, func() (bool, bool) {
			var a map[string]any
			r := admin.do("GET", "/v1/approvals/"+id, nil, nil, &a)
			return true, r.StatusCode == http.StatusOK && a["status"] == api.ApprovalPending
		})
		return admin.do("POST", "/v1/approvals/"+id+"/decision", map[string]any{"decision": decision}, as, nil).StatusCode
	}

	// Team x launches on x and waits at its gate.
	resp, x1, _ := launch(xOps, "team-post", "x")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "team-x", x1.Team)
	require.Len(t, x1.Accounts, 1)
	assert.Equal(t, api.CampaignAccountView{ID: accounts["x"], Platform: "x", Handle: "acme", Connector: "sandbox", Team: "team-x", State: api.HoldHeld}, x1.Accounts[0])

	// Team facebook on x and facebook, not asking: 409.
	resp, _, refused := launch(fbOps, "team-post", "x", "facebook")
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	require.NotNil(t, refused.Conflict, "the refusal says which account: %s", refused.Detail)
	assert.Equal(t, accounts["x"], refused.Conflict.Account)
	assert.Equal(t, "team-x", refused.Conflict.Owner)
	assert.Equal(t, "team-facebook", refused.Conflict.Team)
	assert.Equal(t, []string{x1.ID}, refused.Conflict.Campaigns)
	assert.Contains(t, refused.Detail, "belongs to team team-x")

	// Asking team-x: launched, x waits for team-x's approval.
	resp, f1, _ := launch(fbOps, "team-post-ask", "x", "facebook")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	states := map[string]string{}
	for _, a := range f1.Accounts {
		states[a.Platform] = a.State
	}
	assert.Equal(t, map[string]string{"x": api.HoldAwaitingOwner, "facebook": api.HoldHeld}, states)
	assert.Equal(t, http.StatusForbidden, decide(fbOps, f1.ID, "owner_approval_team_x", "approve"),
		"team facebook cannot lend itself team-x's account")
	// Team x says yes while its own campaign still holds x: the borrowing
	// campaign is refused at its first action on x, and publishes nothing.
	require.Equal(t, http.StatusOK, decide(xOps, f1.ID, "owner_approval_team_x", "approve"))
	failed := admin.waitFor(f1.ID, "failed", func(v api.CampaignView) bool { return finishedStatus(v.Status) })
	require.Equal(t, api.StatusFailed, failed.Status)
	assert.Contains(t, failed.Error, "held by another team")

	// Once team x's campaign is over, the owner's yes lends x.
	require.Equal(t, http.StatusAccepted, admin.do("POST", "/v1/campaigns/"+x1.ID+"/cancel", nil, xOps, nil).StatusCode)
	admin.waitFor(x1.ID, "canceled", func(v api.CampaignView) bool { return v.Status == api.StatusCanceled })
	resp, f2, _ := launch(fbOps, "team-post-ask", "x", "facebook")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	// This time Xena says yes, from the email her team's approval sent her.
	ownerApproval := api.ApprovalID(f2.ID, "owner_approval_team_x")
	m := poll(t, 20*time.Second, "the owner approval's email to xena", func() (smtptest.Message, bool) {
		files, _ := filepath.Glob(filepath.Join(app.OutboxDir(cfg), "*.eml"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			if m := smtptest.Parse(t, raw); m.Header.Get(email.HeaderApproval) == ownerApproval {
				return m, true
			}
		}
		return smtptest.Message{}, false
	})
	assert.Contains(t, m.Header.Get("To"), "xena@agency.example")
	link := linkIn(t, m.Text, "Approve")
	page, status := get(t, link)
	require.Equal(t, http.StatusOK, status, page)
	form := hiddenFields(page)
	form.Set("decision", api.DecisionApprove)
	req, err := http.NewRequest(http.MethodPost, link, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := (&http.Client{Transport: baseTransport}).Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var decided api.ApprovalView
	admin.do("GET", "/v1/approvals/"+ownerApproval, nil, nil, &decided)
	assert.Equal(t, "xena@agency", decided.DecidedBy, "the owning team's person decided, through her link")
	admin.waitFor(f2.ID, "published", func(v api.CampaignView) bool {
		for _, s := range v.Steps {
			if s.ID == "publish" && s.Status == api.StepCompleted {
				return true
			}
		}
		return false
	})
	view := admin.campaign(f2.ID)
	for _, a := range view.Accounts {
		assert.Equal(t, api.HoldHeld, a.State, "%s", a.Platform)
	}

	// While team facebook holds x, team x's own launch on x is refused.
	resp, _, refused = launch(xOps, "team-post", "x")
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.NotNil(t, refused.Conflict)
	assert.Equal(t, []string{f2.ID}, refused.Conflict.Campaigns)
	assert.Equal(t, "team-x", refused.Conflict.Owner)

	// When team facebook's campaign ends, x is team x's again.
	defer func() {
		tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: "default"})
		require.NoError(t, err)
		defer tc.Close()
		saveHistories(t, tc, map[string]string{"team-post-ask-owner-approved": view.WorkflowID})
	}()
	require.Equal(t, http.StatusOK, decide(nil, f2.ID, "wrap", "approve"), "the client approves the wrap-up")
	admin.waitFor(f2.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
	resp, _, _ = launch(xOps, "team-post", "x")
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}
