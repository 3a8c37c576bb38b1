package playbooks

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestBuiltinVersionsNeverChange holds each released built-in version to the bytes
// it shipped with (testdata/builtins.sha256). Databases record a version's digest
// and refuse a changed body at start, and running campaigns are pinned to it, so a
// released version must never change or disappear: release a new version instead
// (a new file, a higher `version`) and add its line to the manifest.
func TestBuiltinVersionsNeverChange(t *testing.T) {
	srcs, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/builtins.sha256")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	manifest := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var name, digest string
		var version int
		if _, err := fmt.Sscanf(line, "%s %d %s", &name, &version, &digest); err != nil {
			t.Fatalf("manifest line %q: %v", line, err)
		}
		manifest[fmt.Sprintf("%s v%d", name, version)] = digest
	}
	shipped := map[string]bool{}
	for _, s := range srcs {
		key := fmt.Sprintf("%s v%d", s.Playbook.Name, s.Playbook.Version)
		shipped[key] = true
		sum := sha256.Sum256(s.YAML)
		got := hex.EncodeToString(sum[:])
		want, ok := manifest[key]
		switch {
		case !ok:
			t.Errorf("%s (%s) is not in testdata/builtins.sha256: add the line %q", key, s.Origin,
				fmt.Sprintf("%s %d %s", s.Playbook.Name, s.Playbook.Version, got))
		case want != got:
			t.Errorf("%s (%s) changed after release: bump its version in a new file instead", key, s.Origin)
		}
	}
	for key := range manifest {
		if !shipped[key] {
			t.Errorf("released built-in %s is gone: old versions must keep shipping", key)
		}
	}
}
