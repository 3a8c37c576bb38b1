package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
)

// send is one request with token and extra headers; it must answer status.
func (a peopleAPI) send(status int, token, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	require.Equal(a.t, status, rec.Code, "%s %s: %s", method, path, rec.Body.String())
	return rec
}

// events reads one page of audit events at path.
func (a peopleAPI) events(token, path string) api.AuditEventList {
	a.t.Helper()
	rec := a.send(http.StatusOK, token, "GET", path, "", nil)
	var l api.AuditEventList
	require.NoError(a.t, json.Unmarshal(rec.Body.Bytes(), &l))
	return l
}

func types(l api.AuditEventList) []string {
	out := []string{}
	for _, e := range l.Items {
		out = append(out, e.Type)
	}
	return out
}

// TestAuditRecordsChangesOutsideCampaigns: people, tokens and playbook
// registrations are on record with who, through which channel, when and the
// request that made them, and never with a secret or an address.
func TestAuditRecordsChangesOutsideCampaigns(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	cli := map[string]string{"Greenlight-Channel": "cli"}
	withID := func(id string) map[string]string { return map[string]string{"X-Request-Id": id} }

	before := time.Now().UTC().Add(-time.Second)
	a.send(201, admin, "POST", "/v1/people", dana, withID("req-person-1"))
	a.send(409, admin, "POST", "/v1/people", dana, withID("req-person-again")) // refused: nothing recorded
	a.send(200, admin, "PUT", "/v1/people/dana@acme", `{"name":"Dana D.","clients":["acme","globex"],"roles":["client-marketing-lead"],
		"channels":[{"kind":"webhook","address":"https://hooks.example/secret-path"}],"team":"team-x"}`, cli)
	rec := a.send(201, admin, "POST", "/v1/tokens", `{"name":"ops","role":"operator","clients":["acme"],"team":"team-y"}`, withID("req-token-1"))
	var tok api.TokenView
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &tok))
	require.NotEmpty(t, tok.Token)
	a.send(200, admin, "POST", "/v1/tokens/"+tok.ID+"/revoke", "", withID("req-revoke-1"))
	a.send(200, admin, "POST", "/v1/tokens/"+tok.ID+"/revoke", "", withID("req-revoke-2")) // changes nothing
	pb := "name: acme-only\nversion: 1\nsteps:\n  - {id: a, wait: 1s}\n"
	a.send(201, admin, "POST", "/v1/playbooks?client=acme", pb, withID("req-playbook-1"))
	a.send(200, admin, "POST", "/v1/playbooks?client=acme", pb, withID("req-playbook-again")) // a repeat registers nothing
	after := time.Now().UTC().Add(time.Second)

	l := a.events(admin, "/v1/audit")
	assert.Equal(t, []string{"playbook.registered", "token.revoked", "token.created", "person.updated", "person.created"}, types(l))
	assert.Empty(t, l.NextPageToken)
	body := a.send(200, admin, "GET", "/v1/audit", "", nil).Body.String()
	assert.NotContains(t, body, tok.Token, "a token's secret is never on record")
	assert.NotContains(t, body, "secret-path", "nor a channel's address")
	assert.NotContains(t, body, "dana@acme.example")

	byType := map[string]api.AuditEventView{}
	for _, e := range l.Items {
		byType[e.Type] = e
		assert.Equal(t, "root", e.Actor, e.Type)
		assert.Empty(t, e.CampaignID, e.Type)
		assert.True(t, e.At.After(before) && e.At.Before(after), "%s at %s", e.Type, e.At)
	}
	pc := byType["person.created"]
	assert.Equal(t, "req-person-1", pc.RequestID)
	assert.Equal(t, "api", pc.Channel)
	assert.Equal(t, "acme", pc.Client)
	assert.JSONEq(t, `{"person":"dana@acme","name":"Dana","clients":["acme"],"roles":["client-marketing-lead"],
		"channels":["email","slack"],"time_zone":"Europe/Paris","team":""}`, string(pc.Detail))
	pu := byType["person.updated"]
	assert.Equal(t, "cli", pu.Channel)
	assert.Len(t, pu.RequestID, 16, "a fresh id when the caller sent none")
	assert.Equal(t, "", pu.Client, "a person of two clients is no single client's")
	var upd struct{ Changed []string }
	require.NoError(t, json.Unmarshal(pu.Detail, &upd))
	assert.Equal(t, []string{"name", "clients", "channels", "time_zone", "team"}, upd.Changed)
	tc := byType["token.created"]
	assert.Equal(t, "req-token-1", tc.RequestID)
	assert.Equal(t, "acme", tc.Client)
	assert.JSONEq(t, `{"token":"`+tok.ID+`","name":"ops","role":"operator","clients":["acme"],"approval_roles":[],"person":"","team":"team-y"}`, string(tc.Detail))
	assert.Equal(t, "req-revoke-1", byType["token.revoked"].RequestID)
	pr := byType["playbook.registered"]
	assert.Equal(t, "req-playbook-1", pr.RequestID)
	assert.Equal(t, "acme", pr.Client)
	assert.JSONEq(t, `{"name":"acme-only","version":1,"client":"acme"}`, string(pr.Detail))

	a.send(204, admin, "DELETE", "/v1/people/dana@acme", "", withID("req-delete-1"))
	l = a.events(admin, "/v1/audit?type=person.deleted")
	require.Len(t, l.Items, 1)
	assert.Equal(t, "req-delete-1", l.Items[0].RequestID)
	assert.Equal(t, "", l.Items[0].Client)
	assert.JSONEq(t, `{"person":"dana@acme","name":"Dana D.","clients":["acme","globex"]}`, string(l.Items[0].Detail))
}

// TestAuditIsScopedToTheTokensClients: a scoped token reads its clients'
// events only, campaigns' or not, and never one of no single client.
func TestAuditIsScopedToTheTokensClients(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	acmeOps := a.token("acme-ops", api.RoleOperator, "acme")
	acmeViewer := a.token("acme-viewer", api.RoleViewer, "acme")
	a.seedFor("acme", "c-acme")
	a.seedFor("globex", "c-globex")
	ctx := context.Background()
	for i, e := range []store.AuditEvent{
		{CampaignID: "c-acme", Kind: "campaign.started"},
		{CampaignID: "c-globex", Kind: "campaign.started"},
		{CampaignID: "c-acme", Kind: "approval.decided", Actor: "dana@acme", Channel: "slack", RequestID: "r3"},
		{CampaignID: "c-acme", Kind: "campaign.paused", Actor: "acme-ops", Channel: "cli", RequestID: "r4"},
	} {
		e.DedupKey = "seed/" + e.Kind + "/" + e.CampaignID + "/" + string(rune('a'+i))
		require.NoError(t, a.st.AppendAudit(ctx, e))
	}
	a.send(201, admin, "POST", "/v1/tokens", `{"name":"globex-bot","role":"viewer","clients":["globex"]}`, nil)
	a.send(201, admin, "POST", "/v1/tokens", `{"name":"agency","role":"viewer"}`, nil)
	a.send(201, admin, "POST", "/v1/people", dana, nil)

	assert.Equal(t, []string{"person.created", "token.created", "token.created", "campaign.paused", "approval.decided", "campaign.started", "campaign.started"},
		types(a.events(admin, "/v1/audit")))
	scoped := a.events(acmeOps, "/v1/audit")
	assert.Equal(t, []string{"person.created", "campaign.paused", "approval.decided", "campaign.started"}, types(scoped))
	for _, e := range scoped.Items {
		assert.Equal(t, "acme", e.Client)
	}
	assert.Empty(t, a.events(acmeOps, "/v1/audit?client=globex").Items, "another client is an empty list, not an error")
	a.send(403, acmeViewer, "GET", "/v1/audit", "", nil)

	trail := a.events(acmeViewer, "/v1/campaigns/c-acme/events")
	assert.Equal(t, []string{"campaign.started", "approval.decided", "campaign.paused"}, types(trail), "a campaign's trail reads in order")
	assert.Equal(t, "r3", trail.Items[1].RequestID)
	assert.Equal(t, "slack", trail.Items[1].Channel)
	assert.JSONEq(t, `{}`, string(trail.Items[1].Detail))
	a.send(404, acmeViewer, "GET", "/v1/campaigns/c-globex/events", "", nil)
	a.send(404, acmeViewer, "GET", "/v1/campaigns/nope/events", "", nil)

	first := a.events(acmeViewer, "/v1/campaigns/c-acme/events?limit=2")
	assert.Equal(t, []string{"campaign.started", "approval.decided"}, types(first))
	require.NotEmpty(t, first.NextPageToken)
	rest := a.events(acmeViewer, "/v1/campaigns/c-acme/events?limit=2&page_token="+first.NextPageToken)
	assert.Equal(t, []string{"campaign.paused"}, types(rest))
	assert.Empty(t, rest.NextPageToken)

	assert.Equal(t, []string{"approval.decided"}, types(a.events(admin, "/v1/audit?type=approval.&actor=dana@acme")))
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	assert.Equal(t, []string{"person.created", "campaign.paused", "approval.decided", "campaign.started"},
		types(a.events(admin, "/v1/audit?client=acme&since=1h&until="+until)))
	assert.Empty(t, a.events(admin, "/v1/audit?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z").Items)
}

// TestAuditParametersAreChecked: a bad parameter is a problem naming it,
// never a silently wrong list.
func TestAuditParametersAreChecked(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	a.seedFor("acme", "c-acme")
	for _, tc := range []struct {
		path   string
		status int
		names  string // what the detail must name
		field  string // errors[0].field, when the answer lists one
	}{
		{"/v1/audit?type=Approval.Decided", 400, "type", "type"},
		{"/v1/audit?type=approval..decided", 400, "type", "type"},
		{"/v1/audit?type=" + strings.Repeat("a", 65), 400, "type", "type"},
		{"/v1/audit?actor=" + strings.Repeat("x", 201), 400, "actor", "actor"},
		{"/v1/audit?since=yesterday", 400, "since", ""},
		{"/v1/audit?until=soon", 400, "until", ""},
		{"/v1/audit?since=4000d", 422, "", "since"},
		{"/v1/audit?since=1h&until=2h", 400, "since", "since"},
		{"/v1/audit?limit=0", 400, "limit", ""},
		{"/v1/audit?limit=201", 400, "limit", ""},
		{"/v1/audit?page_token=garbage", 400, "page_token", ""},
		{"/v1/audit?kind=approval.", 400, "kind", ""},
		{"/v1/campaigns/c-acme/events?type=approval.", 400, "type", ""},
		{"/v1/campaigns/c-acme/events?limit=500", 400, "limit", ""},
		{"/v1/campaigns/c-acme/events?page_token=garbage", 400, "page_token", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec, body := a.as(admin, "GET", tc.path, "")
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			assert.Contains(t, body["detail"], tc.names)
			if tc.field != "" {
				assert.Equal(t, []string{tc.field}, fields(body))
			}
		})
	}
}
