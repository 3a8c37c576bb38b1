package playbooks

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary YAML to the parser and validator: they must never
// panic, and a refusal is always an *InvalidError with at least one problem.
func FuzzParse(f *testing.F) {
	srcs, err := Builtins()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range srcs {
		f.Add(s.YAML)
	}
	for _, seed := range []string{
		"", "{}", "[]", "name: x\nversion: 1\nsteps: []\n", "name: x\nversion: 1\nsteps:\n  - id: a\n    wait: 7d\n",
		"steps:\n  - approval: {timeout: 1d, on_timeout: approve, title: '${params.}'}\n",
		"a: &x [*x]\n", "name: x\nversion: 99999999999999999999\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		pb, err := Parse(src)
		if err == nil {
			if pb == nil || len(pb.Steps) == 0 {
				t.Fatalf("accepted a playbook without steps: %q", src)
			}
			return
		}
		var inv *InvalidError
		if !errors.As(err, &inv) || len(inv.Problems) == 0 {
			t.Fatalf("refusal without problems: %v", err)
		}
	})
}
