package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/contexts"
)

func TestRecordDevContextTellsTheCLIAndSaysSo(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	dataDir := t.TempDir()
	var out bytes.Buffer

	recordDevContext(&out, "http://0.0.0.0:8095", dataDir)

	path, err := contexts.Path()
	if err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(dataDir, "admin-token")
	want := "API token: in " + token + "; the CLI finds it for --api http://0.0.0.0:8095 (recorded in " + path + ")"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("printed %q, want it to start %q", out.String(), want)
	}
	// Listening on every interface, it is reached by loopback: those are recorded too.
	for _, api := range []string{"http://0.0.0.0:8095", "http://127.0.0.1:8095", "http://localhost:8095", "http://[::1]:8095"} {
		c, ok, err := contexts.Lookup(path, api)
		if err != nil || !ok || c.TokenFile != token {
			t.Errorf("context for %s: %+v %v %v, want token file %s", api, c, ok, err, token)
		}
	}
}

func TestRecordDevContextOnLoopbackAnswersToLocalhost(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dataDir := t.TempDir()
	recordDevContext(io.Discard, "http://127.0.0.1:8095", dataDir)
	path, err := contexts.Path()
	if err != nil {
		t.Fatal(err)
	}
	all, err := contexts.All(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all["http://127.0.0.1:8095"].TokenFile == "" || all["http://localhost:8095"].TokenFile == "" {
		t.Errorf("recorded %v, want http://127.0.0.1:8095 and http://localhost:8095", all)
	}
}

func TestRecordDevContextThatFailsSaysHowToSendTheToken(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CONFIG_HOME", notADir) // greenlight/contexts.json cannot be made under a file
	var out bytes.Buffer

	recordDevContext(&out, "http://127.0.0.1:8095", "data")

	s := out.String()
	if strings.Contains(s, "the CLI finds it") {
		t.Errorf("claims the CLI finds the token though nothing was recorded: %s", s)
	}
	if !strings.Contains(s, "export GREENLIGHT_TOKEN=$(cat data/admin-token)") {
		t.Errorf("does not say how to send the token: %s", s)
	}
}
