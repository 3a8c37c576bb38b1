package cli

import (
	"fmt"
	"os"
	"testing"
)

// TestMain points the user's config directory at an empty folder, so no test
// finds the contexts of whoever runs them (and a test that wants contexts
// points XDG_CONFIG_HOME at its own folder).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "greenlight-cli-config-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
