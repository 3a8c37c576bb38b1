package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/contexts"
)

// noDevNearby leaves the CLI nothing to find: no token set, an empty data dir
// and an empty config dir; it returns the config dir.
func noDevNearby(t *testing.T) (configDir, dataDir string) {
	t.Helper()
	configDir, dataDir = t.TempDir(), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", configDir)
	t.Setenv("GREENLIGHT_TOKEN", "")
	t.Setenv("GREENLIGHT_DATA_DIR", dataDir)
	return configDir, dataDir
}

func TestClientSendsTheTokenDevRecordedForTheAPI(t *testing.T) {
	configDir, _ := noDevNearby(t)
	base, got := fakeAPI(t, http.StatusOK, `{"items":[]}`)
	other, _ := fakeAPI(t, http.StatusOK, `{"items":[]}`)
	devData := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(devData, "admin-token"), []byte("glt_custom\n"), 0o600))
	otherData := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(otherData, "admin-token"), []byte("glt_other\n"), 0o600))
	path := filepath.Join(configDir, "greenlight", contexts.FileName)
	require.NoError(t, contexts.Record(path,
		contexts.Context{API: base, TokenFile: filepath.Join(devData, "admin-token")},
		contexts.Context{API: other, TokenFile: filepath.Join(otherData, "admin-token")}))

	_, stderr, code := runCLI(t, base, "campaigns", "list")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "Bearer glt_custom", got.header.Get("Authorization"), "the context of --api, not another's")

	// --api spelled with a trailing slash finds the same context.
	_, stderr, code = runCLI(t, "http://127.0.0.1:1", "--api", base+"/", "campaigns", "list")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "Bearer glt_custom", got.header.Get("Authorization"))

	// GREENLIGHT_TOKEN comes before the context, and --token before both.
	t.Setenv("GREENLIGHT_TOKEN", "glt_env")
	_, _, code = runCLI(t, base, "campaigns", "list")
	require.Equal(t, 0, code)
	assert.Equal(t, "Bearer glt_env", got.header.Get("Authorization"))
	_, _, code = runCLI(t, base, "--token", "glt_flag", "campaigns", "list")
	require.Equal(t, 0, code)
	assert.Equal(t, "Bearer glt_flag", got.header.Get("Authorization"))
}

func TestUnauthorizedWithNoTokenFoundSaysWhereItLookedAndWhatToRun(t *testing.T) {
	configDir, dataDir := noDevNearby(t)
	base, got := fakeAPI(t, http.StatusUnauthorized, `{"title":"Unauthorized","status":401,"detail":"no token was sent"}`)

	_, stderr, code := runCLI(t, base, "campaigns", "list")

	assert.Equal(t, 1, code)
	assert.Empty(t, got.header.Values("Authorization"))
	contextsFile := filepath.Join(configDir, "greenlight", contexts.FileName)
	for _, want := range []string{
		"greenlight: Unauthorized: no token was sent",
		"--token: not given",
		"GREENLIGHT_TOKEN: not set",
		"context for " + base + " in " + contextsFile + ": none recorded",
		filepath.Join(dataDir, "admin-token") + " (dev's data dir, from GREENLIGHT_DATA_DIR): does not exist",
		"export GREENLIGHT_TOKEN=$(cat DATA_DIR/admin-token)",
	} {
		assert.Contains(t, stderr, want)
	}
	// Each place on its own line, in the order looked.
	assert.Less(t, strings.Index(stderr, "--token:"), strings.Index(stderr, "GREENLIGHT_TOKEN: not set"))
	assert.Less(t, strings.Index(stderr, "GREENLIGHT_TOKEN: not set"), strings.Index(stderr, "context for"))
	assert.Less(t, strings.Index(stderr, "context for"), strings.Index(stderr, "(dev's data dir"))
}

func TestUnauthorizedSuggestsTheTokenOfTheSameDevSpelledAnotherWay(t *testing.T) {
	configDir, _ := noDevNearby(t)
	base, _ := fakeAPI(t, http.StatusUnauthorized, `{"title":"Unauthorized","status":401}`)
	port := base[strings.LastIndex(base, ":")+1:]
	devData := t.TempDir()
	token := filepath.Join(devData, "admin-token")
	require.NoError(t, os.WriteFile(token, []byte("glt_dev\n"), 0o600))
	// dev recorded 127.0.0.1; the user typed localhost.
	require.NoError(t, contexts.Record(filepath.Join(configDir, "greenlight", contexts.FileName),
		contexts.Context{API: base, TokenFile: token}))

	_, stderr, code := runCLI(t, "http://localhost:"+port, "campaigns", "list")

	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "context for http://localhost:"+port)
	assert.Contains(t, stderr, "export GREENLIGHT_TOKEN=$(cat "+token+")")
}

func TestUnauthorizedWithAContextWhoseTokenIsGone(t *testing.T) {
	configDir, _ := noDevNearby(t)
	base, _ := fakeAPI(t, http.StatusUnauthorized, `{"title":"Unauthorized","status":401}`)
	gone := filepath.Join(t.TempDir(), "deleted", "admin-token")
	require.NoError(t, contexts.Record(filepath.Join(configDir, "greenlight", contexts.FileName),
		contexts.Context{API: base, TokenFile: gone}))

	_, stderr, code := runCLI(t, base, "campaigns", "list")

	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "names "+gone+", which does not exist")
}

func TestUnauthorizedWithATokenSaysWhereItCameFrom(t *testing.T) {
	noDevNearby(t)
	base, _ := fakeAPI(t, http.StatusUnauthorized, `{"title":"Unauthorized","status":401,"detail":"the token is revoked"}`)
	t.Setenv("GREENLIGHT_TOKEN", "glt_old")

	_, stderr, code := runCLI(t, base, "campaigns", "list")

	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "the token sent came from GREENLIGHT_TOKEN")
	assert.NotContains(t, stderr, "No token was sent")
}

// The admin token in dev's data dir is this machine's: it is never sent to
// an API on another host.
func TestDevAdminTokenStaysOnThisMachine(t *testing.T) {
	_, dataDir := noDevNearby(t)
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "admin-token"), []byte("glt_local\n"), 0o600))

	local := findToken(tokenSources{api: "http://127.0.0.1:8080", getenv: os.Getenv,
		contextsPath: func() (string, error) { return filepath.Join(t.TempDir(), "none.json"), nil }, lookup: contexts.Lookup, all: contexts.All})
	assert.Equal(t, "glt_local", local.token)

	remote := findToken(tokenSources{api: "https://greenlight.agency.example", getenv: os.Getenv,
		contextsPath: func() (string, error) { return filepath.Join(t.TempDir(), "none.json"), nil }, lookup: contexts.Lookup, all: contexts.All})
	assert.Empty(t, remote.token, "a remote API never gets the local dev token")
	assert.Contains(t, strings.Join(remote.looked, "\n"), "is not on this machine")
}
