package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cliFindsDevToken runs the real CLI against dev p, started on its own
// --data-dir and --http, as a newcomer would: nothing exported, in a folder
// with no .greenlight. It finds the token by the context dev recorded, and
// with no context, says where it looked and what to run.
func cliFindsDevToken(t *testing.T, p *devProcess, dataDir, campaignID string) {
	tokenFile := filepath.Join(dataDir, "admin-token")
	want := "API token: in " + tokenFile + "; the CLI finds it for --api " + p.api
	deadline := time.Now().Add(10 * time.Second)
	for !anyHasPrefix(p.printed(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("dev never printed %q; it printed:\n%s", want, strings.Join(p.printed(), "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}

	stdout, stderr, err := runGreenlight(t, p.configHome, "--api", p.api, "campaigns", "list")
	if err != nil {
		t.Fatalf("greenlight --api %s campaigns list: %v\nstdout:\n%s\nstderr:\n%s", p.api, err, stdout, stderr)
	}
	if !strings.Contains(stdout, campaignID) {
		t.Errorf("campaigns list does not list %s:\n%s", campaignID, stdout)
	}

	// Another user's config dir has no context: a 401 that says where it looked.
	_, stderr, err = runGreenlight(t, t.TempDir(), "--api", p.api, "campaigns", "list")
	if err == nil {
		t.Fatal("campaigns list with no context succeeded; where did it find a token?")
	}
	for _, w := range []string{"No token was sent", "context for " + p.api, "export GREENLIGHT_TOKEN=$(cat DATA_DIR/admin-token)"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}

func anyHasPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// runGreenlight runs the greenlight binary (this test binary) as a client
// with nothing exported, configHome as its user config dir, in an empty folder.
func runGreenlight(t *testing.T, configHome string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GREENLIGHT_TOKEN", "GREENLIGHT_DATA_DIR", "GREENLIGHT_API", "XDG_CONFIG_HOME", "HOME":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "GREENLIGHT_TEST_MAIN=1", "XDG_CONFIG_HOME="+configHome, "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}
