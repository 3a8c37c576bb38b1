package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

// A campaign spends most of its life waiting: on an approval, a `wait` step, a
// repeat's interval, or a pause. Every signal sent meanwhile — legitimate or a
// flood — adds to the run's history, and Temporal refuses signals past a per-run
// limit (10,000 by default) and terminates a run whose history passes 50 MB. So a
// waiting campaign continues as new once its history is long (the same threshold
// as a long repeat) or Temporal suggests it: the steps that are waiting unwind to
// the top, each adding where it stood (a ResumePoint), and the next run walks back
// down that path and waits again with the time that is left.
//
// Only sequences can be walked back: repeat iterations and branch arms. Inside a
// parallel step several branches stand at different places at once, with their
// own outputs; a wait there does not hand over, and the run continues as new at
// the first wait after the parallel step ends.

// suspended unwinds the running steps so the run can continue as new. Each step
// it passes adds its ResumePoint, innermost first.
type suspended struct{ at []ResumePoint }

func (s *suspended) Error() string { return "continuing as new while waiting" }

func asSuspended(err error) (*suspended, bool) {
	var s *suspended
	return s, errors.As(err, &s)
}

// suspendHere starts the path at the step that is waiting.
func suspendHere(p ResumePoint) error { return &suspended{at: []ResumePoint{p}} }

// atIndex records the position in its sequence of the step an unwinding passed
// through; other errors pass unchanged.
func atIndex(err error, i int) error {
	if s, ok := asSuspended(err); ok {
		s.at[len(s.at)-1].Index = i
	}
	return err
}

// through adds an enclosing step's point to an unwinding, and reports whether err
// was one.
func through(err error, p ResumePoint) bool {
	s, ok := asSuspended(err)
	if ok {
		s.at = append(s.at, p)
	}
	return ok
}

// errHandOver tells a waiting step that the run must hand over now; the step
// answers with suspendHere and its own point.
var errHandOver = errors.New("hand over to a new run")

// mustHandOver reports whether a wait in frame f should end this run now.
func (r *campaignRun) mustHandOver(ctx workflow.Context, f *frame) bool {
	return r.flood && !f.visibleOutputs() && r.shouldContinueAsNew(ctx)
}

// waitOrHandOver waits until the deadline or cond, unless the run must hand over
// first (errHandOver). It reports whether cond held.
func (r *campaignRun) waitOrHandOver(ctx workflow.Context, f *frame, until time.Time, summary string, cond func() bool) (bool, error) {
	remaining := until.Sub(workflow.Now(ctx))
	if remaining <= 0 {
		return cond(), nil
	}
	handOver := false
	ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      remaining,
		TimerOptions: workflow.TimerOptions{Summary: summary},
	}, func() bool {
		if cond() {
			return true
		}
		handOver = r.mustHandOver(ctx, f)
		return handOver
	})
	switch {
	case err != nil:
		return false, err
	case ok && cond():
		return true, nil
	case ok && handOver:
		return false, errHandOver
	}
	return false, nil
}

// continueWaiting hands the campaign to a new run that resumes at s.
func (r *campaignRun) continueWaiting(ctx workflow.Context, s *suspended) error {
	at := make([]ResumePoint, len(s.at))
	for i, p := range s.at {
		at[len(at)-1-i] = p
	}
	return r.handOver(ctx, func() *ResumeState {
		return &ResumeState{
			StepIndex: at[0].Index, StepKey: at[0].Key, Iteration: at[0].Iteration, At: at,
			Steps: carriedStepViews(r.view.Steps, -1),
		}
	})
}

// resumeSteps resumes the sequence steps at path (its first point names a step of
// steps) and runs the rest of the sequence.
func (r *campaignRun) resumeSteps(ctx workflow.Context, steps []playbooks.Step, f *frame, path []ResumePoint) error {
	i := path[0].Index
	if i < 0 || i >= len(steps) {
		return fmt.Errorf("resume: no step %d in a sequence of %d", i, len(steps))
	}
	if path[0].Key != "" {
		if err := atIndex(r.resumeStep(ctx, steps[i], f, path), i); err != nil {
			return err
		}
		i++
	}
	return r.runStepsFrom(ctx, steps, f, i)
}

// resumeStep picks up the step path[0] names where it stood.
func (r *campaignRun) resumeStep(ctx workflow.Context, step playbooks.Step, f *frame, path []ResumePoint) error {
	p := path[0]
	if key := f.key(step.ID); key != p.Key {
		return fmt.Errorf("resume: step %s is not %s", key, p.Key)
	}
	idx := r.stepIndex(p.Key)
	if idx < 0 {
		return fmt.Errorf("resume: step %s is not in the carried state", p.Key)
	}
	switch step.Kind() {
	case playbooks.KindApproval:
		return r.resumeApproval(ctx, f, idx, step, p)
	case playbooks.KindAction:
		if step.OnBlocked != nil {
			return r.resumeBlock(ctx, f, idx, step, p)
		}
	case playbooks.KindWait:
		return r.runWait(ctx, f, idx, step)
	case playbooks.KindRepeat:
		return r.runRepeat(ctx, f, idx, step, p.Iteration, path[1:], p.Until)
	case playbooks.KindBranch:
		return r.resumeBranch(ctx, f, idx, step, p.Arm, path[1:])
	}
	return fmt.Errorf("resume: a %s step (%s) cannot be resumed", step.Kind(), p.Key)
}

// stepIndex is the view index of the latest step with key, or -1.
func (r *campaignRun) stepIndex(key string) int {
	for i := len(r.view.Steps) - 1; i >= 0; i-- {
		if r.view.Steps[i].Key == key {
			return i
		}
	}
	return -1
}

// runWait waits out a `wait` step from its start; a resumed run waits what is left.
func (r *campaignRun) runWait(ctx workflow.Context, f *frame, idx int, step playbooks.Step) error {
	s := r.view.Steps[idx]
	until := s.StartedAt.Add(step.Wait.Duration)
	r.sleeping(ctx, until, "the step after "+summary(s))
	_, err := r.waitOrHandOver(ctx, f, until, fmt.Sprintf("%s (%s)", summary(s), step.Wait), func() bool { return false })
	r.sleeping(ctx, time.Time{}, "")
	if err != nil {
		if errors.Is(err, errHandOver) {
			return suspendHere(ResumePoint{Key: s.Key})
		}
		r.failStep(ctx, f, idx, err)
		return err
	}
	r.endStep(ctx, f, idx, api.StepCompleted, nil, nil)
	return nil
}

// resumeBranch goes on in the arm the branch took before the hand-over.
func (r *campaignRun) resumeBranch(ctx workflow.Context, f *frame, idx int, step playbooks.Step, arm string, path []ResumePoint) error {
	steps := step.Branch.Then
	if arm == "else" {
		steps = step.Branch.Else
	}
	if len(path) == 0 {
		return fmt.Errorf("resume: branch %s has no step to resume", r.view.Steps[idx].Key)
	}
	return r.finishBranch(ctx, f, idx, arm, r.resumeSteps(ctx, steps, f, path))
}
