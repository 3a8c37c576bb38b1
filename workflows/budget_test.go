package workflows_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

// An expression that reads a step's output cannot be run before the campaign
// reaches it, so its budget is what stops it in the worker: the step fails,
// naming the expression, and no action runs with a giant input. The budget is
// sizes and counts, so a replay fails the same step the same way.
func TestExpressionOverBudgetFailsItsStepCleanly(t *testing.T) {
	const blowUp = `${ let a = repeat("x", 999999) + string(len(steps.audit.output)); let b = a+a+a+a+a+a+a+a; let c = b+b+b+b+b+b+b+b; let d = c+c+c+c+c+c+c+c; len(d) }`
	h := newHarness(t, parse(t, `
name: budget
version: 1
steps:
  - id: audit
    action: audit_search_presence
    with: {brand: Acme}
  - id: blow
    action: notify
    with:
      message: '`+blowUp+`'
`), nil)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h.run()
	runtime.ReadMemStats(&after)
	require.Error(t, h.env.GetWorkflowError())
	steps := h.steps()
	require.Equal(t, api.StepCompleted, steps["audit"].Status)
	require.Equal(t, api.StepFailed, steps["blow"].Status)
	require.Contains(t, steps["blow"].Error, `let a = repeat("x", 999999)`, "the failure names the expression")
	require.Contains(t, steps["blow"].Error, "at most 1 MB")
	require.Zero(t, h.actionCount("notify"), "nothing ran with the input")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(256<<20), "the run stayed within its budget (the expression asks for 600 MB)")
}

// A for_each of 150 accounts is over today's limit of 100 branches: a new
// campaign fails that step. A campaign recorded before the limit (GetVersion
// eval-limits at its default) ran all 150, and so must its replay.
func TestForEachLimitKeepsOldRunsAsTheyRan(t *testing.T) {
	const wide = `
name: wide
version: 1
params:
  - {name: accounts, type: list}
steps:
  - id: follow
    parallel:
      for_each: ${params.accounts}
      steps:
        - id: one
          action: notify
          with: {message: "${item}"}
`
	accounts := make([]any, 150)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("@account%d", i)
	}
	for _, tc := range []struct {
		name    string
		version workflow.Version
		fails   bool
	}{
		{"a new run is held to the limit", 1, true},
		{"a run recorded before the limit runs as it ran", workflow.DefaultVersion, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A launch is refused such a list now (BindParams), so the input is
			// the one an older launch stored.
			pb := parse(t, wide)
			_, err := playbooks.BindParams(pb, map[string]any{"accounts": accounts})
			require.ErrorContains(t, err, "at most 100 branches", "a launch is refused at once")
			h := newHarness(t, pb, nil)
			h.in.Params = map[string]any{"accounts": accounts}
			h.env.OnGetVersion("eval-limits", workflow.DefaultVersion, 1).Return(tc.version)
			h.run()
			steps := h.steps()
			if tc.fails {
				require.Error(t, h.env.GetWorkflowError())
				require.Equal(t, api.StepFailed, steps["follow"].Status)
				require.Contains(t, steps["follow"].Error, "at most 100 branches")
				require.Zero(t, h.actionCount("notify"))
				return
			}
			require.NoError(t, h.env.GetWorkflowError())
			require.Equal(t, api.StepCompleted, steps["follow"].Status)
			require.Equal(t, int64(150), h.actionCount("notify"))
		})
	}
}
