package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
)

// peoplePlaybook asks for one approval by anyone holding an approver role, so
// who may decide is whoever the directory gives that role.
const peoplePlaybook = `name: e2e-people
version: 1
description: One approval by role, for the people directory's end-to-end test.
params:
  - name: brand
    type: string
    required: true
steps:
  - id: approve
    name: Approve one post
    approval:
      title: Publish one post for ${params.brand}?
      timeout: 1h
      on_timeout: reject
      approvers:
        - role: client-marketing-lead
  - id: publish
    needs: approve
    action: publish_posts
    with: {brand: "${params.brand}", count: 1}
`

// TestPeopleEndToEnd: the directory on the real stack. An admin fills it for
// two clients; a client's operator sees and manages only its own people; and a
// token that belongs to a person decides as that person, in the roles the
// directory gives it, never as anyone a body names.
func TestPeopleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	admin := d.AdminToken
	must := func(token string, status int, method, path, body string) string {
		t.Helper()
		code, _, raw := as(t, d.APIURL, token, method, path, body)
		require.Equal(t, status, code, "%s %s: %s", method, path, raw)
		return raw
	}
	listed := func(raw string) []string {
		t.Helper()
		var l struct{ Items []api.PersonView }
		require.NoError(t, json.Unmarshal([]byte(raw), &l), raw)
		ids := []string{}
		for _, p := range l.Items {
			ids = append(ids, p.ID)
		}
		return ids
	}

	// The admin fills the directory for acme and globex.
	must(admin, http.StatusCreated, "POST", "/v1/people", `{"id":"dana@acme","name":"Dana","clients":["acme"],
		"roles":["client-marketing-lead"],"channels":[{"kind":"email","address":"dana@acme.example"},{"kind":"slack","address":"U024BE7LH"}],
		"time_zone":"Europe/Paris"}`)
	must(admin, http.StatusCreated, "POST", "/v1/people", `{"id":"lee@globex","name":"Lee","clients":["globex"],"roles":["client-marketing-lead"]}`)
	must(admin, http.StatusCreated, "POST", "/v1/people", `{"id":"kim@agency","name":"Kim","clients":["acme","globex"]}`)
	assert.Equal(t, []string{"dana@acme", "kim@agency", "lee@globex"}, listed(must(admin, http.StatusOK, "GET", "/v1/people", "")))

	// acme's operator sees acme's people only; globex's are absent, and none may be put there.
	var ops api.TokenView
	require.NoError(t, json.Unmarshal([]byte(must(admin, http.StatusCreated, "POST", "/v1/tokens",
		`{"name":"ops@acme","role":"operator","clients":["acme"]}`)), &ops))
	assert.Equal(t, []string{"dana@acme"}, listed(must(ops.Token, http.StatusOK, "GET", "/v1/people", "")))
	assert.Equal(t, []string{}, listed(must(ops.Token, http.StatusOK, "GET", "/v1/people?client=globex", "")))
	for _, id := range []string{"lee@globex", "kim@agency"} {
		must(ops.Token, http.StatusNotFound, "GET", "/v1/people/"+id, "")
		must(ops.Token, http.StatusNotFound, "PUT", "/v1/people/"+id, `{"name":"Taken","clients":["acme"]}`)
		must(ops.Token, http.StatusNotFound, "DELETE", "/v1/people/"+id, "")
	}
	must(ops.Token, http.StatusForbidden, "POST", "/v1/people", `{"id":"eve@globex","name":"Eve","clients":["globex"]}`)
	must(ops.Token, http.StatusForbidden, "PUT", "/v1/people/dana@acme", `{"name":"Dana","clients":["acme","globex"],"roles":["client-marketing-lead"]}`)
	must(ops.Token, http.StatusOK, "GET", "/v1/people/dana@acme", "")
	var lee api.PersonView
	require.NoError(t, json.Unmarshal([]byte(must(admin, http.StatusOK, "GET", "/v1/people/lee@globex", "")), &lee))
	assert.Equal(t, "Lee", lee.Name, "untouched by the refused calls")

	// A token that belongs to dana decides as dana, in the role the directory gives her.
	must(admin, http.StatusCreated, "POST", "/v1/playbooks?client=acme", peoplePlaybook)
	var danaTok api.TokenView
	require.NoError(t, json.Unmarshal([]byte(must(admin, http.StatusCreated, "POST", "/v1/tokens",
		`{"person":"dana@acme","role":"approver","clients":["acme"]}`)), &danaTok))
	require.Equal(t, "dana@acme", danaTok.Person)
	require.Equal(t, "dana@acme", danaTok.Name)

	e := approvalsE2E{t: t, d: d}
	campaign, approval := e.pending(t, "e2e-people", "acme")
	decision := "/v1/approvals/" + url.PathEscape(approval) + "/decision"
	must(danaTok.Token, http.StatusForbidden, "POST", decision, `{"decision":"approve","by":"someone-else"}`)

	// Without the role in the directory she is no approver; given it back, she is.
	must(admin, http.StatusOK, "PUT", "/v1/people/dana@acme", `{"name":"Dana","clients":["acme"]}`)
	must(danaTok.Token, http.StatusForbidden, "POST", decision, `{"decision":"approve"}`)
	require.Equal(t, api.ApprovalPending, e.approval(t, approval).Status)
	must(admin, http.StatusOK, "PUT", "/v1/people/dana@acme", `{"name":"Dana","clients":["acme"],"roles":["client-marketing-lead"]}`)

	must(danaTok.Token, http.StatusOK, "POST", decision, `{"decision":"approve","comment":"from the directory"}`)
	decided := e.approval(t, approval)
	assert.Equal(t, api.ApprovalApproved, decided.Status)
	assert.Equal(t, "dana@acme", decided.DecidedBy)
	require.Len(t, decided.Votes, 1)
	assert.Equal(t, "dana@acme", decided.Votes[0].By)
	assert.Equal(t, "client-marketing-lead", decided.Votes[0].Role)
	apiClient{t: t, base: d.APIURL}.waitFor(campaign, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })

	// Dana stays while her token works; revoked, she may go.
	must(admin, http.StatusConflict, "DELETE", "/v1/people/dana@acme", "")
	must(admin, http.StatusOK, "POST", "/v1/tokens/"+danaTok.ID+"/revoke", "")
	must(ops.Token, http.StatusNoContent, "DELETE", "/v1/people/dana@acme", "")
}
