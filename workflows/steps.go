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

const defaultActionTimeout = 5 * time.Minute

// runStep runs one step; a returned error ends the campaign.
func (r *campaignRun) runStep(ctx workflow.Context, step playbooks.Step) error {
	idx := r.beginStep(ctx, step)
	if step.Needs != "" && !r.approved(step.Needs) {
		r.endStep(ctx, idx, StepSkipped, map[string]any{"reason": fmt.Sprintf("approval %s was not approved", step.Needs)}, nil)
		return nil
	}
	switch step.Kind() {
	case playbooks.KindAction:
		return r.runAction(ctx, idx, step)
	case playbooks.KindApproval:
		return r.runApproval(ctx, idx, step)
	case playbooks.KindWait:
		err := workflow.NewTimerWithOptions(ctx, step.Wait.Duration, workflow.TimerOptions{
			Summary: fmt.Sprintf("%s (%s)", step.Summary(), step.Wait),
		}).Get(ctx, nil)
		if err != nil {
			return err
		}
		r.endStep(ctx, idx, StepCompleted, nil, nil)
		return nil
	}
	// Validation refuses such playbooks; this guards a hand-made workflow input.
	err := fmt.Errorf("step %s has no known kind", step.ID)
	r.endStep(ctx, idx, StepFailed, nil, err)
	return err
}

// beginStep records that a step started and returns its index in the view.
func (r *campaignRun) beginStep(ctx workflow.Context, step playbooks.Step) int {
	now := workflow.Now(ctx).UTC()
	name := step.Name
	if resolved, err := playbooks.Resolve(step.Name, r.scope()); err == nil {
		name = playbooks.Text(resolved)
	}
	r.view.Steps = append(r.view.Steps, StepView{
		ID: step.ID, Key: step.ID, Kind: step.Kind(), Name: name, Status: StepRunning, StartedAt: &now,
	})
	idx := len(r.view.Steps) - 1
	key := step.ID
	r.emit(ctx, change{status: StatusRunning, current: &key, steps: []int{idx}})
	return idx
}

// endStep records a step's outcome and output.
func (r *campaignRun) endStep(ctx workflow.Context, idx int, status string, output map[string]any, stepErr error) {
	now := workflow.Now(ctx).UTC()
	s := &r.view.Steps[idx]
	s.Status = status
	s.FinishedAt = &now
	if output != nil {
		r.outputs[s.ID] = output
		s.Output = json.RawMessage(jsonText(output))
	}
	if stepErr != nil {
		s.Error = stepErr.Error()
	}
	r.emit(ctx, change{status: StatusRunning, steps: []int{idx}})
}

func (r *campaignRun) runAction(ctx workflow.Context, idx int, step playbooks.Step) error {
	input, err := playbooks.ResolveMap(step.With, r.scope())
	if err != nil {
		err = fmt.Errorf("step %s: inputs: %w", step.ID, err)
		r.endStep(ctx, idx, StepFailed, nil, err)
		return err
	}
	timeout := defaultActionTimeout
	if step.Timeout != nil {
		timeout = step.Timeout.Duration
	}
	retry := &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10}
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
			return err
		}
		err = fmt.Errorf("step %s: %s: %w", step.ID, step.Action, err)
		r.endStep(ctx, idx, StepFailed, nil, err)
		return err
	}
	out := res.Output
	if out == nil {
		out = map[string]any{}
	}
	if res.Simulated {
		out["simulated"] = true
	}
	r.endStep(ctx, idx, StepCompleted, out, nil)
	return nil
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
func (r *campaignRun) approved(stepID string) bool {
	out := r.outputs[stepID]
	return out != nil && out["outcome"] == ApprovalApproved
}

// ApprovalID is the deterministic id of a campaign's approval for a step key.
func ApprovalID(campaignID, stepKey string) string { return campaignID + "." + stepKey }

func (r *campaignRun) runApproval(ctx workflow.Context, idx int, step playbooks.Step) error {
	cfg := step.Approval
	sc := r.scope()
	title := cfg.Title
	if t, err := playbooks.Resolve(cfg.Title, sc); err == nil {
		title = playbooks.Text(t)
	}
	preview, err := playbooks.ResolveMap(cfg.Preview, sc)
	if err != nil {
		err = fmt.Errorf("step %s: preview: %w", step.ID, err)
		r.endStep(ctx, idx, StepFailed, nil, err)
		return err
	}
	now := workflow.Now(ctx).UTC()
	key := r.view.Steps[idx].Key
	av := ApprovalView{
		ID: ApprovalID(r.in.CampaignID, key), CampaignID: r.in.CampaignID, Client: r.in.Client,
		Step: key, Title: title, Preview: json.RawMessage(jsonText(preview)), Status: ApprovalPending,
		OnTimeout: cfg.OnTimeout, RequestedAt: now, DueAt: now.Add(cfg.Timeout.Duration),
	}
	r.view.Approvals = append(r.view.Approvals, av)
	ai := len(r.view.Approvals) - 1
	r.approvals[av.ID] = ai
	r.view.Steps[idx].Status = StepWaitingApproval
	r.emit(ctx, change{
		status: StatusWaitingApproval, steps: []int{idx}, approvals: []int{ai},
		audit: []auditEntry{{kind: "approval.requested", channel: ChannelSystem, approvalID: av.ID,
			detail: map[string]any{"title": title, "due_at": av.DueAt.Format(time.RFC3339), "on_timeout": cfg.OnTimeout}}},
	})

	decided, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout: cfg.Timeout.Duration,
		TimerOptions: workflow.TimerOptions{
			Summary: fmt.Sprintf("Deadline: %s (%s, then %s)", title, cfg.Timeout, cfg.OnTimeout),
		},
	}, func() bool { return r.view.Approvals[ai].Status != ApprovalPending })
	if err != nil {
		return err
	}
	if !decided {
		r.expire(ctx, ai)
	}
	a := r.view.Approvals[ai]
	outcome := outcomeOf(a)
	out := map[string]any{
		"outcome": outcome, "status": a.Status, "decision": a.Decision,
		"by": a.DecidedBy, "comment": a.Comment, "policy": a.Policy,
	}
	switch {
	case a.Status == ApprovalExpired && a.Policy == playbooks.OnTimeoutFail:
		err := fmt.Errorf("approval %q got no decision within %s (on_timeout: fail)", title, cfg.Timeout)
		r.endStep(ctx, idx, StepFailed, out, err)
		return err
	case outcome == ApprovalRejected && cfg.OnReject != playbooks.OnRejectContinue:
		err := fmt.Errorf("approval %q rejected%s", title, rejectedBy(a))
		r.endStep(ctx, idx, StepFailed, out, err)
		return err
	}
	r.endStep(ctx, idx, StepCompleted, out, nil)
	return nil
}

// outcomeOf folds a human decision and a timeout policy into what the playbook acts on.
func outcomeOf(a ApprovalView) string {
	switch {
	case a.Status == ApprovalApproved, a.Status == ApprovalExpired && a.Policy == playbooks.OnTimeoutApprove:
		return ApprovalApproved
	case a.Status == ApprovalRejected, a.Status == ApprovalExpired && a.Policy == playbooks.OnTimeoutReject:
		return ApprovalRejected
	}
	return StepSkipped
}

func rejectedBy(a ApprovalView) string {
	if a.Status == ApprovalExpired {
		return " by its timeout policy"
	}
	s := " by " + a.DecidedBy
	if a.Comment != "" {
		s += ": " + a.Comment
	}
	return s
}

// expire applies the approval's timeout policy. It is recorded as the policy's
// decision, never as a person's.
func (r *campaignRun) expire(ctx workflow.Context, ai int) {
	now := workflow.Now(ctx).UTC()
	a := &r.view.Approvals[ai]
	a.Status = ApprovalExpired
	a.Policy = a.OnTimeout
	a.Channel = ChannelPolicy
	a.DecidedAt = &now
	switch a.OnTimeout {
	case playbooks.OnTimeoutApprove:
		a.Decision = DecisionApprove
	case playbooks.OnTimeoutReject:
		a.Decision = DecisionReject
	}
	r.emit(ctx, change{approvals: []int{ai}, audit: []auditEntry{{
		kind: "approval.expired", channel: ChannelPolicy, approvalID: a.ID, actor: "policy:" + a.OnTimeout,
		detail: map[string]any{"policy": a.OnTimeout},
	}}})
}

// Errors a decision can meet; the API maps them to 404 and 409.
var (
	ErrUnknownApproval = errors.New("unknown approval")
	ErrAlreadyDecided  = errors.New("approval already decided")
	ErrExpired         = errors.New("approval expired")
	ErrBadDecision     = errors.New("decision must be approve or reject")
)

// Error types carried by update failures, for callers across the wire.
const (
	ErrTypeUnknownApproval = "UnknownApproval"
	ErrTypeAlreadyDecided  = "AlreadyDecided"
	ErrTypeExpired         = "ApprovalExpired"
	ErrTypeBadDecision     = "BadDecision"
)

// checkDecision validates sig against the state without changing it.
func (r *campaignRun) checkDecision(sig ApprovalSignal) (int, error) {
	if sig.Decision != DecisionApprove && sig.Decision != DecisionReject {
		return 0, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%v, not %q", ErrBadDecision, sig.Decision), ErrTypeBadDecision, ErrBadDecision)
	}
	ai, ok := r.approvals[sig.ApprovalID]
	if !ok {
		return 0, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%v %q in campaign %s", ErrUnknownApproval, sig.ApprovalID, r.in.CampaignID), ErrTypeUnknownApproval, ErrUnknownApproval)
	}
	switch a := r.view.Approvals[ai]; a.Status {
	case ApprovalPending:
		return ai, nil
	case ApprovalExpired:
		return ai, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("approval %s expired (policy %s)", a.ID, a.Policy), ErrTypeExpired, ErrExpired)
	default:
		return ai, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("approval %s already %s by %s", a.ID, a.Status, a.DecidedBy), ErrTypeAlreadyDecided, ErrAlreadyDecided)
	}
}

// decide applies a person's decision, or records why it was ignored.
func (r *campaignRun) decide(ctx workflow.Context, sig ApprovalSignal) (ApprovalView, error) {
	by := sig.By
	if by == "" {
		by = "unknown"
	}
	ai, err := r.checkDecision(sig)
	if err != nil {
		r.emit(ctx, change{audit: []auditEntry{{
			kind: "approval.ignored", actor: by, channel: sig.Channel, approvalID: sig.ApprovalID,
			detail: map[string]any{"decision": sig.Decision, "reason": err.Error()},
		}}})
		return ApprovalView{}, err
	}
	now := workflow.Now(ctx).UTC()
	a := &r.view.Approvals[ai]
	a.Decision = sig.Decision
	a.Status = ApprovalApproved
	if sig.Decision == DecisionReject {
		a.Status = ApprovalRejected
	}
	a.DecidedBy = by
	a.Comment = sig.Comment
	a.Channel = sig.Channel
	a.DecidedAt = &now
	r.emit(ctx, change{approvals: []int{ai}, audit: []auditEntry{{
		kind: "approval.decided", actor: by, channel: sig.Channel, approvalID: a.ID,
		detail: map[string]any{"decision": sig.Decision, "comment": sig.Comment},
	}}})
	return *a, nil
}
