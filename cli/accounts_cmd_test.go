package cli

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const acmeXJSON = `{"id":"a1b2c3","client":"acme","platform":"x","handle":"acmeco","connector":"sandbox",
	"team":"team-x","credential":"acme.x-token","created_at":"2026-03-01T10:00:00Z","updated_at":"2026-03-01T10:00:00Z"}`

// accountsAPI answers GET with acmeXJSON and any write with what was sent
// (plus id, client and times), recording every request in order.
func accountsAPI(t *testing.T) (string, *[]seen) {
	t.Helper()
	return echoAPI(t, acmeXJSON, map[string]any{"id": "a1b2c3", "client": "acme"})
}

func TestAccountsCreateSendsTheFields(t *testing.T) {
	base, requests := accountsAPI(t)

	stdout, stderr, code := runCLI(t, base, "accounts", "create", "--client", "acme", "--platform", "x", "--handle", "@AcmeCo",
		"--connector", "sandbox", "--team", "team-x", "--credential", "acme.x-token")

	require.Equal(t, 0, code, stderr)
	got := *requests
	require.Len(t, got, 1)
	assert.Equal(t, "POST /v1/clients/acme/accounts", got[0].method+" "+got[0].path)
	assert.JSONEq(t, `{"platform":"x","handle":"@AcmeCo","connector":"sandbox","team":"team-x","credential":"acme.x-token"}`, string(got[0].body))
	assert.Contains(t, stderr, "account a1b2c3 created")
	assert.Contains(t, stdout, "Credential  acme.x-token")
}

func TestAccountsUpdateReplacesOnlyTheFieldsGiven(t *testing.T) {
	base, requests := accountsAPI(t)

	_, stderr, code := runCLI(t, base, "accounts", "update", "a1b2c3", "--client", "acme", "--connector", "webhook", "--team", "")

	require.Equal(t, 0, code, stderr)
	got := *requests
	require.Len(t, got, 2)
	assert.Equal(t, "GET /v1/clients/acme/accounts/a1b2c3", got[0].method+" "+got[0].path)
	assert.Equal(t, "PUT /v1/clients/acme/accounts/a1b2c3", got[1].method+" "+got[1].path)
	assert.JSONEq(t, `{"platform":"x","handle":"acmeco","connector":"webhook","credential":"acme.x-token"}`, string(got[1].body),
		"platform, handle and credential kept, connector replaced, team emptied")
	assert.Contains(t, stderr, "account a1b2c3 updated")
}

func TestAccountsListShowAndDelete(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"items":[`+acmeXJSON+`],"next_page_token":"tok"}`)
	stdout, stderr, code := runCLI(t, base, "accounts", "list", "--client", "acme", "--team", "team-x", "--platform", "x")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/clients/acme/accounts", got.path)
	assert.Equal(t, "team-x", got.query.Get("team"))
	assert.Equal(t, "x", got.query.Get("platform"))
	assert.Equal(t, "ID      PLATFORM  HANDLE  CONNECTOR  TEAM    CREDENTIAL\n"+
		"a1b2c3  x         acmeco  sandbox    team-x  acme.x-token\n", stdout)
	assert.Contains(t, stderr, "--page-token tok")

	base, got = fakeAPI(t, http.StatusOK, acmeXJSON)
	stdout, stderr, code = runCLI(t, base, "accounts", "show", "a1b2c3", "--client", "acme")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/clients/acme/accounts/a1b2c3", got.path)
	assert.Contains(t, stdout, "Handle      acmeco")

	base, got = fakeAPI(t, http.StatusNoContent, ``)
	stdout, stderr, code = runCLI(t, base, "accounts", "delete", "a1b2c3", "--client", "acme")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "DELETE /v1/clients/acme/accounts/a1b2c3", got.method+" "+got.path)
	assert.Equal(t, "account a1b2c3 deleted\n", stdout)
}

func TestAccountsCommandsRefuseBadUsageWithoutCalling(t *testing.T) {
	base, requests := accountsAPI(t)
	for _, args := range [][]string{
		{"accounts", "list"},
		{"accounts", "show", "a1b2c3"},
		{"accounts", "delete", "a1b2c3"},
		{"accounts", "create", "--client", "acme", "--platform", "x", "--handle", "@a"},
		{"accounts", "create", "--platform", "x", "--handle", "@a", "--connector", "sandbox"},
		{"accounts", "update", "a1b2c3", "--client", "acme"},
		{"accounts", "update", "--client", "acme", "--team", "t"},
	} {
		_, stderr, code := runCLI(t, base, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
	}
	assert.Empty(t, *requests, "no mistyped command reached the API")
}
