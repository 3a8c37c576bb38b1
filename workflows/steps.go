package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/activities"
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
		r.endStep(ctx, f, idx, StepSkipped, map[string]any{"reason": fmt.Sprintf("approval %s was not approved", step.Needs)}, nil)
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
		err = workflow.NewTimerWithOptions(ctx, step.Wait.Duration, workflow.TimerOptions{
			Summary: fmt.Sprintf("%s (%s)", summary(r.view.Steps[idx]), step.Wait),
		}).Get(ctx, nil)
		if err == nil {
			r.endStep(ctx, f, idx, StepCompleted, nil, nil)
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
	status := StepFailed
	if temporal.IsCanceledError(err) || ctx.Err() != nil {
		status = StepCanceled
	}
	r.endStep(ctx, f, idx, status, nil, err)
}

// liveStatus is the campaign status while it runs: waiting while any approval is.
func (r *campaignRun) liveStatus() string {
	if r.paused {
		return StatusPaused
	}
	for _, a := range r.view.Approvals {
		if a.Status == ApprovalPending {
			return StatusWaitingApproval
		}
	}
	return StatusRunning
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
	r.view.Steps = append(r.view.Steps, StepView{
		ID: step.ID, Key: key, Kind: step.Kind(), Seq: r.stepSeq, Name: name, Status: StepRunning, StartedAt: &now,
	})
	idx := len(r.view.Steps) - 1
	r.emit(ctx, change{status: r.liveStatus(), current: &key, steps: []int{idx}})
	return idx
}

// endStep records a step's outcome and output.
func (r *campaignRun) endStep(ctx workflow.Context, f *frame, idx int, status string, output map[string]any, stepErr error) {
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
	r.emit(ctx, change{status: r.liveStatus(), steps: []int{idx}})
}

func (r *campaignRun) runAction(ctx workflow.Context, f *frame, idx int, step playbooks.Step) error {
	input, err := playbooks.ResolveMap(step.With, r.scopeFor(f))
	if err != nil {
		err = fmt.Errorf("step %s: inputs: %w", r.view.Steps[idx].Key, err)
		r.endStep(ctx, f, idx, StepFailed, nil, err)
		return err
	}
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
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    min(actionHeartbeatTimeout, timeout),
		RetryPolicy:         retry,
		Summary:             summary(r.view.Steps[idx]),
	})
	req := activities.ActionRequest{
		// Stable across retries, worker crashes and continue-as-new: the connector
		// acts once per key.
		Key:         r.in.CampaignID + "/" + r.view.Steps[idx].Key,
		Connector:   r.in.Connector,
		Action:      step.Action,
		CampaignID:  r.in.CampaignID,
		Client:      r.in.Client,
		Input:       input,
		Competitors: r.competitors(),
	}
	var res activities.ActionResult
	if err := workflow.ExecuteActivity(actx, acts.RunAction, req).Get(ctx, &res); err != nil {
		if temporal.IsCanceledError(err) {
			r.failStep(ctx, f, idx, err)
			return err
		}
		err = fmt.Errorf("step %s: %s: %w", r.view.Steps[idx].Key, step.Action, err)
		r.endStep(ctx, f, idx, StepFailed, nil, err)
		return err
	}
	out := res.Output
	if out == nil {
		out = map[string]any{}
	}
	if res.Simulated {
		out["simulated"] = true
	}
	r.endStep(ctx, f, idx, StepCompleted, out, nil)
	return nil
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
func summary(s StepView) string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

func (r *campaignRun) competitors() []string {
	name := r.in.Playbook.Guardrails.CompetitorsParam
	if name == "" {
		return nil
	}
	list, _ := r.in.Params[name].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// approved reports whether the named approval step ended approved, by a person or
// by an approve policy.
func (r *campaignRun) approved(f *frame, stepID string) bool {
	out := r.output(f, stepID)
	return out != nil && out["outcome"] == ApprovalApproved
}

// Errors a decision can meet; the API maps them to 404, 409 and 403.
var (
	ErrUnknownApproval        = errors.New("unknown approval")
	ErrAlreadyDecided         = errors.New("approval already decided")
	ErrExpired                = errors.New("approval expired")
	ErrBadDecision            = errors.New("decision must be approve or reject")
	ErrNotAnApprover          = errors.New("not an approver of this approval")
	ErrRequesterMayNotApprove = errors.New("the requester of a step may not approve it")
)

// Error types carried by update failures, for callers across the wire.
const (
	ErrTypeUnknownApproval        = "UnknownApproval"
	ErrTypeAlreadyDecided         = "AlreadyDecided"
	ErrTypeExpired                = "ApprovalExpired"
	ErrTypeBadDecision            = "BadDecision"
	ErrTypeNotAnApprover          = "NotAnApprover"
	ErrTypeRequesterMayNotApprove = "RequesterMayNotApprove"
)

func decisionError(msg, typ string, cause error) error {
	return temporal.NewNonRetryableApplicationError(msg, typ, cause)
}

// checkDecision validates sig against the state without changing it.
func (r *campaignRun) checkDecision(sig ApprovalSignal) (int, error) {
	if sig.Decision != DecisionApprove && sig.Decision != DecisionReject {
		return 0, decisionError(fmt.Sprintf("%v, not %q", ErrBadDecision, sig.Decision), ErrTypeBadDecision, ErrBadDecision)
	}
	ai, ok := r.approvals[sig.ApprovalID]
	if !ok {
		return 0, decisionError(fmt.Sprintf("%v %q in campaign %s", ErrUnknownApproval, sig.ApprovalID, r.in.CampaignID), ErrTypeUnknownApproval, ErrUnknownApproval)
	}
	a := r.view.Approvals[ai]
	switch a.Status {
	case ApprovalPending:
	case ApprovalExpired:
		return ai, decisionError(fmt.Sprintf("approval %s expired (policy %s)", a.ID, a.Policy), ErrTypeExpired, ErrExpired)
	default:
		return ai, decisionError(fmt.Sprintf("approval %s already %s by %s", a.ID, a.Status, a.DecidedBy), ErrTypeAlreadyDecided, ErrAlreadyDecided)
	}
	if !MayDecide(a.Approvers, Approver{ID: sig.By, Role: sig.Role}) {
		return ai, decisionError(fmt.Sprintf("%s (role %q) is %v %s", sig.By, sig.Role, ErrNotAnApprover, a.ID), ErrTypeNotAnApprover, ErrNotAnApprover)
	}
	if sig.Decision == DecisionApprove && a.RequestedBy != "" && sig.By == a.RequestedBy {
		return ai, decisionError(fmt.Sprintf("%s requested %s: %v", sig.By, a.ID, ErrRequesterMayNotApprove), ErrTypeRequesterMayNotApprove, ErrRequesterMayNotApprove)
	}
	for _, v := range a.Votes {
		if v.By == sig.By {
			return ai, decisionError(fmt.Sprintf("%s already voted %s on approval %s", sig.By, v.Decision, a.ID), ErrTypeAlreadyDecided, ErrAlreadyDecided)
		}
	}
	return ai, nil
}

// MayDecide reports whether who (a person by id, or through a role) is among
// the approvers; no approvers means anyone may decide. The API asks the same
// question before minting a link, so both ask it here.
func MayDecide(approvers []Approver, who Approver) bool {
	if len(approvers) == 0 {
		return true
	}
	for _, ap := range approvers {
		if ap.ID != "" && ap.ID == who.ID || ap.Role != "" && ap.Role == who.Role {
			return true
		}
	}
	return false
}

// decide records a person's vote and settles the approval once its quorum of
// approvals (or enough rejections) is reached; an invalid decision is recorded as
// ignored, or only counted once its sender has sent several (see signals.go).
func (r *campaignRun) decide(ctx workflow.Context, sig ApprovalSignal) (ApprovalView, error) {
	if sig.By == "" {
		sig.By = "unknown"
	}
	ai, err := r.checkDecision(sig)
	if err != nil {
		r.ignore(ctx, sig, err)
		return ApprovalView{}, err
	}
	now := workflow.Now(ctx).UTC()
	a := &r.view.Approvals[ai]
	vote := VoteView{By: sig.By, Role: sig.Role, Decision: sig.Decision, Comment: sig.Comment, Channel: sig.Channel, At: now}
	if len(sig.Edits) > 0 {
		vote.Edits = json.RawMessage(jsonText(sig.Edits))
	}
	a.Votes = append(a.Votes, vote)
	approvals, rejections := 0, 0
	for _, v := range a.Votes {
		if v.Decision == DecisionApprove {
			approvals++
		} else {
			rejections++
		}
	}
	kind := "approval.voted"
	switch {
	case rejections >= max(a.RejectionsNeeded, 1):
		a.Status, a.Decision = ApprovalRejected, DecisionReject
	case approvals >= max(a.Quorum, 1):
		a.Status, a.Decision = ApprovalApproved, DecisionApprove
	}
	if a.Status != ApprovalPending {
		kind = "approval.decided"
		a.DecidedBy, a.Comment, a.Channel, a.DecidedAt = sig.By, sig.Comment, sig.Channel, &now
		if vote.Edits != nil && a.Status == ApprovalApproved {
			a.Edits = vote.Edits
		}
	}
	detail := map[string]any{"decision": sig.Decision, "comment": sig.Comment, "approvals": approvals, "rejections": rejections}
	if sig.Role != "" {
		detail["role"] = sig.Role
	}
	if vote.Edits != nil {
		detail["edits"] = sig.Edits
	}
	r.emit(ctx, change{approvals: []int{ai}, votes: []voteRef{{ai, len(a.Votes) - 1}}, audit: []auditEntry{{
		kind: kind, actor: sig.By, channel: sig.Channel, approvalID: a.ID, detail: detail,
	}}})
	return *a, nil
}
