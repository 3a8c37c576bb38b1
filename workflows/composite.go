package workflows

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

// lane is one branch of a parallel step.
type lane struct {
	name  string
	steps []playbooks.Step
	frame *frame
	err   error
}

// runParallel runs the branches together. A failing branch cancels its siblings
// unless the step says on_failure: continue.
func (r *campaignRun) runParallel(ctx workflow.Context, f *frame, idx int, step playbooks.Step) error {
	p := step.Parallel
	key := r.view.Steps[idx].Key
	var lanes []*lane
	if p.ForEach != nil {
		items, err := playbooks.ListValue(p.ForEach, r.scopeFor(f))
		if err != nil {
			err = fmt.Errorf("step %s: for_each: %w", key, err)
			r.endStep(ctx, f, idx, api.StepFailed, nil, err)
			return err
		}
		for i, item := range items {
			lf := f.child(step.ID + "." + strconv.Itoa(i+1))
			lf.item, lf.hasItem, lf.outputs = item, true, map[string]map[string]any{}
			lanes = append(lanes, &lane{name: playbooks.Text(item), steps: p.Steps, frame: lf})
		}
	} else {
		for _, b := range p.Branches {
			lf := f.child(step.ID + "." + b.ID)
			lf.outputs = map[string]map[string]any{}
			lanes = append(lanes, &lane{name: b.ID, steps: b.Steps, frame: lf})
		}
	}

	lctx, cancel := workflow.WithCancel(ctx)
	wg := workflow.NewWaitGroup(ctx)
	for _, l := range lanes {
		wg.Add(1)
		workflow.Go(lctx, func(gctx workflow.Context) {
			defer wg.Done()
			l.err = r.runSteps(gctx, l.steps, l.frame)
			if l.err != nil && p.OnFailure != playbooks.OnFailureContinue {
				cancel()
			}
		})
	}
	wg.Wait(ctx)
	cancel()

	results := make([]any, 0, len(lanes))
	var failed []string
	for _, l := range lanes {
		res := map[string]any{"branch": l.name, "status": api.StepCompleted, "outputs": outputsAsAny(l.frame.outputs)}
		switch {
		case l.err == nil:
		case temporal.IsCanceledError(l.err) && ctx.Err() == nil:
			res["status"] = api.StepCanceled // stopped because a sibling failed
		default:
			res["status"] = api.StepFailed
			res["error"] = l.err.Error()
			failed = append(failed, l.name)
		}
		results = append(results, res)
	}
	out := map[string]any{"branches": results, "failed": len(failed)}
	if ctx.Err() != nil {
		err := temporal.NewCanceledError("campaign canceled")
		r.endStep(ctx, f, idx, api.StepCanceled, out, err)
		return err
	}
	if len(failed) > 0 && p.OnFailure != playbooks.OnFailureContinue {
		err := fmt.Errorf("step %s: branch %s failed", key, failed[0])
		r.endStep(ctx, f, idx, api.StepFailed, out, err)
		return err
	}
	r.endStep(ctx, f, idx, api.StepCompleted, out, nil)
	return nil
}

func outputsAsAny(m map[string]map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out[k] = m[k]
	}
	return out
}

// runRepeat runs the block, then waits `every`, until the condition holds after an
// iteration or max iterations ran. from > 1 when a continued run resumes it: at
// the start of iteration from, or inside it at path, or in the interval before
// it until `until`.
func (r *campaignRun) runRepeat(ctx workflow.Context, f *frame, idx int, step playbooks.Step, from int, path []ResumePoint, until time.Time) error {
	rep := step.Repeat
	key := r.view.Steps[idx].Key
	maxIter, err := playbooks.IntValue(rep.Max, r.scopeFor(f))
	if err != nil {
		err = fmt.Errorf("step %s: max: %w", key, err)
		r.endStep(ctx, f, idx, api.StepFailed, nil, err)
		return err
	}
	if !until.IsZero() {
		if err := r.repeatInterval(ctx, f, idx, from, maxIter, rep.Every, until); err != nil {
			return err
		}
	}
	stoppedBy := "max"
	it := from
	for ; it <= maxIter; it++ {
		itf := f.child(step.ID + "." + strconv.Itoa(it))
		itf.iteration = it
		var err error
		if it == from && len(path) > 0 {
			err = r.resumeSteps(ctx, rep.Steps, itf, path)
		} else {
			err = r.runSteps(ctx, rep.Steps, itf)
		}
		if err != nil {
			if through(err, ResumePoint{Key: key, Iteration: it}) {
				return err
			}
			r.failStep(ctx, f, idx, err)
			return err
		}
		if rep.Until != "" {
			done, err := playbooks.Condition(rep.Until, r.scopeFor(itf))
			if err != nil {
				err = fmt.Errorf("step %s: until: %w", key, err)
				r.endStep(ctx, f, idx, api.StepFailed, nil, err)
				return err
			}
			if done {
				stoppedBy = "until"
				break
			}
		}
		if it == maxIter {
			break
		}
		if r.flood {
			next := workflow.Now(ctx).Add(rep.Every.Duration)
			if err := r.repeatInterval(ctx, f, idx, it+1, maxIter, rep.Every, next); err != nil {
				return err
			}
			continue
		}
		r.sleeping(ctx, workflow.Now(ctx).Add(rep.Every.Duration), fmt.Sprintf("iteration %d of %d of %s", it+1, maxIter, summary(r.view.Steps[idx])))
		err = workflow.NewTimerWithOptions(ctx, rep.Every.Duration, workflow.TimerOptions{
			Summary: fmt.Sprintf("%s: iteration %d of %d in %s", summary(r.view.Steps[idx]), it+1, maxIter, rep.Every),
		}).Get(ctx, nil)
		r.sleeping(ctx, time.Time{}, "")
		if err != nil {
			r.failStep(ctx, f, idx, err)
			return err
		}
		if f.parent == nil && r.shouldContinueAsNew(ctx) {
			return r.continueAsNew(ctx, idx, it+1)
		}
	}
	r.endStep(ctx, f, idx, api.StepCompleted, map[string]any{"iterations": min(it, maxIter), "stopped_by": stoppedBy}, nil)
	return nil
}

// repeatInterval waits until `until` before iteration next, and hands over to a
// new run during the wait or at its end when the history is long.
func (r *campaignRun) repeatInterval(ctx workflow.Context, f *frame, idx, next, maxIter int, every playbooks.Duration, until time.Time) error {
	key := r.view.Steps[idx].Key
	r.sleeping(ctx, until, fmt.Sprintf("iteration %d of %d of %s", next, maxIter, summary(r.view.Steps[idx])))
	_, err := r.waitOrHandOver(ctx, f, until,
		fmt.Sprintf("%s: iteration %d of %d in %s", summary(r.view.Steps[idx]), next, maxIter, every), func() bool { return false })
	r.sleeping(ctx, time.Time{}, "")
	switch {
	case errors.Is(err, errHandOver):
		return suspendHere(ResumePoint{Key: key, Iteration: next, Until: until})
	case err != nil:
		r.failStep(ctx, f, idx, err)
		return err
	case r.mustHandOver(ctx, f):
		return suspendHere(ResumePoint{Key: key, Iteration: next})
	}
	return nil
}

// runBranch runs `then` when the condition holds, else `else`.
func (r *campaignRun) runBranch(ctx workflow.Context, f *frame, idx int, step playbooks.Step) error {
	b := step.Branch
	ok, err := playbooks.Condition(b.If, r.scopeFor(f))
	if err != nil {
		err = fmt.Errorf("step %s: if: %w", r.view.Steps[idx].Key, err)
		r.endStep(ctx, f, idx, api.StepFailed, nil, err)
		return err
	}
	arm, steps := "then", b.Then
	if !ok {
		arm, steps = "else", b.Else
	}
	return r.finishBranch(ctx, f, idx, arm, r.runSteps(ctx, steps, f))
}

// finishBranch ends a branch step once its arm ran (with err).
func (r *campaignRun) finishBranch(ctx workflow.Context, f *frame, idx int, arm string, err error) error {
	if err != nil {
		if through(err, ResumePoint{Key: r.view.Steps[idx].Key, Arm: arm}) {
			return err
		}
		r.failStep(ctx, f, idx, err)
		return err
	}
	r.endStep(ctx, f, idx, api.StepCompleted, map[string]any{"condition": arm == "then", "took": arm}, nil)
	return nil
}

// sleeping tells the Temporal Web UI (the workflow's current details) that the
// campaign sleeps until a time, and for what; a zero until clears it. It is
// not recorded in history, so it changes nothing on replay.
func (r *campaignRun) sleeping(ctx workflow.Context, until time.Time, next string) {
	if until.IsZero() {
		workflow.SetCurrentDetails(ctx, "")
		return
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("Waiting until %s for %s.", until.UTC().Format("2006-01-02 15:04 MST"), next))
}
