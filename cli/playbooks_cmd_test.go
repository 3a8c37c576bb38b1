package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store/storetest"
)

func writePlaybook(t *testing.T, src string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o600))
	return file
}

func TestValidateWithServerPrintsFileLineColumnAndExitsOneWhenInvalid(t *testing.T) {
	src := "name: bad\nversion: 0\nsteps:\n  - id: a\n    wait: soon\n"
	file := writePlaybook(t, src)
	base, got := fakeAPI(t, http.StatusUnprocessableEntity, `{"type":"about:blank","title":"Invalid playbook",
		"status":422,"errors":[
		{"line":2,"column":10,"field":"version","message":"must be at least 1"},
		{"line":5,"column":11,"field":"steps[0].wait","message":"invalid duration \"soon\""},
		{"field":"steps","message":"needs an action step"}]}`)

	stdout, stderr, code := runCLI(t, base, "playbooks", "validate", "--server", file)

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

func TestValidateWithServerValidFileExitsZero(t *testing.T) {
	file := writePlaybook(t, "name: ok\n")
	base, _ := fakeAPI(t, http.StatusOK, `{"valid":true,"name":"ok","version":1}`)

	stdout, stderr, code := runCLI(t, base, "playbooks", "validate", "--server", file)

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, file+": valid (ok v1)\n", stdout)
}

func TestValidateWithServerJSONPrintsProblemAndExitsOne(t *testing.T) {
	file := writePlaybook(t, "name: bad\n")
	problem := `{"title":"Invalid playbook","status":422,"errors":[{"line":1,"column":1,"field":"version","message":"required"}]}`
	base, _ := fakeAPI(t, http.StatusUnprocessableEntity, problem)

	stdout, _, code := runCLI(t, base, "--json", "playbooks", "validate", "--server", file)

	assert.Equal(t, 1, code)
	assert.JSONEq(t, problem, stdout)
}

func TestPlaybooksList(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"items":[{"name":"reputation-repair","version":2,
		"description":"Recover search presence","builtin":true,"versions":[1,2]}]}`)

	stdout, stderr, code := runCLI(t, base, "playbooks", "list")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/playbooks", got.path)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, []string{"NAME", "VERSION", "VERSIONS", "BUILTIN", "DESCRIPTION"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{"reputation-repair", "2", "1,2", "yes", "Recover", "search", "presence"}, strings.Fields(lines[1]))
}

func TestPlaybooksListCutsLongDescriptionsUnlessWide(t *testing.T) {
	long := "Recover search presence after a crisis: audit mentions, draft replies,\n" +
		"ask the client to approve each week's posts and publish them on schedule"
	answer := mustJSON(t, map[string]any{"items": []map[string]any{
		{"name": "reputation-repair", "version": 2, "description": long, "builtin": true, "versions": []int{1, 2}},
		{"name": "short", "version": 1, "description": "Short one", "versions": []int{1}},
	}})
	base, _ := fakeAPI(t, http.StatusOK, answer)

	stdout, stderr, code := runCLI(t, base, "playbooks", "list")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 3)
	description := func(line string) string {
		return strings.TrimSpace(string([]rune(line)[strings.Index(lines[0], "DESCRIPTION"):]))
	}
	cut := description(lines[1])
	assert.Equal(t, 60, utf8.RuneCountInString(cut), cut)
	assert.True(t, strings.HasPrefix(cut, "Recover search presence after a crisis: audit"), cut)
	assert.True(t, strings.HasSuffix(cut, "…"), cut)
	assert.Equal(t, "Short one", description(lines[2]))

	stdout, stderr, code = runCLI(t, base, "playbooks", "list", "--wide")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, strings.Join(strings.Fields(long), " "), "--wide shows it all, on one line")

	stdout, stderr, code = runCLI(t, base, "--json", "playbooks", "list")
	require.Equal(t, 0, code, stderr)
	assert.JSONEq(t, answer, stdout)
}

func TestPlaybooksShowPrintsSource(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"name":"crisis-triage","version":1,"source":"name: crisis-triage\nversion: 1\n"}`)

	stdout, stderr, code := runCLI(t, base, "playbooks", "show", "crisis-triage", "--version", "1")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/playbooks/crisis-triage", got.path)
	assert.Equal(t, url.Values{"version": {"1"}}, got.query)
	assert.Equal(t, "name: crisis-triage\nversion: 1\n", stdout)
}

func TestRegisterPostsFileAndSaysCreated(t *testing.T) {
	src := "name: outreach\nversion: 2\n"
	file := writePlaybook(t, src)
	base, got := fakeAPI(t, http.StatusCreated, `{"name":"outreach","version":2,"digest":"ab12","builtin":false,"created":true}`)

	stdout, stderr, code := runCLI(t, base, "playbooks", "register", file)

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/v1/playbooks", got.path)
	assert.Equal(t, "application/yaml", got.header.Get("Content-Type"))
	assert.Equal(t, src, string(got.body))
	assert.Equal(t, file+": outreach v2 registered\n", stdout)
}

func TestRegisterSameFileAgainSaysAlreadyRegistered(t *testing.T) {
	file := writePlaybook(t, "name: outreach\nversion: 2\n")
	base, _ := fakeAPI(t, http.StatusOK, `{"name":"outreach","version":2,"digest":"ab12","created":false}`)

	stdout, stderr, code := runCLI(t, base, "playbooks", "register", file)

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, file+": outreach v2 already registered with this content; nothing changed\n", stdout)
}

func TestRegisterInvalidPrintsFileLineColumnAndExitsOne(t *testing.T) {
	file := writePlaybook(t, "name: bad\nversion: 0\n")
	base, _ := fakeAPI(t, http.StatusUnprocessableEntity, `{"type":"/problems/validation","title":"Validation failed",
		"status":422,"errors":[{"line":2,"column":10,"field":"version","message":"must be a whole number of at least 1"}]}`)

	stdout, stderr, code := runCLI(t, base, "playbooks", "register", file)

	assert.Equal(t, 1, code)
	assert.Equal(t, file+":2:10: version: must be a whole number of at least 1\n", stdout)
	assert.Contains(t, stderr, "invalid playbook")
	assert.NotContains(t, stderr, "at least 1", "the errors are printed once")
}

func TestRegisterChangedVersionExitsOneWithDetail(t *testing.T) {
	file := writePlaybook(t, "name: outreach\nversion: 2\n# changed\n")
	detail := "playbook outreach version 2 is already registered with a different body; versions are immutable because campaigns stay pinned to theirs, so bump `version` to register a change (the latest is 2; use 3)"
	base, _ := fakeAPI(t, http.StatusConflict, `{"type":"/problems/conflict","title":"Conflict","status":409,"detail":"`+detail+`"}`)

	stdout, stderr, code := runCLI(t, base, "playbooks", "register", file)

	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, file+": ")
	assert.Contains(t, stderr, detail)
}

func TestRegisterJSONPrintsTheAnswer(t *testing.T) {
	file := writePlaybook(t, "name: outreach\nversion: 2\n")
	answer := `{"name":"outreach","version":2,"digest":"ab12","created":true}`
	base, _ := fakeAPI(t, http.StatusCreated, answer)

	stdout, stderr, code := runCLI(t, base, "--json", "playbooks", "register", file)

	require.Equal(t, 0, code, stderr)
	assert.JSONEq(t, answer, stdout)

	problem := `{"type":"/problems/validation","status":422,"errors":[{"line":1,"column":1,"field":"version","message":"is required"}]}`
	base, _ = fakeAPI(t, http.StatusUnprocessableEntity, problem)
	stdout, _, code = runCLI(t, base, "--json", "playbooks", "register", file)
	assert.Equal(t, 1, code)
	assert.JSONEq(t, problem, stdout)
}

func TestRegisterMissingFileExitsOne(t *testing.T) {
	_, stderr, code := runCLI(t, "http://127.0.0.1:1", "playbooks", "register", filepath.Join(t.TempDir(), "nope.yaml"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "reading the playbook")
}

// TestRegisterAgainstTheRealAPI runs the command against the server package, so the
// CLI and the API agree on the answer's shape, not only on a hand-written fake.
func TestRegisterAgainstTheRealAPI(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Deps{Store: storetest.SQLite(t), Namespace: "default"}).Handler())
	t.Cleanup(srv.Close)
	builtins, err := playbooks.Builtins()
	require.NoError(t, err)
	src := regexp.MustCompile(`(?m)^name: .*$`).ReplaceAllLiteral(builtins[0].YAML, []byte("name: cli-outreach"))
	file := writePlaybook(t, string(src))
	v := builtins[0].Playbook.Version

	stdout, stderr, code := runCLI(t, srv.URL, "playbooks", "register", file)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, fmt.Sprintf("%s: cli-outreach v%d registered\n", file, v), stdout)

	stdout, stderr, code = runCLI(t, srv.URL, "playbooks", "register", file)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "already registered")

	require.NoError(t, os.WriteFile(file, append(src, "# changed\n"...), 0o600))
	_, stderr, code = runCLI(t, srv.URL, "playbooks", "register", file)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "immutable")
	assert.Contains(t, stderr, fmt.Sprintf("use %d", v+1))
}
