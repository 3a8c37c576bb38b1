package workflows

import (
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

// Action timeouts. A worker that dies mid-action stops heartbeating, so Temporal
// retries the action on another worker after actionHeartbeatTimeout, not after
// the whole attempt's start-to-close timeout; the connector's idempotency key
// makes the retry act at most once. The start-to-close timeout only bounds a
// connector call that hangs while its worker lives.
const (
	defaultActionTimeout   = 5 * time.Minute
	actionHeartbeatTimeout = 10 * time.Second
	// noticeTimeout bounds one attempt to send a reminder or an escalation.
	noticeTimeout = time.Minute
)

// defaultRetry is an action's retry policy unless its step says otherwise.
func defaultRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10}
}

// runSteps runs steps in order in frame f; the first error ends the sequence.
func (r *campaignRun) runSteps(ctx workflow.Context, steps []playbooks.Step, f *frame) error {
	return r.runStepsFrom(ctx, steps, f, 0)
}

// runStepsFrom runs steps[from:]; a hand-over records which step it passed.
func (r *campaignRun) runStepsFrom(ctx workflow.Context, steps []playbooks.Step, f *frame, from int) error {
	for i := from; i < len(steps); i++ {
		if err := r.runStep(ctx, steps[i], f); err != nil {
			return atIndex(err, i)
		}
	}
	return nil
}

// runStep runs one step; a returned error ends the enclosing sequence.
func (r *campaignRun) runStep(ctx workflow.Context, step playbooks.Step, f *frame) error {
	if err := r.waitWhilePaused(ctx, f); err != nil {
		return err
	}
	idx := r.beginStep(ctx, step, f)
	if step.Needs != "" && !r.approved(f, step.Needs) {
		r.endStep(ctx, f, idx, api.StepSkipped, map[string]any{"reason": fmt.Sprintf("approval %s was not approved", step.Needs)}, nil)
		return nil
	}
	var err error
	switch step.Kind() {
	case playbooks.KindAction:
		return r.runAction(ctx, f, idx, step)
	case playbooks.KindApproval:
		return r.runApproval(ctx, f, idx, step)
	case playbooks.KindWait:
		if r.flood {
			return r.runWait(ctx, f, idx, step)
		}
		r.sleeping(ctx, workflow.Now(ctx).Add(step.Wait.Duration), "the step after "+summary(r.view.Steps[idx]))
		err = workflow.NewTimerWithOptions(ctx, step.Wait.Duration, workflow.TimerOptions{
			Summary: fmt.Sprintf("%s (%s)", summary(r.view.Steps[idx]), step.Wait),
		}).Get(ctx, nil)
		r.sleeping(ctx, time.Time{}, "")
		if err == nil {
			r.endStep(ctx, f, idx, api.StepCompleted, nil, nil)
		}
	case playbooks.KindParallel:
		return r.runParallel(ctx, f, idx, step)
	case playbooks.KindRepeat:
		return r.runRepeat(ctx, f, idx, step, 1, nil, time.Time{})
	case playbooks.KindBranch:
		return r.runBranch(ctx, f, idx, step)
	default:
		// Validation refuses such playbooks; this guards a hand-made workflow input.
		err = fmt.Errorf("step %s has no known kind", step.ID)
	}
	if err != nil {
		r.failStep(ctx, f, idx, err)
	}
	return err
}

// failStep ends a step that did not finish: canceled when its context was, else failed.
func (r *campaignRun) failStep(ctx workflow.Context, f *frame, idx int, err error) {
	status := api.StepFailed
	if temporal.IsCanceledError(err) || ctx.Err() != nil {
		status = api.StepCanceled
	}
	r.endStep(ctx, f, idx, status, nil, err)
}

// liveStatus is the campaign status while it runs: waiting while any approval is.
func (r *campaignRun) liveStatus() string {
	if r.paused {
		return api.StatusPaused
	}
	for _, a := range r.view.Approvals {
		if a.Status == api.ApprovalPending {
			return api.StatusWaitingApproval
		}
	}
	return api.StatusRunning
}

// beginStep records that a step started and returns its index in the view.
func (r *campaignRun) beginStep(ctx workflow.Context, step playbooks.Step, f *frame) int {
	now := workflow.Now(ctx).UTC()
	name := step.Name
	if resolved, err := playbooks.Resolve(step.Name, r.scopeFor(f)); err == nil {
		name = playbooks.Text(resolved)
	}
	key := f.key(step.ID)
	r.stepSeq++
	r.view.Steps = append(r.view.Steps, api.StepView{
		ID: step.ID, Key: key, Kind: step.Kind(), Seq: r.stepSeq, Name: name, Status: api.StepRunning, StartedAt: &now,
	})
	idx := len(r.view.Steps) - 1
	r.emit(ctx, change{status: r.liveStatus(), current: &key, steps: []int{idx}})
	return idx
}

// endStep records a step's outcome and output, and the audit entries that go
// with it.
func (r *campaignRun) endStep(ctx workflow.Context, f *frame, idx int, status string, output map[string]any, stepErr error, audit ...auditEntry) {
	now := workflow.Now(ctx).UTC()
	s := &r.view.Steps[idx]
	s.Status = status
	s.FinishedAt = &now
	if output != nil {
		r.setOutput(f, s.ID, output)
		s.Output = json.RawMessage(jsonText(output))
	}
	if stepErr != nil {
		s.Error = stepErr.Error()
	}
	r.emit(ctx, change{status: r.liveStatus(), steps: []int{idx}, audit: audit})
}

func (r *campaignRun) runAction(ctx workflow.Context, f *frame, idx int, step playbooks.Step) error {
	req, err := r.actionRequest(ctx, f, idx, step)
	if err != nil {
		return err
	}
	var res activities.ActionResult
	if err := workflow.ExecuteActivity(r.actionContext(ctx, idx, step), acts.RunAction, req).Get(ctx, &res); err != nil {
		return r.actionFailed(ctx, f, idx, step, err)
	}
	out := res.Output
	if out == nil {
		out = map[string]any{}
	}
	if res.Simulated {
		out["simulated"] = true
	}
	if step.OnBlocked != nil && len(blocksOf(out)) > 0 {
		return r.askAboutBlock(ctx, f, idx, step, req, out)
	}
	r.endStep(ctx, f, idx, api.StepCompleted, out, nil, r.blockedAudit(idx, step, out)...)
	return nil
}

// actionRequest resolves an action step's inputs into its request; inputs that
// do not resolve fail the step.
func (r *campaignRun) actionRequest(ctx workflow.Context, f *frame, idx int, step playbooks.Step) (activities.ActionRequest, error) {
	input, err := playbooks.ResolveMap(step.With, r.scopeFor(f))
	if err != nil {
		err = fmt.Errorf("step %s: inputs: %w", r.view.Steps[idx].Key, err)
		r.endStep(ctx, f, idx, api.StepFailed, nil, err)
		return activities.ActionRequest{}, err
	}
	return activities.ActionRequest{
		// Stable across retries, worker crashes and continue-as-new: the connector
		// acts once per key.
		Key:         r.in.CampaignID + "/" + r.view.Steps[idx].Key,
		Connector:   r.in.Connector,
		Action:      step.Action,
		CampaignID:  r.in.CampaignID,
		Client:      r.in.Client,
		Input:       input,
		Competitors: r.competitors(),
		Accounts:    r.in.Accounts,
		Granted:     r.granted(f),
	}, nil
}

// granted lists the accounts of other teams whose owners approved lending
// them to this campaign.
func (r *campaignRun) granted(f *frame) []string {
	var ids []string
	for _, a := range r.in.Accounts {
		if a.AwaitStep != "" && r.approved(f, a.AwaitStep) {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// actionContext carries an action step's timeout and retry policy.
func (r *campaignRun) actionContext(ctx workflow.Context, idx int, step playbooks.Step) workflow.Context {
	timeout := defaultActionTimeout
	if step.Timeout != nil {
		timeout = step.Timeout.Duration
	}
	retry := defaultRetry()
	if step.Retry != nil {
		retry.MaximumAttempts = int32(step.Retry.MaxAttempts)
		if step.Retry.Initial != nil {
			retry.InitialInterval = step.Retry.Initial.Duration
		}
		if step.Retry.Max != nil {
			retry.MaximumInterval = step.Retry.Max.Duration
		}
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    min(actionHeartbeatTimeout, timeout),
		RetryPolicy:         retry,
		Summary:             summary(r.view.Steps[idx]),
	})
}

// actionFailed ends an action step whose activity failed or was canceled.
func (r *campaignRun) actionFailed(ctx workflow.Context, f *frame, idx int, step playbooks.Step, err error) error {
	if temporal.IsCanceledError(err) {
		r.failStep(ctx, f, idx, err)
		return err
	}
	err = fmt.Errorf("step %s: %s: %w", r.view.Steps[idx].Key, step.Action, err)
	r.endStep(ctx, f, idx, api.StepFailed, nil, err)
	return err
}

// noticeOptions are the options of a reminder's or an escalation's notify action.
func noticeOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: noticeTimeout,
		HeartbeatTimeout:    actionHeartbeatTimeout,
		RetryPolicy:         defaultRetry(),
		Summary:             summary,
	}
}

// summary is the one line the Web UI shows for a step's activity.
func summary(s api.StepView) string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// competitors is the campaign's competitor list as launched (handles or
// competitor objects); the activity reads it with the guardrail.
func (r *campaignRun) competitors() []any {
	name := r.in.Playbook.Guardrails.CompetitorsParam
	if name == "" {
		return nil
	}
	list, _ := r.in.Params[name].([]any)
	return list
}

// approved reports whether the named approval step ended approved, by a person or
// by an approve policy.
func (r *campaignRun) approved(f *frame, stepID string) bool {
	out := r.output(f, stepID)
	return out != nil && out["outcome"] == api.ApprovalApproved
}
