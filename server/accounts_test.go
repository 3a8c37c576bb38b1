package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
)

const acmeX = `{"platform":"x","handle":"@AcmeCo","connector":"sandbox","team":"team-x","credential":"acme.x-token"}`

func auditTypes(t *testing.T, st *store.Store, client string) []string {
	t.Helper()
	page, err := st.ListAudit(context.Background(), store.AuditFilter{ClientIDs: []string{client}})
	require.NoError(t, err)
	out := []string{}
	for _, e := range page.Items {
		out = append(out, e.Kind)
	}
	return out
}

func TestAccountsLifecycle(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("admin", "admin")
	base := "/v1/clients/acme/accounts"

	created := a.must(http.StatusCreated, admin, "POST", base, acmeX)
	id := created["id"].(string)
	assert.Equal(t, "acme", created["client"])
	assert.Equal(t, "acmeco", created["handle"], "stored in the platform's normal form")
	assert.Equal(t, "acme.x-token", created["credential"])

	got := a.must(http.StatusOK, admin, "GET", base+"/"+id, "")
	assert.Equal(t, created, got)

	taken := a.must(http.StatusConflict, admin, "POST", base, `{"platform":"x","handle":"https://x.com/acmeco","connector":"webhook","endpoint":"https://hooks.acme.example/greenlight","credential":"acme.hook"}`)
	assert.Equal(t, []string{"handle"}, fields(taken), "another spelling of the same account is the same account")

	a.must(http.StatusCreated, admin, "POST", base, `{"platform":"mastodon","handle":"@acme@mastodon.social","connector":"mastodon","team":"team-y","credential":"acme.mastodon"}`)
	a.must(http.StatusCreated, admin, "POST", "/v1/clients/beta/accounts", acmeX)
	assert.Len(t, ids(a.must(http.StatusOK, admin, "GET", base, "")), 2)
	assert.Equal(t, []string{id}, ids(a.must(http.StatusOK, admin, "GET", base+"?team=team-x", "")))
	assert.Len(t, ids(a.must(http.StatusOK, admin, "GET", base+"?platform=mastodon", "")), 1)

	updated := a.must(http.StatusOK, admin, "PUT", base+"/"+id, `{"platform":"x","handle":"acmeco","connector":"webhook","endpoint":"http://127.0.0.1:9/hook","credential":"acme.hook"}`)
	assert.Equal(t, "webhook", updated["connector"])
	assert.Equal(t, "", updated["team"], "PUT replaces every field")
	assert.Equal(t, "acme.hook", updated["credential"])
	assert.Equal(t, "http://127.0.0.1:9/hook", updated["endpoint"])
	assert.Equal(t, created["created_at"], updated["created_at"])

	a.must(http.StatusNotFound, admin, "GET", "/v1/clients/beta/accounts/"+id, "")
	a.must(http.StatusNotFound, admin, "PUT", "/v1/clients/beta/accounts/"+id, acmeX)
	a.must(http.StatusNoContent, admin, "DELETE", base+"/"+id, "")
	a.must(http.StatusNotFound, admin, "GET", base+"/"+id, "")
	a.must(http.StatusNotFound, admin, "DELETE", base+"/"+id, "")

	assert.Equal(t, []string{"account.deleted", "account.updated", "account.created", "account.created"}, auditTypes(t, a.st, "acme"),
		"each change recorded, the refused one not")
}

func TestAccountsValidation(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("admin", "admin")
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"unknown platform", `{"platform":"myspace","handle":"@a","connector":"sandbox"}`, []string{"platform"}},
		{"handle of another platform", `{"platform":"x","handle":"https://www.instagram.com/acme","connector":"sandbox"}`, []string{"handle"}},
		{"empty handle", `{"platform":"x","handle":"","connector":"sandbox"}`, []string{"handle"}},
		{"long handle", `{"platform":"x","handle":"` + strings.Repeat("a", 400) + `","connector":"sandbox"}`, []string{"handle"}},
		{"unknown connector", `{"platform":"x","handle":"@a","connector":"carrier-pigeon"}`, []string{"connector"}},
		{"bad team", `{"platform":"x","handle":"@a","connector":"sandbox","team":"Team X"}`, []string{"team"}},
		{"bad credential", `{"platform":"x","handle":"@a","connector":"sandbox","credential":"sk-LIVE/secret"}`, []string{"credential"}},
		{"webhook without a receiver or a credential", `{"platform":"x","handle":"@a","connector":"webhook"}`, []string{"endpoint", "credential"}},
		{"plain http off loopback", `{"platform":"x","handle":"@a","connector":"webhook","credential":"h","endpoint":"http://hooks.example/x"}`, []string{"endpoint"}},
		{"password in the endpoint", `{"platform":"x","handle":"@a","connector":"webhook","credential":"h","endpoint":"https://u:sk-LIVE@hooks.example/x"}`, []string{"endpoint"}},
		{"sandbox with an endpoint", `{"platform":"x","handle":"@a","connector":"sandbox","endpoint":"https://hooks.example/x"}`, []string{"endpoint"}},
		{"everything", `{"platform":"x","handle":"not a handle!","connector":"","team":"-","credential":"A"}`, []string{"handle", "connector", "team", "credential"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, body := a.as(admin, "POST", "/v1/clients/acme/accounts", tt.body)
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
			assert.Equal(t, tt.want, fields(body))
			assert.NotContains(t, rec.Body.String(), "sk-LIVE", "a pasted secret is not echoed")
		})
	}
	assert.Empty(t, ids(a.must(http.StatusOK, admin, "GET", "/v1/clients/acme/accounts", "")), "nothing half-written")
	a.must(http.StatusBadRequest, admin, "GET", "/v1/clients/NOT%20A%20CLIENT/accounts", "")
}

func (a peopleAPI) teamToken(name, role, team string, clients ...string) string {
	a.t.Helper()
	_, secret, err := a.st.CreateToken(context.Background(), store.TokenSpec{Name: name, Role: role, Team: team, Clients: clients})
	require.NoError(a.t, err)
	return secret
}

func TestAccountsAreScopedAndNeedTheRight(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("admin", "admin")
	id := a.must(http.StatusCreated, admin, "POST", "/v1/clients/acme/accounts", acmeX)["id"].(string)
	one := "/v1/clients/acme/accounts/" + id

	betaOps := a.token("beta-ops", "operator", "beta")
	a.must(http.StatusNotFound, betaOps, "GET", "/v1/clients/acme/accounts", "")
	a.must(http.StatusNotFound, betaOps, "GET", one, "")
	a.must(http.StatusNotFound, betaOps, "POST", "/v1/clients/acme/accounts", acmeX)
	a.must(http.StatusNotFound, betaOps, "PUT", one, acmeX)
	a.must(http.StatusNotFound, betaOps, "DELETE", one, "")

	// The account is team-x's: an operator of no team or of another team may
	// not edit it onto themselves, or delete it.
	acmeOps := a.token("acme-ops", "operator", "acme")
	a.must(http.StatusForbidden, acmeOps, "PUT", one, strings.Replace(acmeX, "team-x", "", 1))
	yOps := a.teamToken("acme-y-ops", "operator", "team-y", "acme")
	refused := a.must(http.StatusForbidden, yOps, "PUT", one, strings.Replace(acmeX, "team-x", "team-y", 1))
	assert.Contains(t, refused["detail"], "belongs to team team-x")
	a.must(http.StatusForbidden, yOps, "DELETE", one, "")
	xOps := a.teamToken("acme-x-ops", "operator", "team-x", "acme")
	a.must(http.StatusOK, xOps, "PUT", one, acmeX)
	refused = a.must(http.StatusForbidden, xOps, "PUT", one, strings.Replace(acmeX, "team-x", "team-y", 1))
	assert.Contains(t, refused["detail"], "only an admin may give an account to team team-y")
	a.must(http.StatusForbidden, yOps, "POST", "/v1/clients/acme/accounts", `{"platform":"x","handle":"@other","connector":"sandbox","team":"team-x"}`)

	// While a campaign holds it, the account keeps its owner and exists.
	now := time.Now().UTC()
	acc, err := a.st.GetAccount(context.Background(), "acme", id)
	require.NoError(t, err)
	require.NoError(t, a.st.CreateCampaignHolding(context.Background(), &store.Campaign{ID: "c-held", WorkflowID: "wf-c-held",
		ClientID: "acme", Playbook: "pb", PlaybookVersion: 1, Params: "{}", Status: "running", CreatedAt: now, UpdatedAt: now},
		"team-x", []store.HoldRequest{{Account: *acc}}))
	held := a.must(http.StatusConflict, admin, "DELETE", one, "")
	assert.Contains(t, held["detail"], "held by campaign c-held")
	a.must(http.StatusConflict, admin, "PUT", one, strings.Replace(acmeX, "team-x", "team-y", 1))
	a.must(http.StatusOK, admin, "PUT", one, strings.Replace(acmeX, `"acme.x-token"`, `"acme.x-token-2"`, 1))

	viewer := a.token("acme-viewer", "viewer", "acme")
	assert.Equal(t, []string{id}, ids(a.must(http.StatusOK, viewer, "GET", "/v1/clients/acme/accounts", "")))
	a.must(http.StatusOK, viewer, "GET", one, "")
	a.must(http.StatusForbidden, viewer, "POST", "/v1/clients/acme/accounts", acmeX)
	a.must(http.StatusForbidden, viewer, "PUT", one, acmeX)
	a.must(http.StatusForbidden, viewer, "DELETE", one, "")
	approver := a.token("acme-approver", "approver", "acme")
	a.must(http.StatusForbidden, approver, "DELETE", one, "")
	a.must(http.StatusOK, admin, "GET", one, "")
}
