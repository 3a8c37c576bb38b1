package docs_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/workflows"
)

// TestREADMESignalExampleMatchesTheContract keeps README's raw `temporal
// workflow signal` step runnable: the CLI version it installs, the workflow id,
// the signal's name, and a payload that decodes strictly into ApprovalSignal
// and names an approval the built-in playbook has.
func TestREADMESignalExampleMatchesTheContract(t *testing.T) {
	src, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(src)
	if !strings.Contains(readme, "go install github.com/temporalio/cli/cmd/temporal@v1.5.1\n") {
		t.Error("README no longer installs the temporal CLI at v1.5.1, the version that builds with `go install`")
	}
	cmd := regexp.MustCompile(`(?s)temporal workflow signal (.*?)\n` + "```").FindStringSubmatch(readme)
	if cmd == nil {
		t.Fatal("README has no `temporal workflow signal` example")
	}
	flag := func(name string) string {
		m := regexp.MustCompile(`--` + name + ` ('[^']*'|\S+)`).FindStringSubmatch(cmd[1])
		if m == nil {
			t.Fatalf("the signal example has no --%s:\n%s", name, cmd[1])
		}
		return strings.Trim(m[1], "'")
	}

	if got := flag("address"); got != "127.0.0.1:7233" {
		t.Errorf("--address %s, want dev's Temporal address 127.0.0.1:7233", got)
	}
	if got, want := flag("workflow-id"), api.CampaignWorkflowID("<campaign-id>"); got != want {
		t.Errorf("--workflow-id %s, want %s", got, want)
	}
	if got := flag("name"); got != workflows.SignalApproval {
		t.Errorf("--name %s, want the approval signal %q", got, workflows.SignalApproval)
	}

	var sig workflows.ApprovalSignal
	dec := json.NewDecoder(bytes.NewReader([]byte(flag("input"))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sig); err != nil {
		t.Fatalf("the --input payload is not an ApprovalSignal: %v", err)
	}
	if sig.Decision != api.DecisionApprove && sig.Decision != api.DecisionReject {
		t.Errorf("decision %q is neither approve nor reject", sig.Decision)
	}
	if sig.By == "" {
		t.Error("the payload names no `by`: a raw signal is recorded as sent")
	}
	step, ok := strings.CutPrefix(sig.ApprovalID, "<campaign-id>.")
	if !ok {
		t.Fatalf("approval_id %q is not <campaign-id>.<step key>", sig.ApprovalID)
	}
	if !slices.Contains(approvalKeys(t, "../playbooks/reputation-repair.yaml"), step) {
		t.Errorf("approval_id's step %q is not an approval of reputation-repair's first iteration", step)
	}
}

// approvalKeys are the step keys of a playbook's approvals, with a repeat's
// steps keyed as in its first iteration (weekly.1.approve_batch).
func approvalKeys(t *testing.T, path string) []string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := playbooks.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var walk func(prefix string, steps []playbooks.Step)
	walk = func(prefix string, steps []playbooks.Step) {
		for _, s := range steps {
			if s.Approval != nil {
				keys = append(keys, prefix+s.ID)
			}
			if s.Repeat != nil {
				walk(prefix+s.ID+".1.", s.Repeat.Steps)
			}
		}
	}
	walk("", pb.Steps)
	return keys
}
