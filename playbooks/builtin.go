package playbooks

import (
	"embed"
	"fmt"
	"io/fs"
	// determinism:ok: LoadDir reads a folder when a server starts; a workflow
	// gets its playbook as input and never reads one.
	"os"
	"path/filepath"
	"sort"
)

// Every version of every built-in ships, byte for byte as first released (a file
// per superseded version, e.g. reputation-repair.v1.yaml): a version's digest is
// checked at each start, and campaigns may still be launched with an old version.
//
//go:embed *.yaml
var builtinFS embed.FS

// Source is a playbook together with the YAML it was parsed from.
type Source struct {
	Playbook *Playbook
	YAML     []byte
	Origin   string // where it came from, for messages
}

// Builtins parses the playbooks shipped in the binary, sorted by name. A broken
// built-in is a build defect, reported as an error rather than a panic.
func Builtins() ([]Source, error) {
	return load(builtinFS, "built-in ")
}

// LoadDir parses every *.yaml and *.yml file in dir; one bad file fails the load,
// naming it, so a typo never silently drops a playbook.
func LoadDir(dir string) ([]Source, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("playbooks: folder %s: %w", dir, err)
	}
	return load(os.DirFS(dir), filepath.Clean(dir)+string(filepath.Separator))
}

func load(fsys fs.FS, prefix string) ([]Source, error) {
	var names []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := fs.Glob(fsys, pat)
		if err != nil {
			return nil, fmt.Errorf("playbooks: list %s: %w", prefix, err)
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	out := make([]Source, 0, len(names))
	for _, n := range names {
		src, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("playbooks: read %s%s: %w", prefix, n, err)
		}
		pb, err := Parse(src)
		if err != nil {
			return nil, fmt.Errorf("playbooks: %s%s: %w", prefix, n, err)
		}
		out = append(out, Source{Playbook: pb, YAML: src, Origin: prefix + n})
	}
	return out, nil
}
