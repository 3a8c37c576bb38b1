package cli

import (
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store/storetest"
)

// offline points the CLI at a port nobody listens on and takes away every
// token it could find, so a command that called the API would fail.
func offline(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	t.Setenv("GREENLIGHT_TOKEN", "")
	t.Setenv("GREENLIGHT_DATA_DIR", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	return base
}

// brokenPlaybook has four problems, each on a line of its own.
const brokenPlaybook = "name: Bad_Name\nversion: 0\nsteps:\n  - id: a\n  - id: a\n    wait: 1h\n"

func TestValidateOfflinePassesEveryBuiltin(t *testing.T) {
	base := offline(t)
	files, err := filepath.Glob(filepath.Join("..", "playbooks", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			pb, err := playbooks.Parse(src)
			require.NoError(t, err)

			stdout, stderr, code := runCLI(t, base, "playbooks", "validate", file)

			require.Equal(t, 0, code, stderr)
			assert.Equal(t, file+": valid ("+pb.Name+" v"+strconv.Itoa(pb.Version)+")\n", stdout)
		})
	}
}

func TestValidateOfflineReportsEveryProblemWithItsPlace(t *testing.T) {
	base := offline(t)
	file := writePlaybook(t, brokenPlaybook)

	stdout, stderr, code := runCLI(t, base, "playbooks", "validate", file)

	assert.Equal(t, exitFailure, code)
	assert.Equal(t, file+":1:7: name: \"Bad_Name\" must be lower-case letters, digits and dashes\n"+
		file+":2:10: version: must be a whole number of at least 1\n"+
		file+":4:7: steps[0]: a step needs one of action, approval, wait, parallel, repeat or branch\n"+
		file+":5:9: steps[1].id: step id \"a\" is already used by steps[0]\n", stdout)
	assert.Contains(t, stderr, file+": invalid playbook (4 error(s))")
	assert.NotContains(t, stderr, "not reachable", "no API call is made")
}

func TestValidateOfflineJSON(t *testing.T) {
	base := offline(t)

	stdout, _, code := runCLI(t, base, "--json", "playbooks", "validate", writePlaybook(t, brokenPlaybook))
	assert.Equal(t, exitFailure, code)
	var p struct {
		Type   string              `json:"type"`
		Status int                 `json:"status"`
		Errors []playbooks.Problem `json:"errors"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	assert.Equal(t, "/problems/validation", p.Type)
	assert.Equal(t, 422, p.Status)
	require.Len(t, p.Errors, 4)
	assert.Equal(t, playbooks.Problem{Line: 2, Column: 10, Field: "version", Message: "must be a whole number of at least 1"}, p.Errors[1])

	builtin := filepath.Join("..", "playbooks", "crisis-triage.yaml")
	stdout, stderr, code := runCLI(t, base, "--json", "playbooks", "validate", builtin)
	require.Equal(t, 0, code, stderr)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &v))
	assert.Equal(t, true, v["valid"])
	assert.Equal(t, "crisis-triage", v["name"])
	assert.Greater(t, v["steps"], 0.0)
}

func TestValidateOfflineFileProblems(t *testing.T) {
	base := offline(t)

	_, stderr, code := runCLI(t, base, "playbooks", "validate", filepath.Join(t.TempDir(), "nope.yaml"))
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "reading the playbook")

	big := writePlaybook(t, "name: big\n#"+strings.Repeat("x", playbooks.MaxSourceBytes)+"\n")
	_, stderr, code = runCLI(t, base, "playbooks", "validate", big)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "the limit is")
}

// TestValidateOfflineMatchesTheAPI: the offline check and the API's say the
// same, in the same words, with the same exit code, as text and as JSON.
func TestValidateOfflineMatchesTheAPI(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Deps{Store: storetest.SQLite(t), Namespace: "default"}).Handler())
	t.Cleanup(srv.Close)
	builtin := filepath.Join("..", "playbooks", "reputation-repair.yaml")
	for name, file := range map[string]string{
		"broken":   writePlaybook(t, brokenPlaybook),
		"bad yaml": writePlaybook(t, "name: x\nsteps: [\n"),
		"builtin":  builtin,
	} {
		for _, asJSON := range []bool{false, true} {
			args := []string{"playbooks", "validate", file}
			if asJSON {
				args = append([]string{"--json"}, args...)
			}
			viaAPI, apiErr, apiCode := runCLI(t, srv.URL, append(args, "--server")...)
			here, hereErr, hereCode := runCLI(t, offline(t), args...)

			assert.Equal(t, apiCode, hereCode, "%s json=%v: %s / %s", name, asJSON, apiErr, hereErr)
			assert.Equal(t, apiErr, hereErr, "%s json=%v", name, asJSON)
			if asJSON {
				assert.JSONEq(t, withoutRequestID(t, viaAPI), withoutRequestID(t, here), name)
			} else {
				assert.Equal(t, viaAPI, here, name)
			}
		}
	}
}

// withoutRequestID drops the one field only an API answer has.
func withoutRequestID(t *testing.T, doc string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &m), doc)
	delete(m, "request_id")
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}
