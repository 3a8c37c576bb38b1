package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// allEvents reads every page of path as the token in header.
func (a apiClient) allEvents(path string, header map[string]string) []api.AuditEventView {
	a.t.Helper()
	var out []api.AuditEventView
	token := ""
	for pages := 0; ; pages++ {
		require.Less(a.t, pages, 50, "%s never ends", path)
		u, err := url.Parse(path)
		require.NoError(a.t, err)
		q := u.Query()
		q.Set("limit", "3") // small pages, so paging is part of what is checked
		if token != "" {
			q.Set("page_token", token)
		}
		u.RawQuery = q.Encode()
		var page api.AuditEventList
		resp := a.do("GET", u.String(), nil, header, &page)
		require.Equal(a.t, http.StatusOK, resp.StatusCode, path)
		out = append(out, page.Items...)
		if token = page.NextPageToken; token == "" {
			return out
		}
	}
}

// TestAuditTrailEndToEnd: what people do through the API (a playbook
// registered, a token made, a launch, a pause from the CLI, a decision, a
// cancellation) is on record with who, through which channel, when and the
// X-Request-Id of the request that did it, whether the API or the campaign's
// workflow wrote it. A client-scoped token reads its clients' events only,
// a campaign's trail and the audit log alike; an admin reads them all.
func TestAuditTrailEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	gl := apiClient{t: t, base: d.APIURL}
	start := time.Now().UTC().Add(-time.Second)
	rid := func(id string, more ...string) map[string]string {
		h := map[string]string{"X-Request-Id": id}
		for i := 0; i+1 < len(more); i += 2 {
			h[more[i]] = more[i+1]
		}
		return h
	}

	pb := "name: globex-only\nversion: 1\nsteps:\n  - {id: a, wait: 1s}\n"
	resp := gl.do("POST", "/v1/playbooks?client=globex", pb, rid("e2e-register"), nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, "e2e-register", resp.Header.Get("X-Request-Id"))

	var tok api.TokenView
	require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/tokens",
		map[string]any{"name": "acme-ops", "role": "operator", "clients": []string{"acme"}}, rid("e2e-token"), &tok).StatusCode)
	acmeOps := func(id string, more ...string) map[string]string {
		return rid(id, append(more, "Authorization", "Bearer "+tok.Token)...)
	}

	launch := func(client string, header map[string]string) string {
		var v api.CampaignView
		require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns",
			map[string]any{"playbook": "e2e-quick", "client": client, "params": map[string]any{"brand": "Audit " + client}}, header, &v).StatusCode)
		return v.ID
	}
	acme := launch("acme", acmeOps("e2e-launch"))
	globex := launch("globex", rid("e2e-launch-globex"))
	gl.waitFor(acme, "its approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	gl.waitFor(globex, "its approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })

	require.Equal(t, http.StatusOK, gl.do("POST", "/v1/campaigns/"+acme+"/pause", map[string]any{"reason": "audit"},
		acmeOps("e2e-pause", "Greenlight-Channel", "cli"), nil).StatusCode)
	require.Equal(t, http.StatusOK, gl.do("POST", "/v1/campaigns/"+acme+"/resume", nil, acmeOps("e2e-resume"), nil).StatusCode)
	require.Equal(t, http.StatusOK, gl.do("POST", "/v1/approvals/"+api.ApprovalID(acme, "approve")+"/decision",
		map[string]any{"decision": "approve", "comment": "on record"}, rid("e2e-decide"), nil).StatusCode)
	require.Equal(t, http.StatusAccepted, gl.do("POST", "/v1/campaigns/"+globex+"/cancel", nil, rid("e2e-cancel"), nil).StatusCode)
	gl.waitFor(globex, "canceled", func(v api.CampaignView) bool { return v.Status == api.StatusCanceled })
	end := time.Now().UTC().Add(time.Second)

	// Everything, as the admin sees it: each event once, with who, how, when
	// and the request that caused it.
	all := gl.allEvents("/v1/audit", nil)
	type want struct{ typ, actor, channel, client, campaign string }
	for requestID, w := range map[string]want{
		"e2e-register": {api.AuditPlaybookRegistered, "dev-admin", api.ChannelAPI, "globex", ""},
		"e2e-token":    {api.AuditTokenCreated, "dev-admin", api.ChannelAPI, "acme", ""},
		"e2e-pause":    {"campaign.paused", "acme-ops", api.ChannelCLI, "acme", acme},
		"e2e-resume":   {"campaign.resumed", "acme-ops", api.ChannelAPI, "acme", acme},
		"e2e-decide":   {"approval.decided", "dev-admin", api.ChannelAPI, "acme", acme},
		"e2e-cancel":   {api.AuditCampaignCancelRequested, "dev-admin", api.ChannelAPI, "globex", globex},
	} {
		var found []api.AuditEventView
		for _, e := range all {
			if e.RequestID == requestID && e.Type == w.typ {
				found = append(found, e)
			}
		}
		require.Len(t, found, 1, "%s of request %s", w.typ, requestID)
		e := found[0]
		assert.Equal(t, w.actor, e.Actor, requestID)
		assert.Equal(t, w.channel, e.Channel, requestID)
		assert.Equal(t, w.client, e.Client, requestID)
		assert.Equal(t, w.campaign, e.CampaignID, requestID)
		assert.True(t, e.At.After(start) && e.At.Before(end), "%s at %s", requestID, e.At)
	}
	// A launch is on record twice, by the API and by the workflow it started,
	// both with the launch's request.
	var launched []string
	for _, e := range all {
		if e.RequestID == "e2e-launch" {
			launched = append(launched, e.Type+" "+e.Actor)
		}
	}
	assert.ElementsMatch(t, []string{"campaign.launched acme-ops", "campaign.started acme-ops"}, launched)

	// The workflow's own events have no request: the system did them.
	trail := gl.allEvents("/v1/campaigns/"+globex+"/events", nil)
	var kinds []string
	for i, e := range trail {
		kinds = append(kinds, e.Type)
		if i > 0 {
			assert.Greater(t, e.ID, trail[i-1].ID, "a trail reads in the order it was recorded")
		}
		if e.Type == "campaign.canceled" || e.Type == "approval.requested" {
			assert.Empty(t, e.RequestID, e.Type)
			assert.Equal(t, api.ChannelSystem, e.Channel, e.Type)
		}
	}
	assert.Contains(t, kinds, "campaign.cancel_requested")
	assert.Contains(t, kinds, "campaign.canceled")

	// The acme operator sees acme's events, campaigns' and not, and nothing else.
	scoped := gl.allEvents("/v1/audit", acmeOps("e2e-read"))
	require.NotEmpty(t, scoped)
	seen := map[string]bool{}
	for _, e := range scoped {
		assert.Equal(t, "acme", e.Client, "%s %s", e.Type, e.CampaignID)
		assert.NotEqual(t, globex, e.CampaignID)
		seen[e.Type] = true
	}
	for _, typ := range []string{api.AuditTokenCreated, "campaign.launched", "campaign.paused", "campaign.resumed", "approval.decided"} {
		assert.True(t, seen[typ], "the acme operator sees %s", typ)
	}
	assert.False(t, seen[api.AuditPlaybookRegistered], "globex's playbook is not acme's")
	assert.Less(t, len(scoped), len(all))
	assert.Empty(t, gl.allEvents("/v1/audit?client=globex", acmeOps("e2e-read")))
	var acmeTrail []api.AuditEventView
	for _, e := range scoped {
		if e.CampaignID == acme {
			acmeTrail = append(acmeTrail, e)
		}
	}
	assert.Len(t, gl.allEvents("/v1/campaigns/"+acme+"/events", acmeOps("e2e-read")), len(acmeTrail))
	require.Equal(t, http.StatusNotFound, gl.do("GET", "/v1/campaigns/"+globex+"/events", nil, acmeOps("e2e-read"), nil).StatusCode)

	// The dev admin token made itself at start: on record as greenlight's.
	var made []string
	for _, e := range gl.allEvents("/v1/audit?type=token.created", nil) {
		made = append(made, e.Actor+" "+e.Channel+" "+e.Client)
	}
	assert.ElementsMatch(t, []string{"greenlight system ", "dev-admin api acme"}, made)

	// Filters narrow what the admin reads.
	decided := gl.allEvents("/v1/audit?type=approval.&actor=dev-admin&client=acme&since=1h", nil)
	require.Len(t, decided, 1)
	assert.Equal(t, "e2e-decide", decided[0].RequestID)
}

// TestBootstrapAdminTokenIsOnRecord: the first admin token, written straight
// to the database, is on record like any other, as made by greenlight from
// the command line, without its secret; a refused second one records nothing.
func TestBootstrapAdminTokenIsOnRecord(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	secret, err := app.BootstrapAdminToken(ctx, st, "first-admin")
	require.NoError(t, err)
	_, err = app.BootstrapAdminToken(ctx, st, "second-admin")
	require.Error(t, err)

	page, err := st.ListAudit(ctx, store.AuditFilter{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	e := page.Items[0]
	assert.Equal(t, api.AuditTokenCreated, e.Kind)
	assert.Equal(t, "greenlight", e.Actor)
	assert.Equal(t, api.ChannelCLI, e.Channel)
	assert.Empty(t, e.ClientID, "a token of every client is no single client's")
	assert.NotContains(t, e.Detail, secret)
	var detail map[string]any
	require.NoError(t, json.Unmarshal([]byte(e.Detail), &detail))
	assert.Equal(t, "first-admin", detail["name"])
	assert.Equal(t, api.RoleAdmin, detail["role"])
}
