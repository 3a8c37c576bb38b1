package workflows

import (
	"fmt"
	"time"

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
// whose view index is idx at iteration next. Runs recorded before waits could hand
// over take this path; newer runs unwind to run() (see suspend.go).
func (r *campaignRun) continueAsNew(ctx workflow.Context, idx, next int) error {
	return r.handOver(ctx, func() *ResumeState {
		return &ResumeState{
			StepIndex: r.topIndex, StepKey: r.view.Steps[idx].Key, Iteration: next,
			Steps: carriedStepViews(r.view.Steps, idx),
		}
	})
}

// handOver continues the campaign as a new run, which resumes where the state
// that resume makes says. Nothing may be lost on the way: signals already
// delivered are handled, update handlers finish, and the store has every
// projection before this run ends; resume is called after all that, so the
// state it carries is final.
func (r *campaignRun) handOver(ctx workflow.Context, resume func() *ResumeState) error {
	if r.flood {
		// A signal that arrived in this workflow task may already be handed to the
		// receiving loop, where drainSignals cannot see it: let the loop run first.
		if err := yieldOnce(ctx); err != nil {
			return err
		}
	}
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
	rs := resume()
	rs.Seq, rs.StepSeq, rs.Outputs = r.proj.seq, r.stepSeq, r.outputs
	rs.Approvals = carriedApprovalViews(r.view.Approvals)
	rs.Runs = runs + 1
	rs.Paused, rs.PausedAt = r.paused, r.pausedAt
	rs.CurrentStep = r.view.CurrentStep
	rs.Ignored = r.ignored
	if r.others.Total > 0 || r.others.Count > 0 {
		others := r.others
		rs.IgnoredOthers = &others
	}
	in := r.in
	in.Resume = rs
	workflow.GetLogger(ctx).Info("continuing as new", "campaign", r.in.CampaignID, "step", rs.StepKey, "runs", rs.Runs)
	return workflow.NewContinueAsNewError(ctx, CampaignWorkflowType, in)
}

// yieldOnce lets every other coroutine that can run do so before the caller goes on.
func yieldOnce(ctx workflow.Context) error {
	yielded := false
	return workflow.Await(ctx, func() bool {
		done := yielded
		yielded = true
		return done
	})
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

// carriedStepViews keeps the most recent steps, the step at keep (-1: none) and
// every step still under way, which a resumed run ends.
func carriedStepViews(steps []StepView, keep int) []StepView {
	start := max(0, len(steps)-carriedSteps)
	out := make([]StepView, 0, carriedSteps+1)
	for i, s := range steps[:start] {
		if i == keep || s.Status == StepRunning || s.Status == StepWaitingApproval {
			out = append(out, s)
		}
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
	return r.runRepeat(ctx, root, idx, r.in.Playbook.Steps[rs.StepIndex], rs.Iteration, nil, time.Time{})
}
