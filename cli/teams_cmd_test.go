package cli

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPeopleCreateAndUpdateSetTheTeam(t *testing.T) {
	base, requests := directoryAPI(t)

	stdout, stderr, code := runCLI(t, base, "people", "create", "pat@acme", "--name", "Pat", "--client", "acme", "--team", "team-y")
	require.Equal(t, 0, code, stderr)
	got := *requests
	require.Len(t, got, 1)
	assert.JSONEq(t, `{"id":"pat@acme","name":"Pat","clients":["acme"],"team":"team-y"}`, string(got[0].body))
	assert.Regexp(t, `Team\s+team-y\n`, stdout)

	_, stderr, code = runCLI(t, base, "people", "update", "dana@acme", "--team", "")
	require.Equal(t, 0, code, stderr)
	got = *requests
	require.Len(t, got, 3)
	assert.Equal(t, "PUT /v1/people/dana@acme", got[2].method+" "+got[2].path)
	var body map[string]any
	require.NoError(t, json.Unmarshal(got[2].body, &body))
	assert.NotContains(t, body, "team", "--team '' takes dana out of team-x")
	assert.Equal(t, "Dana", body["name"], "the rest is kept")

	stdout, stderr, code = runCLI(t, base, "people", "update", "dana@acme", "--team", "team-z")
	require.Equal(t, 0, code, stderr)
	body = nil
	require.NoError(t, json.Unmarshal((*requests)[4].body, &body))
	assert.Equal(t, "team-z", body["team"])
	assert.Regexp(t, `Team\s+team-z\n`, stdout)
}

func TestPeopleShowSaysWhenThereIsNoTeam(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusOK, `{"id":"lee@acme","name":"Lee","clients":["acme"],"roles":[],"channels":[],
		"time_zone":"UTC","team":"","created_at":"2026-03-01T10:00:00Z","updated_at":"2026-03-01T10:00:00Z"}`)
	stdout, stderr, code := runCLI(t, base, "people", "show", "lee@acme")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `Team\s+none\n`, stdout)
}

func TestTokensCreateSendsTheTeam(t *testing.T) {
	base, requests := echoAPI(t, `{}`, map[string]any{"id": "tok_1", "token": "glt_secret"})

	stdout, stderr, code := runCLI(t, base, "tokens", "create", "--name", "ops", "--role", "operator", "--team", "team-x")
	require.Equal(t, 0, code, stderr)
	var body map[string]any
	require.NoError(t, json.Unmarshal((*requests)[0].body, &body))
	assert.Equal(t, map[string]any{"name": "ops", "role": "operator", "clients": []any{}, "approval_roles": []any{}, "team": "team-x"}, body)
	assert.Equal(t, "glt_secret\n", stdout)

	_, stderr, code = runCLI(t, base, "tokens", "create", "--person", "dana@acme", "--role", "approver", "--team", "team-x")
	require.Equal(t, 0, code, stderr)
	body = nil
	require.NoError(t, json.Unmarshal((*requests)[1].body, &body))
	assert.Equal(t, map[string]any{"person": "dana@acme", "role": "approver", "clients": []any{}, "team": "team-x"}, body,
		"the API checks it is the person's")

	_, stderr, code = runCLI(t, base, "tokens", "create", "--name", "bot", "--role", "viewer")
	require.Equal(t, 0, code, stderr)
	body = nil
	require.NoError(t, json.Unmarshal((*requests)[2].body, &body))
	assert.NotContains(t, body, "team", "no --team, no team sent")
}

func TestTokensListShowsTheTeam(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusOK, `{"items":[
		{"id":"tok_1","name":"dana@acme","role":"approver","clients":["acme"],"approval_roles":[],"person":"dana@acme","team":"team-x","created_at":"2026-03-01T10:00:00Z"},
		{"id":"tok_2","name":"bot","role":"viewer","clients":[],"approval_roles":[],"team":"","created_at":"2026-03-01T10:00:00Z"}]}`)
	stdout, stderr, code := runCLI(t, base, "tokens", "list")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `\bPERSON\s+TEAM\s+CREATED\b`, stdout)
	assert.Regexp(t, `tok_1\s+dana@acme\s+approver\s+acme\s+the person's\s+dana@acme\s+team-x\s`, stdout)
	assert.Regexp(t, `tok_2\s+bot\s+viewer\s+all\s+-\s+-\s+-\s+2026`, stdout)
}
