package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokensCreatePrintsTheSecretOnce(t *testing.T) {
	base, got := fakeAPI(t, http.StatusCreated, `{"id":"tok_1","name":"dana@acme","role":"approver","clients":["acme"],
		"created_at":"2026-03-01T10:00:00Z","token":"glt_secret"}`)

	stdout, stderr, code := runCLI(t, base, "tokens", "create", "--name", "dana@acme", "--role", "approver", "--client", "acme", "--approval-role", "client-lead")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "POST /v1/tokens", got.method+" "+got.path)
	var body map[string]any
	require.NoError(t, json.Unmarshal(got.body, &body))
	assert.Equal(t, map[string]any{"name": "dana@acme", "role": "approver", "clients": []any{"acme"}, "approval_roles": []any{"client-lead"}}, body)
	assert.Equal(t, "glt_secret\n", stdout, "only the secret on stdout, for $(…)")
	assert.Contains(t, stderr, "shown only this once")
}

func TestTokensRevokePostsToTheToken(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"id":"tok_1","name":"vic","role":"viewer","clients":[],"created_at":"2026-03-01T10:00:00Z"}`)

	stdout, stderr, code := runCLI(t, base, "tokens", "revoke", "tok_1")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "POST /v1/tokens/tok_1/revoke", got.method+" "+got.path)
	assert.Equal(t, "token tok_1 (vic) revoked\n", stdout)
}

func TestClientReadsTheDevAdminTokenWhenNoneIsSet(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"items":[]}`)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "admin-token"), []byte("glt_dev\n"), 0o600))
	t.Setenv("GREENLIGHT_TOKEN", "")
	t.Setenv("GREENLIGHT_DATA_DIR", dir)

	_, stderr, code := runCLI(t, base, "playbooks", "list")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "Bearer glt_dev", got.header.Get("Authorization"))
}
