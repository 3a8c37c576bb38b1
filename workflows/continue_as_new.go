package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
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
		if err := r.settleSignals(ctx); err != nil {
			return err
		}
	} else {
		r.drainSignals(ctx)
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		if err := r.proj.drain(ctx); err != nil {
			return err
		}
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

// settleSignals handles every signal and update delivered so far and waits until
// the store has what they changed, so the run can end (counts of ignored signals
// travel in ResumeState, or, once the campaign ended, in its result). Signals
// keep arriving while it waits, and one delivered in a workflow task may already
// be handed to the receiving loop, where drainSignals cannot see it; so each
// round first lets the loop run, and it returns only from a round with nothing
// left to wait for, before another task can deliver anything.
//
// Temporal refuses to end a run while signals wait to be delivered, and the
// refused task's work is done again in the next one, with those signals. Its
// store writes cannot be taken back, and redone with more signals they would
// carry other content under the same projection numbers, which the store drops
// as already applied. So the run never ends in a task that wrote to the store:
// it goes on in the next task first.
func (r *campaignRun) settleSignals(ctx workflow.Context) error {
	for {
		if err := yieldOnce(ctx); err != nil {
			return err
		}
		r.drainSignals(ctx)
		if workflow.AllHandlersFinished(ctx) && r.proj.written >= r.proj.seq {
			if !r.proj.wrote {
				return nil
			}
			if err := nextTask(ctx); err != nil {
				return err
			}
			r.proj.wrote = false
			continue
		}
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		if err := r.proj.drain(ctx); err != nil {
			return err
		}
	}
}

// nextTask returns in a later workflow task than the current one: the next one
// anything (a signal) brings, or one a moment from now. Under a flood of signals
// a timer can take a second to fire; the next signal comes sooner.
func nextTask(ctx workflow.Context) error {
	started := workflow.GetInfo(ctx).GetCurrentHistoryLength()
	_, err := workflow.AwaitWithTimeout(ctx, time.Millisecond, func() bool {
		return workflow.GetInfo(ctx).GetCurrentHistoryLength() != started
	})
	return err
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
func carriedStepViews(steps []api.StepView, keep int) []api.StepView {
	start := max(0, len(steps)-carriedSteps)
	out := make([]api.StepView, 0, carriedSteps+1)
	for i, s := range steps[:start] {
		if i == keep || s.Status == api.StepRunning || s.Status == api.StepWaitingApproval {
			out = append(out, s)
		}
	}
	return append(out, steps[start:]...)
}

// carriedApprovalViews keeps pending approvals and the most recent decided ones, so
// a late decision for one of them is still recognised and recorded as ignored.
func carriedApprovalViews(all []api.ApprovalView) []api.ApprovalView {
	var out []api.ApprovalView
	decided := 0
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status == api.ApprovalPending || decided < carriedApprovals {
			out = append(out, all[i])
			if all[i].Status != api.ApprovalPending {
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
