// Package docs holds the user documentation; its tests keep the examples honest.
package docs_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/playbooks"
)

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// TestPlaybookExamplesAreValid parses every YAML example in docs/playbooks.md.
func TestPlaybookExamplesAreValid(t *testing.T) {
	src, err := os.ReadFile("playbooks.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := yamlBlock.FindAllSubmatch(src, -1)
	if len(blocks) < 4 {
		t.Fatalf("found %d YAML examples, want at least 4", len(blocks))
	}
	for i, b := range blocks {
		if _, err := playbooks.Parse(b[1]); err != nil {
			t.Errorf("example %d does not validate: %v\n%s", i+1, err, b[1])
		}
	}
}

// TestActionTableMatchesCatalog keeps the documented action list equal to the catalog.
func TestActionTableMatchesCatalog(t *testing.T) {
	src, err := os.ReadFile("playbooks.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range platforms.ActionNames() {
		if !strings.Contains(string(src), "| `"+name+"` |") {
			t.Errorf("docs/playbooks.md does not document action %s", name)
		}
	}
}
