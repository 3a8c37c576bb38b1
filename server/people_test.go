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
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
)

// peopleAPI is an API with tokens on, and the store behind it.
type peopleAPI struct {
	approvalsAPI
}

func newPeopleAPI(t *testing.T) peopleAPI {
	t.Helper()
	return peopleAPI{newApprovalsAPI(t, server.Deps{Auth: true, LinkSecret: testSecret})}
}

// token makes a token straight in the store and returns its secret.
func (a peopleAPI) token(name, role string, clients ...string) string {
	a.t.Helper()
	_, secret, err := a.st.CreateToken(context.Background(), store.TokenSpec{Name: name, Role: role, Clients: clients})
	require.NoError(a.t, err)
	return secret
}

// as sends one JSON request with token and decodes the answer.
func (a peopleAPI) as(token, method, path, body string) (*httptest.ResponseRecorder, map[string]any) {
	a.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

// must sends a request that must answer status.
func (a peopleAPI) must(status int, token, method, path, body string) map[string]any {
	a.t.Helper()
	rec, out := a.as(token, method, path, body)
	require.Equal(a.t, status, rec.Code, "%s %s: %s", method, path, rec.Body.String())
	if status >= 400 {
		require.Equal(a.t, "application/problem+json", rec.Header().Get("Content-Type"))
	}
	return out
}

func fields(body map[string]any) []string {
	var out []string
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

func ids(body map[string]any) []string {
	out := []string{}
	items, _ := body["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

const dana = `{"id":"dana@acme","name":"Dana","clients":["acme"],"roles":["client-marketing-lead"],
	"channels":[{"kind":"email","address":"dana@acme.example"},{"kind":"slack","address":"U024BE7LH"}],"time_zone":"Europe/Paris"}`

func TestPersonValidationNamesFieldAndWhy(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	body := func(change string) string {
		return `{"id":"pat@acme","name":"Pat","clients":["acme"]` + change + `}`
	}
	tooMany := func(item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", 11), ",") + "]"
	}
	for _, tc := range []struct {
		name, body string
		field      string
		message    string
	}{
		{"upper-case id", `{"id":"Pat@acme","name":"Pat","clients":["acme"]}`, "id", "lower-case"},
		{"no id", `{"name":"Pat","clients":["acme"]}`, "id", "must be 1-64"},
		{"id too long", `{"id":"` + strings.Repeat("p", 65) + `","name":"Pat","clients":["acme"]}`, "id", "1-64"},
		{"no name", `{"id":"pat@acme","name":"  ","clients":["acme"]}`, "name", "required"},
		{"no clients", `{"id":"pat@acme","name":"Pat","clients":[]}`, "clients", "at least one client"},
		{"too many clients", `{"id":"pat@acme","name":"Pat","clients":` + tooMany(`"c"`) + `}`, "clients", "at most 10"},
		{"bad client", `{"id":"pat@acme","name":"Pat","clients":["acme","Beta Corp"]}`, "clients[1]", "not a client id"},
		{"client twice", `{"id":"pat@acme","name":"Pat","clients":["acme","acme"]}`, "clients[1]", "repeats clients[0]"},
		{"role with spaces", body(`,"roles":[" lead"]`), "roles[0]", "no surrounding spaces"},
		{"too many roles", body(`,"roles":` + tooMany(`"r"`)), "roles", "at most 10"},
		{"role twice", body(`,"roles":["lead","lead"]`), "roles[1]", "repeats roles[0]"},
		{"unknown channel kind", body(`,"channels":[{"kind":"sms","address":"+331"}]`), "channels[0].kind", "email, slack, webhook"},
		{"email with a display name", body(`,"channels":[{"kind":"email","address":"Pat <pat@acme.example>"}]`), "channels[0].address", "bare address (pat@acme.example)"},
		{"email in brackets", body(`,"channels":[{"kind":"email","address":"<pat@acme.example>"}]`), "channels[0].address", "bare address"},
		{"not an email", body(`,"channels":[{"kind":"email","address":"pat"}]`), "channels[0].address", "not an email address"},
		{"email too long", body(`,"channels":[{"kind":"email","address":"` + strings.Repeat("p", 250) + `@acme.example"}]`), "channels[0].address", "at most 254"},
		{"Slack name, not id", body(`,"channels":[{"kind":"slack","address":"@pat"}]`), "channels[0].address", "not a Slack user id"},
		{"Slack channel id", body(`,"channels":[{"kind":"slack","address":"C024BE91L"}]`), "channels[0].address", "not a Slack user id"},
		{"Slack id lower-case", body(`,"channels":[{"kind":"slack","address":"u024be7lh"}]`), "channels[0].address", "not a Slack user id"},
		{"webhook over http", body(`,"channels":[{"kind":"webhook","address":"http://hooks.example/pat"}]`), "channels[0].address", "must be https"},
		{"webhook with a password", body(`,"channels":[{"kind":"webhook","address":"https://pat:pw@hooks.example/"}]`), "channels[0].address", "user name or password"},
		{"webhook not a URL", body(`,"channels":[{"kind":"webhook","address":"hooks.example/pat"}]`), "channels[0].address", "absolute https URL"},
		{"webhook of another scheme", body(`,"channels":[{"kind":"webhook","address":"ftp://hooks.example/"}]`), "channels[0].address", "absolute https URL"},
		{"webhook too long", body(`,"channels":[{"kind":"webhook","address":"https://hooks.example/` + strings.Repeat("x", 2048) + `"}]`), "channels[0].address", "at most 2048 bytes"},
		{"channel twice", body(`,"channels":[{"kind":"slack","address":"U1X"},{"kind":"slack","address":"U1X"}]`), "channels[1]", "repeats channels[0]"},
		{"too many channels", body(`,"channels":` + tooMany(`{"kind":"slack","address":"U1X"}`)), "channels", "at most 10"},
		{"unknown time zone", body(`,"time_zone":"Mars/Olympus_Mons"`), "time_zone", "not a known IANA time zone"},
		{"the server's zone", body(`,"time_zone":"Local"`), "time_zone", "not a known IANA time zone"},
		{"a path, not a zone", body(`,"time_zone":"../../etc/passwd"`), "time_zone", "not a known IANA time zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := a.must(http.StatusUnprocessableEntity, admin, "POST", "/v1/people", tc.body)
			require.Equal(t, []string{tc.field}, fields(out), "%v", out)
			assert.Contains(t, out["errors"].([]any)[0].(map[string]any)["message"], tc.message)
		})
	}
	page, err := a.st.ListPeople(context.Background(), store.PeopleFilter{})
	require.NoError(t, err)
	require.Empty(t, page.Items, "nothing refused was written")

	// Every problem at once, each with its field.
	out := a.must(http.StatusUnprocessableEntity, admin, "POST", "/v1/people",
		`{"id":"X","name":"","clients":[],"channels":[{"kind":"email","address":"x"}],"time_zone":"Nowhere"}`)
	assert.Equal(t, []string{"id", "name", "clients", "channels[0].address", "time_zone"}, fields(out))

	a.must(http.StatusBadRequest, admin, "POST", "/v1/people", `{"id":"pat@acme","name":"Pat","clients":["acme"],"email":"pat@acme.example"}`)

	// What is accepted: plain http only to this machine, Enterprise Grid users, any IANA zone.
	for i, ok := range []string{
		`{"kind":"webhook","address":"http://127.0.0.1:9000/hook"}`,
		`{"kind":"webhook","address":"http://localhost/hook"}`,
		`{"kind":"webhook","address":"http://[::1]:8080/hook?k=v"}`,
		`{"kind":"webhook","address":"https://hooks.example/T0/B0?token=abc"}`,
		`{"kind":"slack","address":"W012A3CDE"}`,
		`{"kind":"email","address":"pat.o'neil+approvals@acme.example"}`,
	} {
		id := "ok" + string(rune('a'+i)) + "@acme"
		a.must(http.StatusCreated, admin, "POST", "/v1/people",
			`{"id":"`+id+`","name":"Ok","clients":["acme"],"channels":[`+ok+`],"time_zone":"America/Argentina/Buenos_Aires"}`)
	}
}

func TestPeopleCRUD(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)

	rec, created := a.as(admin, "POST", "/v1/people", dana)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Equal(t, "/v1/people/dana@acme", rec.Header().Get("Location"))
	assert.Equal(t, "Europe/Paris", created["time_zone"])
	assert.Equal(t, []any{
		map[string]any{"kind": "email", "address": "dana@acme.example"},
		map[string]any{"kind": "slack", "address": "U024BE7LH"},
	}, created["channels"])
	got := a.must(http.StatusOK, admin, "GET", "/v1/people/dana@acme", "")
	assert.Equal(t, created, got)

	a.must(http.StatusConflict, admin, "POST", "/v1/people", dana)
	out := a.must(http.StatusConflict, admin, "POST", "/v1/people",
		`{"id":"eve@acme","name":"Eve","clients":["acme"],"channels":[{"kind":"slack","address":"U024BE7LH"}]}`)
	assert.Equal(t, []string{"channels"}, fields(out))
	assert.NotContains(t, out["detail"], "dana", "the conflict does not say whose Slack user it is")

	// PUT replaces: what is left out is emptied; the path's id wins.
	put := a.must(http.StatusOK, admin, "PUT", "/v1/people/dana@acme", `{"name":"Dana D.","clients":["acme","beta"]}`)
	assert.Equal(t, "dana@acme", put["id"])
	assert.Equal(t, []any{}, put["roles"])
	assert.Equal(t, []any{}, put["channels"])
	assert.Equal(t, "UTC", put["time_zone"])
	assert.Equal(t, created["created_at"], put["created_at"])
	a.must(http.StatusOK, admin, "PUT", "/v1/people/dana@acme", `{"id":"dana@acme","name":"Dana","clients":["acme"]}`)
	out = a.must(http.StatusUnprocessableEntity, admin, "PUT", "/v1/people/dana@acme", `{"id":"dana@beta","name":"Dana","clients":["acme"]}`)
	assert.Equal(t, []string{"id"}, fields(out))
	a.must(http.StatusNotFound, admin, "PUT", "/v1/people/nobody@acme", `{"name":"Nobody","clients":["acme"]}`)

	list := a.must(http.StatusOK, admin, "GET", "/v1/people", "")
	assert.Equal(t, []string{"dana@acme"}, ids(list))
	assert.Equal(t, "", list["next_page_token"])
	a.must(http.StatusBadRequest, admin, "GET", "/v1/people?clinet=acme", "")
	a.must(http.StatusBadRequest, admin, "GET", "/v1/people?limit=0", "")
	a.must(http.StatusBadRequest, admin, "GET", "/v1/people?page_token=nope", "")

	rec, _ = a.as(admin, "DELETE", "/v1/people/dana@acme", "")
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	assert.Empty(t, rec.Body.String())
	a.must(http.StatusNotFound, admin, "GET", "/v1/people/dana@acme", "")
	a.must(http.StatusNotFound, admin, "DELETE", "/v1/people/dana@acme", "")
}

func TestPeopleListFiltersAndPages(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	for _, p := range []string{
		`{"id":"a@acme","name":"A","clients":["acme"],"roles":["lead"]}`,
		`{"id":"b@acme","name":"B","clients":["acme"]}`,
		`{"id":"c@beta","name":"C","clients":["beta"],"roles":["lead"]}`,
	} {
		a.must(http.StatusCreated, admin, "POST", "/v1/people", p)
	}
	assert.Equal(t, []string{"a@acme", "b@acme"}, ids(a.must(http.StatusOK, admin, "GET", "/v1/people?client=acme", "")))
	assert.Equal(t, []string{"a@acme", "c@beta"}, ids(a.must(http.StatusOK, admin, "GET", "/v1/people?role=lead", "")))
	assert.Equal(t, []string{"a@acme"}, ids(a.must(http.StatusOK, admin, "GET", "/v1/people?client=acme&role=lead", "")))

	first := a.must(http.StatusOK, admin, "GET", "/v1/people?limit=2", "")
	assert.Equal(t, []string{"a@acme", "b@acme"}, ids(first))
	next := first["next_page_token"].(string)
	require.NotEmpty(t, next)
	second := a.must(http.StatusOK, admin, "GET", "/v1/people?limit=2&page_token="+next, "")
	assert.Equal(t, []string{"c@beta"}, ids(second))
	assert.Equal(t, "", second["next_page_token"])
}

// A client-scoped token sees and manages only people all of whose clients are
// its own: another client's person is absent, and no person is put outside.
func TestPeopleAreScopedToTheTokensClients(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	ops := a.token("ops@acme", api.RoleOperator, "acme")
	both := a.token("ops@agency", api.RoleOperator, "acme", "beta")
	approver := a.token("sam@acme", api.RoleApprover, "acme")
	viewer := a.token("vic", api.RoleViewer)

	a.must(http.StatusCreated, admin, "POST", "/v1/people", dana)
	a.must(http.StatusCreated, admin, "POST", "/v1/people", `{"id":"lee@beta","name":"Lee","clients":["beta"]}`)
	a.must(http.StatusCreated, admin, "POST", "/v1/people", `{"id":"kim@agency","name":"Kim","clients":["acme","beta"]}`)

	assert.Equal(t, []string{"dana@acme"}, ids(a.must(http.StatusOK, ops, "GET", "/v1/people", "")))
	assert.Equal(t, []string{}, ids(a.must(http.StatusOK, ops, "GET", "/v1/people?client=beta", "")))
	assert.Equal(t, []string{"dana@acme", "kim@agency", "lee@beta"}, ids(a.must(http.StatusOK, both, "GET", "/v1/people", "")))
	a.must(http.StatusOK, ops, "GET", "/v1/people/dana@acme", "")
	for _, id := range []string{"lee@beta", "kim@agency"} {
		a.must(http.StatusNotFound, ops, "GET", "/v1/people/"+id, "")
		a.must(http.StatusNotFound, ops, "PUT", "/v1/people/"+id, `{"name":"Mine now","clients":["acme"]}`)
		a.must(http.StatusNotFound, ops, "DELETE", "/v1/people/"+id, "")
	}
	for _, body := range []string{
		`{"id":"eve@beta","name":"Eve","clients":["beta"]}`,
		`{"id":"eve@acme","name":"Eve","clients":["acme","beta"]}`,
	} {
		out := a.must(http.StatusForbidden, ops, "POST", "/v1/people", body)
		assert.Contains(t, out["detail"], "client(s) beta")
	}
	a.must(http.StatusForbidden, ops, "PUT", "/v1/people/dana@acme", `{"name":"Dana","clients":["acme","beta"]}`)

	a.must(http.StatusCreated, ops, "POST", "/v1/people", `{"id":"pat@acme","name":"Pat","clients":["acme"]}`)
	a.must(http.StatusOK, ops, "PUT", "/v1/people/pat@acme", `{"name":"Pat P.","clients":["acme"],"roles":["lead"]}`)
	rec, _ := a.as(ops, "DELETE", "/v1/people/pat@acme", "")
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())

	for _, tok := range []string{approver, viewer} {
		a.must(http.StatusForbidden, tok, "GET", "/v1/people", "")
		a.must(http.StatusForbidden, tok, "POST", "/v1/people", `{"id":"x@acme","name":"X","clients":["acme"]}`)
	}

	// Nothing the refusals touched changed.
	lee, err := a.st.GetPerson(context.Background(), "lee@beta")
	require.NoError(t, err)
	assert.Equal(t, "Lee", lee.Name)
	_, err = a.st.GetPerson(context.Background(), "eve@beta")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestTokensThatBelongToAPerson(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	betaAdmin := a.token("root@beta", api.RoleAdmin, "beta")
	a.must(http.StatusCreated, admin, "POST", "/v1/people", dana)

	for _, tc := range []struct {
		name, body, field string
	}{
		{"own approval roles", `{"person":"dana@acme","role":"approver","approval_roles":["agency-lead"]}`, "approval_roles"},
		{"another name", `{"person":"dana@acme","name":"someone-else","role":"approver"}`, "name"},
		{"unknown person", `{"person":"nobody@acme","role":"approver"}`, "person"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := a.must(http.StatusUnprocessableEntity, admin, "POST", "/v1/tokens", tc.body)
			assert.Equal(t, []string{tc.field}, fields(out))
		})
	}
	out := a.must(http.StatusUnprocessableEntity, betaAdmin, "POST", "/v1/tokens", `{"person":"dana@acme","role":"approver"}`)
	assert.Equal(t, []string{"person"}, fields(out), "another client's person is unknown to a scoped admin")

	tok := a.must(http.StatusCreated, admin, "POST", "/v1/tokens", `{"person":"dana@acme","name":"dana@acme","role":"approver","clients":["acme"]}`)
	assert.Equal(t, "dana@acme", tok["name"])
	assert.Equal(t, "dana@acme", tok["person"])
	assert.Equal(t, []any{}, tok["approval_roles"])
	secret := tok["token"].(string)
	listed := a.must(http.StatusOK, admin, "GET", "/v1/tokens", "")
	var people []any
	for _, it := range listed["items"].([]any) {
		people = append(people, it.(map[string]any)["person"])
	}
	assert.Equal(t, []any{nil, nil, "dana@acme"}, people, "only the person's token names a person")

	// It acts as the person: `by` may repeat the person's id, nobody else's.
	out = a.must(http.StatusForbidden, secret, "POST", "/v1/approvals/nope/decision", `{"decision":"approve","by":"someone-else"}`)
	assert.Contains(t, out["detail"], "this token acts as dana@acme")
	a.must(http.StatusNotFound, secret, "POST", "/v1/approvals/nope/decision", `{"decision":"approve","by":"dana@acme"}`)

	// Its approver roles are the person's, on the person's clients, read at each request.
	a.seed("c1", pendingApproval("c1.approve", time.Hour, `[{"role":"client-marketing-lead"}]`))
	link := a.must(http.StatusCreated, secret, "POST", "/v1/approvals/c1.approve/links", `{}`)
	assert.Equal(t, map[string]any{"id": "dana@acme", "role": "client-marketing-lead"}, link["approver"])
	out = a.must(http.StatusForbidden, secret, "POST", "/v1/approvals/c1.approve/links", `{"approver":{"role":"agency-lead"}}`)
	assert.Contains(t, out["detail"], "directory")

	a.seedFor("beta", "c2", pendingApproval("c2.approve", time.Hour, `[{"role":"client-marketing-lead"}]`))
	unscoped := a.must(http.StatusCreated, admin, "POST", "/v1/tokens", `{"person":"dana@acme","role":"approver"}`)["token"].(string)
	a.must(http.StatusForbidden, unscoped, "POST", "/v1/approvals/c2.approve/links", `{}`)
	out = a.must(http.StatusForbidden, unscoped, "POST", "/v1/approvals/c2.approve/links", `{"approver":{"role":"client-marketing-lead"}}`)
	assert.Contains(t, out["detail"], "for client beta", "dana's role is acme's, not beta's")

	a.must(http.StatusOK, admin, "PUT", "/v1/people/dana@acme", `{"name":"Dana","clients":["acme"],"roles":["agency-lead"]}`)
	a.must(http.StatusForbidden, secret, "POST", "/v1/approvals/c1.approve/links", `{}`)

	// A person with live tokens stays; revoked, it goes.
	out = a.must(http.StatusConflict, admin, "DELETE", "/v1/people/dana@acme", "")
	assert.Equal(t, []string{"tokens", "tokens"}, fields(out))
	assert.Contains(t, out["detail"], tok["id"])
	for _, item := range listed["items"].([]any) {
		if it := item.(map[string]any); it["person"] != nil {
			a.must(http.StatusOK, admin, "POST", "/v1/tokens/"+it["id"].(string)+"/revoke", "")
		}
	}
	out = a.must(http.StatusConflict, admin, "DELETE", "/v1/people/dana@acme", "")
	assert.Equal(t, []string{"tokens"}, fields(out), "the unscoped token is still live")
	var unscopedID string
	for _, item := range a.must(http.StatusOK, admin, "GET", "/v1/tokens", "")["items"].([]any) {
		if it := item.(map[string]any); it["person"] != nil && it["revoked_at"] == nil {
			unscopedID = it["id"].(string)
		}
	}
	a.must(http.StatusOK, admin, "POST", "/v1/tokens/"+unscopedID+"/revoke", "")
	rec, _ := a.as(admin, "DELETE", "/v1/people/dana@acme", "")
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	a.must(http.StatusUnauthorized, secret, "GET", "/v1/campaigns", "")
}

// A token whose person is gone (only by editing the database: the API does not
// delete a person with live tokens) acts as nobody.
func TestTokenOfAMissingPersonIsRefused(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	a.must(http.StatusCreated, admin, "POST", "/v1/people", dana)
	secret := a.must(http.StatusCreated, admin, "POST", "/v1/tokens", `{"person":"dana@acme","role":"viewer"}`)["token"].(string)
	a.must(http.StatusOK, secret, "GET", "/v1/campaigns", "")
	require.NoError(t, a.st.DB().Exec("DELETE FROM people WHERE id = ?", "dana@acme").Error)
	out := a.must(http.StatusUnauthorized, secret, "GET", "/v1/campaigns", "")
	assert.Contains(t, out["detail"], "no longer in the directory")
}
