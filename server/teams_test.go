package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
)

// problemMessage is the message of the body's only error, naming field.
func problemMessage(t *testing.T, body map[string]any, field string) string {
	t.Helper()
	require.Equal(t, []string{field}, fields(body), "%v", body)
	return body["errors"].([]any)[0].(map[string]any)["message"].(string)
}

func TestTokensHaveATeam(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)

	tok := a.must(http.StatusCreated, admin, "POST", "/v1/tokens", `{"name":"ops","role":"operator","team":"team-x"}`)
	assert.Equal(t, "team-x", tok["team"])
	stored, err := a.st.GetToken(context.Background(), tok["id"].(string))
	require.NoError(t, err)
	assert.Equal(t, "team-x", stored.Team)
	none := a.must(http.StatusCreated, admin, "POST", "/v1/tokens", `{"name":"bot","role":"viewer"}`)
	assert.Equal(t, "", none["team"], "no team is shown as none")

	teams := map[string]any{}
	for _, it := range a.must(http.StatusOK, admin, "GET", "/v1/tokens", "")["items"].([]any) {
		teams[it.(map[string]any)["name"].(string)] = it.(map[string]any)["team"]
	}
	assert.Equal(t, map[string]any{"root": "", "ops": "team-x", "bot": ""}, teams)

	for _, bad := range []string{"Team X", "-x", "team/x"} {
		out := a.must(http.StatusUnprocessableEntity, admin, "POST", "/v1/tokens", `{"name":"ops","role":"operator","team":"`+bad+`"}`)
		assert.Contains(t, problemMessage(t, out, "team"), "is not a team id")
	}
	a.must(http.StatusBadRequest, admin, "POST", "/v1/tokens", `{"name":"ops","role":"operator","team":["team-x"]}`)
}

func TestAPersonsTokenHasThePersonsTeam(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	a.must(http.StatusCreated, admin, "POST", "/v1/people", `{"id":"dana@acme","name":"Dana","clients":["acme"],"team":"team-x"}`)
	a.must(http.StatusCreated, admin, "POST", "/v1/people", `{"id":"lee@acme","name":"Lee","clients":["acme"]}`)

	tok := a.must(http.StatusCreated, admin, "POST", "/v1/tokens", `{"person":"dana@acme","role":"approver"}`)
	assert.Equal(t, "team-x", tok["team"], "left out: the person's")
	tok = a.must(http.StatusCreated, admin, "POST", "/v1/tokens", `{"person":"dana@acme","role":"approver","team":"team-x"}`)
	assert.Equal(t, "team-x", tok["team"], "repeating the person's team is fine")

	out := a.must(http.StatusUnprocessableEntity, admin, "POST", "/v1/tokens", `{"person":"dana@acme","role":"approver","team":"team-y"}`)
	msg := problemMessage(t, out, "team")
	assert.Contains(t, msg, "dana@acme is in team-x, not team-y")
	out = a.must(http.StatusUnprocessableEntity, admin, "POST", "/v1/tokens", `{"person":"lee@acme","role":"approver","team":"team-y"}`)
	assert.Contains(t, problemMessage(t, out, "team"), "lee@acme has none")
	assert.Len(t, a.must(http.StatusOK, admin, "GET", "/v1/tokens", "")["items"], 3, "no refused token was written")

	// Moving the person moves the tokens shown.
	a.must(http.StatusOK, admin, "PUT", "/v1/people/dana@acme", `{"name":"Dana","clients":["acme"],"team":"team-y"}`)
	for _, it := range a.must(http.StatusOK, admin, "GET", "/v1/tokens", "")["items"].([]any) {
		if it := it.(map[string]any); it["person"] == "dana@acme" {
			assert.Equal(t, "team-y", it["team"])
		}
	}
}

func TestOnlyAdminsSetAPersonsTeam(t *testing.T) {
	a := newPeopleAPI(t)
	admin := a.token("root", api.RoleAdmin)
	ops := a.token("ops@acme", api.RoleOperator, "acme")

	created := a.must(http.StatusCreated, admin, "POST", "/v1/people", `{"id":"dana@acme","name":"Dana","clients":["acme"],"team":"team-x"}`)
	assert.Equal(t, "team-x", created["team"])
	assert.Equal(t, created, a.must(http.StatusOK, admin, "GET", "/v1/people/dana@acme", ""))
	out := a.must(http.StatusUnprocessableEntity, admin, "POST", "/v1/people", `{"id":"pat@acme","name":"Pat","clients":["acme"],"team":"Team X"}`)
	assert.Contains(t, problemMessage(t, out, "team"), `"Team X" is not a team id`)

	// An operator manages people, but not their teams.
	out = a.must(http.StatusForbidden, ops, "POST", "/v1/people", `{"id":"pat@acme","name":"Pat","clients":["acme"],"team":"team-x"}`)
	assert.Contains(t, problemMessage(t, out, "team"), "only an admin")
	a.must(http.StatusNotFound, admin, "GET", "/v1/people/pat@acme", "")
	pat := a.must(http.StatusCreated, ops, "POST", "/v1/people", `{"id":"pat@acme","name":"Pat","clients":["acme"]}`)
	assert.Equal(t, "", pat["team"])

	for _, body := range []string{
		`{"name":"Dana","clients":["acme"],"team":"team-y"}`,
		`{"name":"Dana","clients":["acme"]}`, // PUT replaces: leaving team out would clear it
	} {
		out = a.must(http.StatusForbidden, ops, "PUT", "/v1/people/dana@acme", body)
		assert.Contains(t, problemMessage(t, out, "team"), `dana@acme is in team-x: send "team": "team-x" to keep it`)
	}
	out = a.must(http.StatusForbidden, ops, "PUT", "/v1/people/pat@acme", `{"name":"Pat","clients":["acme"],"team":"team-x"}`)
	assert.Contains(t, problemMessage(t, out, "team"), "pat@acme is in none")
	kept, err := a.st.GetPerson(context.Background(), "dana@acme")
	require.NoError(t, err)
	assert.Equal(t, "team-x", kept.Team)
	assert.Equal(t, "Dana", kept.Name)

	put := a.must(http.StatusOK, ops, "PUT", "/v1/people/dana@acme", `{"name":"Dana D.","clients":["acme"],"team":"team-x"}`)
	assert.Equal(t, "team-x", put["team"], "keeping the team is no change")
	assert.Equal(t, "Dana D.", put["name"])

	put = a.must(http.StatusOK, admin, "PUT", "/v1/people/dana@acme", `{"name":"Dana D.","clients":["acme"]}`)
	assert.Equal(t, "", put["team"], "an admin's PUT without a team takes the person out of it")
}
