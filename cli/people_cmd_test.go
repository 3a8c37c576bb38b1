package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const danaJSON = `{"id":"dana@acme","name":"Dana","clients":["acme"],"roles":["client-marketing-lead"],
	"channels":[{"kind":"email","address":"dana@acme.example"},{"kind":"slack","address":"U024BE7LH"}],
	"time_zone":"Europe/Paris","team":"team-x","created_at":"2026-03-01T10:00:00Z","updated_at":"2026-03-01T10:00:00Z"}`

// directoryAPI answers GET with dana and any write with what was sent (plus
// times), recording every request in order.
func directoryAPI(t *testing.T) (string, *[]seen) {
	t.Helper()
	return echoAPI(t, danaJSON, map[string]any{"id": "dana@acme"})
}

// echoAPI answers GET with got and any write with what was sent, plus times
// and the fields of absent the body leaves out, recording every request in order.
func echoAPI(t *testing.T, got string, absent map[string]any) (string, *[]seen) {
	t.Helper()
	return recordingAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			io.WriteString(w, got)
			return
		}
		var v map[string]any
		_ = json.Unmarshal(body, &v)
		for k, val := range absent {
			if v[k] == nil {
				v[k] = val
			}
		}
		v["created_at"], v["updated_at"] = "2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z"
		out, _ := json.Marshal(v)
		w.Write(out)
	})
}

func TestPeopleCreateSendsChannelsInOrder(t *testing.T) {
	base, requests := directoryAPI(t)

	stdout, stderr, code := runCLI(t, base, "people", "create", "dana@acme", "--name", "Dana", "--client", "acme",
		"--role", "client-marketing-lead", "--channel", "slack:U024BE7LH", "--channel", "email:dana@acme.example",
		"--channel", "webhook:https://hooks.example/a?b=c:d", "--time-zone", "Europe/Paris")

	require.Equal(t, 0, code, stderr)
	got := *requests
	require.Len(t, got, 1)
	assert.Equal(t, "POST /v1/people", got[0].method+" "+got[0].path)
	assert.JSONEq(t, `{"id":"dana@acme","name":"Dana","clients":["acme"],"roles":["client-marketing-lead"],
		"channels":[{"kind":"slack","address":"U024BE7LH"},{"kind":"email","address":"dana@acme.example"},
			{"kind":"webhook","address":"https://hooks.example/a?b=c:d"}],"time_zone":"Europe/Paris"}`, string(got[0].body))
	assert.Contains(t, stderr, "person dana@acme created")
	assert.Contains(t, stdout, "Channel 1  slack U024BE7LH")
	assert.Contains(t, stdout, "Channel 3  webhook https://hooks.example/a?b=c:d")
}

func TestPeopleCommandsRefuseBadUsageWithoutCalling(t *testing.T) {
	base, requests := directoryAPI(t)
	for _, args := range [][]string{
		{"people", "create", "dana@acme", "--client", "acme"},
		{"people", "create", "dana@acme", "--name", "Dana"},
		{"people", "create", "dana@acme", "--name", "Dana", "--client", "acme", "--channel", "sms:+3312345"},
		{"people", "create", "dana@acme", "--name", "Dana", "--client", "acme", "--channel", "dana@acme.example"},
		{"people", "create", "--name", "Dana", "--client", "acme"},
		{"people", "update", "dana@acme"},
		{"people", "update", "dana@acme", "--json"},
		{"people", "show"},
		{"people", "fire", "dana@acme"},
		{"tokens", "create", "--person", "dana@acme", "--role", "approver", "--approval-role", "agency-lead"},
		{"tokens", "create", "--role", "approver"},
	} {
		_, stderr, code := runCLI(t, base, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
	}
	assert.Empty(t, *requests, "no mistyped command reached the API")
}

func TestPeopleUpdateReplacesOnlyTheFieldsGiven(t *testing.T) {
	base, requests := directoryAPI(t)

	_, stderr, code := runCLI(t, base, "people", "update", "dana@acme", "--role", "", "--channel", "webhook:https://hooks.example/dana", "--name", "Dana D.")

	require.Equal(t, 0, code, stderr)
	got := *requests
	require.Len(t, got, 2)
	assert.Equal(t, "GET /v1/people/dana@acme", got[0].method+" "+got[0].path)
	assert.Equal(t, "PUT /v1/people/dana@acme", got[1].method+" "+got[1].path)
	assert.JSONEq(t, `{"id":"dana@acme","name":"Dana D.","clients":["acme"],
		"channels":[{"kind":"webhook","address":"https://hooks.example/dana"}],"time_zone":"Europe/Paris","team":"team-x"}`, string(got[1].body),
		"clients, time zone and team kept, roles emptied, channels replaced")
	assert.Contains(t, stderr, "person dana@acme updated")
}

func TestPeopleListPrintsATable(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"items":[`+danaJSON+`],"next_page_token":"tok"}`)

	stdout, stderr, code := runCLI(t, base, "people", "list", "--client", "acme", "--role", "client-marketing-lead")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/people", got.path)
	assert.Equal(t, "acme", got.query.Get("client"))
	assert.Equal(t, "client-marketing-lead", got.query.Get("role"))
	assert.Equal(t, "ID         NAME  CLIENTS  ROLES                  CHANNELS                                 TIME ZONE     TEAM\n"+
		"dana@acme  Dana  acme     client-marketing-lead  email:dana@acme.example,slack:U024BE7LH  Europe/Paris  team-x\n", stdout)
	assert.Contains(t, stderr, "--page-token tok")

	stdout, _, code = runCLI(t, base, "people", "list", "--json")
	require.Equal(t, 0, code)
	var v peopleList
	require.NoError(t, json.Unmarshal([]byte(stdout), &v), stdout)
	assert.Equal(t, "U024BE7LH", v.Items[0].Channels[1].Address)
}

func TestPeopleDeleteAndItsRefusal(t *testing.T) {
	base, got := fakeAPI(t, http.StatusNoContent, ``)
	stdout, stderr, code := runCLI(t, base, "people", "delete", "dana@acme")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "DELETE /v1/people/dana@acme", got.method+" "+got.path)
	assert.Equal(t, "person dana@acme deleted\n", stdout)

	problem := `{"type":"/problems/conflict","title":"Conflict","status":409,
		"detail":"person dana@acme still has 1 live token(s) (tok_1): revoke them first",
		"errors":[{"field":"tokens","message":"token tok_1 belongs to the person and is not revoked"}]}`
	base, _ = fakeAPI(t, http.StatusConflict, problem)
	_, stderr, code = runCLI(t, base, "people", "delete", "dana@acme")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "revoke them first")
	assert.Contains(t, stderr, "tokens: token tok_1 belongs to the person")

	// A failed read of update says why on stdout with --json, as every command does.
	base, _ = fakeAPI(t, http.StatusNotFound, `{"type":"/problems/not-found","title":"Not found","status":404,"detail":"no person x@acme"}`)
	stdout, _, code = runCLI(t, base, "people", "update", "x@acme", "--name", "X", "--json")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, `"detail": "no person x@acme"`)
}

func TestTokensCreateForAPerson(t *testing.T) {
	base, got := fakeAPI(t, http.StatusCreated, `{"id":"tok_1","name":"dana@acme","role":"approver","clients":["acme"],
		"approval_roles":[],"person":"dana@acme","created_at":"2026-03-01T10:00:00Z","token":"glt_secret"}`)

	stdout, stderr, code := runCLI(t, base, "tokens", "create", "--person", "dana@acme", "--role", "approver", "--client", "acme")

	require.Equal(t, 0, code, stderr)
	var body map[string]any
	require.NoError(t, json.Unmarshal(got.body, &body))
	assert.Equal(t, map[string]any{"person": "dana@acme", "role": "approver", "clients": []any{"acme"}}, body)
	assert.Equal(t, "glt_secret\n", stdout)

	base, _ = fakeAPI(t, http.StatusOK, `{"items":[{"id":"tok_1","name":"dana@acme","role":"approver","clients":["acme"],
		"approval_roles":[],"person":"dana@acme","created_at":"2026-03-01T10:00:00Z"}]}`)
	stdout, stderr, code = runCLI(t, base, "tokens", "list")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "PERSON")
	assert.Regexp(t, `tok_1\s+dana@acme\s+approver\s+acme\s+the person's\s+dana@acme`, stdout)
}
