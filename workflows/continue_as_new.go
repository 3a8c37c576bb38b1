package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// Long campaigns (a weekly cycle for months) continue as a new run between
// iterations of a top-level repeat, before the history grows large. The new run
// gets the same input plus ResumeState, and picks the repeat up where it was.

// defaultContinueAsNewAfter keeps every run's history well under 2,000 events.
const defaultContinueAsNewAfter = 1000

// Bounds on the view carried into the next run; the store keeps everything.
const (
	carriedSteps     = 100
	carriedApprovals = 50
)

func (r *campaignRun) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	limit := r.in.ContinueAsNewAfter
	if limit <= 0 {
		limit = defaultContinueAsNewAfter
	}
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= limit
}

// continueAsNew hands the campaign to a new run that resumes the top-level repeat
// whose view index is idx at iteration next. Nothing may be lost on the way:
// signals already delivered are handled, update handlers finish, and the store has
// every projection before this run ends.
func (r *campaignRun) continueAsNew(ctx workflow.Context, idx, next int) error {
	r.drainSignals(ctx)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if err := r.proj.drain(ctx); err != nil {
		return err
	}
	runs := 0
	if r.in.Resume != nil {
		runs = r.in.Resume.Runs
	}
	in := r.in
	in.Resume = &ResumeState{
		StepIndex: r.topIndex,
		StepKey:   r.view.Steps[idx].Key,
		Iteration: next,
		Seq:       r.proj.seq,
		StepSeq:   r.stepSeq,
		Outputs:   r.outputs,
		Steps:     carriedStepViews(r.view.Steps, idx),
		Approvals: carriedApprovalViews(r.view.Approvals),
		Runs:      runs + 1,
		Paused:    r.paused,
		PausedAt:  r.pausedAt,
	}
	workflow.GetLogger(ctx).Info("continuing as new", "campaign", r.in.CampaignID, "next_iteration", next)
	return workflow.NewContinueAsNewError(ctx, CampaignWorkflowType, in)
}

// drainSignals handles decisions that arrived but were not received yet.
func (r *campaignRun) drainSignals(ctx workflow.Context) {
	for {
		var sig ApprovalSignal
		if !r.signals.ReceiveAsync(&sig) {
			return
		}
		r.onSignal(ctx, sig)
	}
}

// carriedStepViews keeps the most recent steps and always the resumed repeat.
func carriedStepViews(steps []StepView, keep int) []StepView {
	start := max(0, len(steps)-carriedSteps)
	out := make([]StepView, 0, carriedSteps+1)
	if keep < start {
		out = append(out, steps[keep])
	}
	return append(out, steps[start:]...)
}

// carriedApprovalViews keeps pending approvals and the most recent decided ones, so
// a late decision for one of them is still recognised and recorded as ignored.
func carriedApprovalViews(all []ApprovalView) []ApprovalView {
	var out []ApprovalView
	decided := 0
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status == ApprovalPending || decided < carriedApprovals {
			out = append(out, all[i])
			if all[i].Status != ApprovalPending {
				decided++
			}
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// resumeRepeat continues the top-level repeat a previous run handed over.
func (r *campaignRun) resumeRepeat(ctx workflow.Context, root *frame, rs *ResumeState) error {
	idx := -1
	for i, s := range r.view.Steps {
		if s.Key == rs.StepKey {
			idx = i
		}
	}
	if idx < 0 || rs.StepIndex >= len(r.in.Playbook.Steps) {
		return fmt.Errorf("resume: step %s is not in the carried state", rs.StepKey)
	}
	return r.runRepeat(ctx, root, idx, r.in.Playbook.Steps[rs.StepIndex], rs.Iteration)
}
