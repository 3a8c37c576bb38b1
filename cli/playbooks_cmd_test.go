package cli

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writePlaybook(t *testing.T, src string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o600))
	return file
}

func TestValidatePrintsFileLineColumnAndExitsOneWhenInvalid(t *testing.T) {
	src := "name: bad\nversion: 0\nsteps:\n  - id: a\n    wait: soon\n"
	file := writePlaybook(t, src)
	api, got := fakeAPI(t, http.StatusUnprocessableEntity, `{"type":"about:blank","title":"Invalid playbook",
		"status":422,"errors":[
		{"line":2,"column":10,"field":"version","message":"must be at least 1"},
		{"line":5,"column":11,"field":"steps[0].wait","message":"invalid duration \"soon\""},
		{"field":"steps","message":"needs an action step"}]}`)

	stdout, stderr, code := runCLI(t, api, "playbooks", "validate", file)

	assert.Equal(t, 1, code)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/v1/playbooks/validate", got.path)
	assert.Equal(t, "application/yaml", got.header.Get("Content-Type"))
	assert.Equal(t, src, string(got.body))
	assert.Equal(t, file+":2:10: version: must be at least 1\n"+
		file+":5:11: steps[0].wait: invalid duration \"soon\"\n"+
		file+": steps: needs an action step\n", stdout)
	// The errors are not printed a second time on stderr.
	assert.Equal(t, 1, strings.Count(stdout+stderr, "must be at least 1"))
	assert.Contains(t, stderr, "invalid playbook")
}

func TestValidateValidFileExitsZero(t *testing.T) {
	file := writePlaybook(t, "name: ok\n")
	api, _ := fakeAPI(t, http.StatusOK, `{"valid":true,"name":"ok","version":1}`)

	stdout, stderr, code := runCLI(t, api, "playbooks", "validate", file)

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, file+": valid (ok v1)\n", stdout)
}

func TestValidateJSONPrintsProblemAndExitsOne(t *testing.T) {
	file := writePlaybook(t, "name: bad\n")
	problem := `{"title":"Invalid playbook","status":422,"errors":[{"line":1,"column":1,"field":"version","message":"required"}]}`
	api, _ := fakeAPI(t, http.StatusUnprocessableEntity, problem)

	stdout, _, code := runCLI(t, api, "--json", "playbooks", "validate", file)

	assert.Equal(t, 1, code)
	assert.JSONEq(t, problem, stdout)
}

func TestPlaybooksList(t *testing.T) {
	api, got := fakeAPI(t, http.StatusOK, `{"items":[{"name":"reputation-repair","version":2,
		"description":"Recover search presence","builtin":true,"versions":[1,2]}]}`)

	stdout, stderr, code := runCLI(t, api, "playbooks", "list")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/playbooks", got.path)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, []string{"NAME", "VERSION", "VERSIONS", "BUILTIN", "DESCRIPTION"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{"reputation-repair", "2", "1,2", "yes", "Recover", "search", "presence"}, strings.Fields(lines[1]))
}

func TestPlaybooksShowPrintsSource(t *testing.T) {
	api, got := fakeAPI(t, http.StatusOK, `{"name":"crisis-triage","version":1,"source":"name: crisis-triage\nversion: 1\n"}`)

	stdout, stderr, code := runCLI(t, api, "playbooks", "show", "crisis-triage", "--version", "1")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/playbooks/crisis-triage", got.path)
	assert.Equal(t, url.Values{"version": {"1"}}, got.query)
	assert.Equal(t, "name: crisis-triage\nversion: 1\n", stdout)
}
