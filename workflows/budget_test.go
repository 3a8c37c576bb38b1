package workflows_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/workflows"
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
	require.Equal(t, workflows.StepCompleted, steps["audit"].Status)
	require.Equal(t, workflows.StepFailed, steps["blow"].Status)
	require.Contains(t, steps["blow"].Error, `let a = repeat("x", 999999)`, "the failure names the expression")
	require.Contains(t, steps["blow"].Error, "at most 1 MB")
	require.Zero(t, h.actionCount("notify"), "nothing ran with the input")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(256<<20), "the run stayed within its budget (the expression asks for 600 MB)")
}
