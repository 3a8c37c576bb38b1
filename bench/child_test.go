package bench

import (
	"slices"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/playbooks"
)

func TestChildEnvKeepsTheUsersSettingsOut(t *testing.T) {
	env := childEnv([]string{"PATH=/bin", "DATABASE_URL=postgres://x", "GREENLIGHT_NAMESPACE=prod", "GREENLIGHT_TEST_MAIN=1",
		"XDG_CONFIG_HOME=/home/u/.config", "HOME=/home/u"}, "/tmp/d")
	want := []string{"PATH=/bin", "GREENLIGHT_TEST_MAIN=1", "HOME=/home/u", "XDG_CONFIG_HOME=/tmp/d/config"}
	if !slices.Equal(env, want) {
		t.Errorf("child env %v, want %v", env, want)
	}
}

func TestFastPlaybookShrinksWaitsButNotApprovalDeadlines(t *testing.T) {
	srcs, err := playbooks.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range srcs {
		if src.Playbook.Name != "reputation-repair" || src.Playbook.Version != 3 {
			continue
		}
		fast := fastPlaybook(src.YAML, "reputation-repair")
		pb, err := playbooks.Parse(fast)
		if err != nil {
			t.Fatalf("the fast copy does not parse: %v", err)
		}
		if pb.Name != "bench-reputation-repair" {
			t.Errorf("name %q", pb.Name)
		}
		s := string(fast)
		if strings.Contains(s, "every: 7d") || !strings.Contains(s, "every: 1s") {
			t.Error("the weekly interval was not shrunk")
		}
		if !strings.Contains(s, "timeout: 48h") {
			t.Error("an approval deadline was shrunk: silence would decide instead of the benchmark")
		}
		return
	}
	t.Fatal("no built-in reputation-repair v3")
}
