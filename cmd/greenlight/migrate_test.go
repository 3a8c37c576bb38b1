package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestMigrateSaysWhatItDid: on a new database migrate applies every migration
// and says so; run again it applied nothing and says the database is up to date.
func TestMigrateSaysWhatItDid(t *testing.T) {
	dataDir := t.TempDir()
	run := func() string {
		t.Helper()
		stdout, stderr, err := runGreenlight(t, t.TempDir(), "migrate", "--data-dir", dataDir, "--log-level", "error")
		if err != nil {
			t.Fatalf("greenlight migrate: %v\n%s%s", err, stdout, stderr)
		}
		return strings.TrimSpace(stdout)
	}

	first := run()
	var applied, version int
	if _, err := fmt.Sscanf(first, "applied %d migrations (now version %d)", &applied, &version); err != nil {
		t.Fatalf("first migrate printed %q: %v", first, err)
	}
	if applied < 2 || version < applied {
		t.Errorf("first migrate: applied %d, now version %d", applied, version)
	}
	if second := run(); second != fmt.Sprintf("database is up to date (version %d)", version) {
		t.Errorf("second migrate printed %q", second)
	}
}
