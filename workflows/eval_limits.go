package workflows

import "go.temporal.io/sdk/workflow"

// changeEvalLimits is the GetVersion change that began holding a running
// campaign's expressions and for_each lists to playbooks/limits.go. A run
// recorded before it evaluated without the limits on an expression's size and
// a for_each's branches, and its history must replay as it ran, so it keeps
// them off (playbooks.Scope.Legacy); a run that continues as new takes them on.
const changeEvalLimits = "eval-limits"

// initEvalLimits decides once per run whether the run evaluates as before the limits.
func (r *campaignRun) initEvalLimits(ctx workflow.Context) {
	r.legacyEval = workflow.GetVersion(ctx, changeEvalLimits, workflow.DefaultVersion, 1) == workflow.DefaultVersion
}
