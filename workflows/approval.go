package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

func (r *campaignRun) runApproval(ctx workflow.Context, f *frame, idx int, step playbooks.Step) error {
	cfg := step.Approval
	key := r.view.Steps[idx].Key
	title, preview, err := r.approvalContent(ctx, f, idx, step)
	if err != nil {
		return err
	}
	ai := r.requestApproval(ctx, idx, cfg, title, preview)
	if cfg.CoveredBy != "" && !cfg.Sensitive && r.applyGrant(ctx, f, ai, cfg.CoveredBy, preview) {
		return r.settleApproval(ctx, f, idx, ai, cfg, title, preview)
	}
	return r.waitApproval(ctx, f, idx, ai, cfg, title, preview, ResumePoint{Key: key})
}

// requestApproval opens the approval of the step at idx (its id is the step's
// key) and records the request, with any audit entries that go with it. It
// returns the approval's index.
func (r *campaignRun) requestApproval(ctx workflow.Context, idx int, cfg *playbooks.Approval, title string, preview map[string]any, audit ...auditEntry) int {
	key := r.view.Steps[idx].Key
	now := workflow.Now(ctx).UTC()
	av := api.ApprovalView{
		ID: api.ApprovalID(r.in.CampaignID, key), CampaignID: r.in.CampaignID, Client: r.in.Client,
		Step: key, Title: title, Preview: json.RawMessage(jsonText(preview)), Status: api.ApprovalPending,
		OnTimeout: cfg.OnTimeout, RequestedAt: now, DueAt: now.Add(cfg.Timeout.Duration),
		Quorum: max(cfg.Quorum, 1), Approvers: approversOf(cfg.Approvers), RequestedBy: r.in.RequestedBy,
		RejectionsNeeded: max(cfg.Rejections, 1),
	}
	r.view.Approvals = append(r.view.Approvals, av)
	ai := len(r.view.Approvals) - 1
	r.approvals[av.ID] = ai
	r.view.Steps[idx].Status = api.StepWaitingApproval
	r.emit(ctx, change{
		status: api.StatusWaitingApproval, steps: []int{idx}, approvals: []int{ai},
		audit: append(audit, auditEntry{kind: "approval.requested", channel: api.ChannelSystem, approvalID: av.ID,
			detail: map[string]any{"title": title, "due_at": av.DueAt.Format(time.RFC3339), "on_timeout": cfg.OnTimeout}}),
	})
	return ai
}

// approvalContent resolves an approval's title and preview in frame f; a preview
// that cannot be resolved fails the step.
func (r *campaignRun) approvalContent(ctx workflow.Context, f *frame, idx int, step playbooks.Step) (string, map[string]any, error) {
	title, preview, err := r.resolveApproval(f, idx, step.Approval)
	if err != nil {
		r.endStep(ctx, f, idx, api.StepFailed, nil, err)
		return "", nil, err
	}
	return title, preview, nil
}

// resolveApproval resolves cfg's title and preview in frame f. A title that does
// not resolve is shown as written; a preview must resolve.
func (r *campaignRun) resolveApproval(f *frame, idx int, cfg *playbooks.Approval) (string, map[string]any, error) {
	sc := r.scopeFor(f)
	title := cfg.Title
	if t, err := playbooks.Resolve(cfg.Title, sc); err == nil {
		title = playbooks.Text(t)
	}
	preview, err := playbooks.ResolveMap(cfg.Preview, sc)
	if err != nil {
		return "", nil, fmt.Errorf("step %s: preview: %w", r.view.Steps[idx].Key, err)
	}
	return title, preview, nil
}

// resumeApproval waits again for an approval a previous run handed over while it
// was pending: its votes, deadline, escalation tier and reminders came with it.
func (r *campaignRun) resumeApproval(ctx workflow.Context, f *frame, idx int, step playbooks.Step, p ResumePoint) error {
	title, preview, err := r.approvalContent(ctx, f, idx, step)
	if err != nil {
		return err
	}
	ai, ok := r.approvals[api.ApprovalID(r.in.CampaignID, p.Key)]
	if !ok {
		return fmt.Errorf("resume: approval %s is not in the carried state", api.ApprovalID(r.in.CampaignID, p.Key))
	}
	return r.waitApproval(ctx, f, idx, ai, step.Approval, title, preview, p)
}

// waitApproval waits for people, then for the escalation contact, and settles the
// approval; p says which reminders went out before a hand-over.
func (r *campaignRun) waitApproval(ctx workflow.Context, f *frame, idx, ai int, cfg *playbooks.Approval, title string, preview map[string]any, p ResumePoint) error {
	if err := r.awaitApproval(ctx, f, idx, ai, cfg, title, p); err != nil {
		return err
	}
	return r.settleApproval(ctx, f, idx, ai, cfg, title, preview)
}

// awaitApproval waits until the approval is decided, by people or by its
// silence policies (escalating on the way); an error ends the step.
func (r *campaignRun) awaitApproval(ctx workflow.Context, f *frame, idx, ai int, cfg *playbooks.Approval, title string, p ResumePoint) error {
	if len(cfg.Reminders) > p.RemindersSent && r.view.Approvals[ai].Status == api.ApprovalPending {
		rctx, stopReminders := workflow.WithCancel(ctx)
		defer stopReminders()
		r.remind(rctx, ai, title, cfg.Reminders, p.Reminders, p.RemindersSent)
	}
	failed := func(err error) error {
		if errors.Is(err, errHandOver) {
			rs := reminderState{recorded: p.Reminders, sent: p.RemindersSent}
			if cur, ok := r.reminders[r.view.Approvals[ai].ID]; ok {
				rs = *cur
			}
			return suspendHere(ResumePoint{Key: p.Key, Reminders: rs.recorded, RemindersSent: rs.sent})
		}
		r.failStep(ctx, f, idx, err)
		return err
	}
	esc := cfg.Escalate
	escalated := r.view.Approvals[ai].Tier > 0 && esc != nil
	decided := r.view.Approvals[ai].Status != api.ApprovalPending
	var err error
	if !escalated && !decided {
		decided, err = r.awaitDecision(ctx, f, ai, fmt.Sprintf("Deadline: %s (%s, then %s)", title, cfg.Timeout, cfg.OnTimeout))
		if err != nil {
			return failed(err)
		}
		switch {
		case !decided && cfg.OnTimeout == playbooks.OnTimeoutEscalate && esc != nil:
			if err := r.escalate(ctx, ai, title, esc); err != nil {
				r.failStep(ctx, f, idx, err)
				return err
			}
			escalated = true
		case !decided:
			r.expire(ctx, ai, silence(cfg, cfg.OnTimeout))
		}
	}
	if escalated && !decided {
		decided, err = r.awaitDecision(ctx, f, ai, fmt.Sprintf("Escalated to %s: %s (%s, then %s)", esc.To, title, esc.Timeout, esc.OnTimeout))
		if err != nil {
			return failed(err)
		}
		if !decided {
			r.expire(ctx, ai, silence(cfg, esc.OnTimeout))
		}
	}
	return nil
}

// settleApproval ends an approval step from its approval's final state.
func (r *campaignRun) settleApproval(ctx workflow.Context, f *frame, idx, ai int, cfg *playbooks.Approval, title string, preview map[string]any) error {
	a := r.view.Approvals[ai]
	r.summarizeIgnoredFor(ctx, a.ID)
	outcome := outcomeOf(a)
	out := map[string]any{
		"outcome": outcome, "status": a.Status, "decision": a.Decision,
		"by": a.DecidedBy, "comment": a.Comment, "policy": a.Policy,
	}
	if a.Edits != nil {
		// What was approved, edits applied: later steps read output.preview.
		var edits map[string]any
		if json.Unmarshal(a.Edits, &edits) == nil {
			merged := map[string]any{}
			for _, k := range slices.Sorted(maps.Keys(preview)) {
				merged[k] = preview[k]
			}
			for _, k := range slices.Sorted(maps.Keys(edits)) {
				merged[k] = edits[k]
			}
			out["edits"], out["preview"] = edits, merged
		}
	} else {
		out["preview"] = preview
	}
	switch {
	case a.Status == api.ApprovalExpired && a.Policy == playbooks.OnTimeoutFail:
		err := fmt.Errorf("approval %q got no decision in time (on_timeout: fail)", title)
		r.endStep(ctx, f, idx, api.StepFailed, out, err)
		return err
	case outcome == api.ApprovalRejected && cfg.OnReject != playbooks.OnRejectContinue:
		err := fmt.Errorf("approval %q rejected%s", title, rejectedBy(a))
		r.endStep(ctx, f, idx, api.StepFailed, out, err)
		return err
	}
	r.endStep(ctx, f, idx, api.StepCompleted, out, nil)
	return nil
}

// awaitDecision waits for a person's decision or the deadline; the timer's summary
// tells the Web UI what the deadline is for. It answers errHandOver when the run
// must continue as new first.
//
// The approval's DueAt is the deadline (set just before, so the first timer is
// exactly the configured timeout); when a resume shifts deadlines, the wait
// re-arms for the time that is left.
func (r *campaignRun) awaitDecision(ctx workflow.Context, f *frame, ai int, summary string) (bool, error) {
	for {
		moved := r.deadlinesMoved
		remaining := r.view.Approvals[ai].DueAt.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			return r.view.Approvals[ai].Status != api.ApprovalPending, nil
		}
		if r.flood {
			if _, err := r.waitOrHandOver(ctx, f, r.view.Approvals[ai].DueAt, summary, func() bool {
				return r.view.Approvals[ai].Status != api.ApprovalPending || r.deadlinesMoved != moved
			}); err != nil {
				return false, err
			}
		} else {
			_, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      remaining,
				TimerOptions: workflow.TimerOptions{Summary: summary},
			}, func() bool { return r.view.Approvals[ai].Status != api.ApprovalPending || r.deadlinesMoved != moved })
			if err != nil {
				return false, err
			}
		}
		switch {
		case r.view.Approvals[ai].Status != api.ApprovalPending:
			return true, nil
		case r.deadlinesMoved != moved:
			continue
		}
		return false, nil
	}
}

// escalate hands a silent approval to the next person: it stays pending with a
// fresh deadline, and the escalation contact is notified.
func (r *campaignRun) escalate(ctx workflow.Context, ai int, title string, esc *playbooks.Escalation) error {
	now := workflow.Now(ctx).UTC()
	a := &r.view.Approvals[ai]
	a.DueAt = now.Add(esc.Timeout.Duration)
	a.OnTimeout = esc.OnTimeout
	a.Tier++
	if len(a.Approvers) > 0 {
		// The next tier decides too; those named before still may.
		a.Approvers = append(append([]api.Approver{}, a.Approvers...), api.Approver{Role: esc.To})
	}
	r.emit(ctx, change{approvals: []int{ai}, audit: []auditEntry{{
		kind: "approval.escalated", channel: api.ChannelPolicy, approvalID: a.ID, actor: "policy:escalate",
		detail: map[string]any{"to": esc.To, "due_at": a.DueAt.Format(time.RFC3339), "then": esc.OnTimeout},
	}}})
	actx := workflow.WithActivityOptions(ctx, noticeOptions("Escalate to "+esc.To+": "+title))
	req := activities.ActionRequest{
		Key: r.in.CampaignID + "/" + a.Step + "/escalation", Connector: r.in.Connector, Action: "notify",
		CampaignID: r.in.CampaignID, Client: r.in.Client,
		Input: map[string]any{
			"to":      esc.To,
			"message": fmt.Sprintf("Escalated: %q got no decision in time. Decide by %s, or silence will %s it.", title, a.DueAt.Format(time.RFC1123), esc.OnTimeout),
		},
	}
	return workflow.ExecuteActivity(actx, acts.RunAction, req).Get(ctx, nil)
}

// silence is the policy a deadline applies. A sensitive approval's silence
// never approves: validation refuses such a playbook, and a workflow input
// made by hand past it is rejected instead. No guard (GetVersion) is needed:
// only approvals marked sensitive take another path, and no playbook could
// carry the mark before this rule (the decoder refuses unknown fields), so no
// recorded or running campaign has one. The same holds for the grant that a
// sensitive approval ignores in runApproval.
func silence(cfg *playbooks.Approval, policy string) string {
	if cfg.Sensitive && policy == playbooks.OnTimeoutApprove {
		return playbooks.OnTimeoutReject
	}
	return policy
}

// outcomeOf folds a human decision and a timeout policy into what the playbook acts on.
func outcomeOf(a api.ApprovalView) string {
	switch {
	case a.Status == api.ApprovalApproved, a.Status == api.ApprovalExpired && a.Policy == playbooks.OnTimeoutApprove:
		return api.ApprovalApproved
	case a.Status == api.ApprovalRejected, a.Status == api.ApprovalExpired && a.Policy == playbooks.OnTimeoutReject:
		return api.ApprovalRejected
	}
	return api.StepSkipped
}

func rejectedBy(a api.ApprovalView) string {
	if a.Status == api.ApprovalExpired {
		return " by its timeout policy"
	}
	s := " by " + a.DecidedBy
	if a.Comment != "" {
		s += ": " + a.Comment
	}
	return s
}

// expire applies a timeout policy. It is recorded as the policy's decision, never
// as a person's.
func (r *campaignRun) expire(ctx workflow.Context, ai int, policy string) {
	now := workflow.Now(ctx).UTC()
	a := &r.view.Approvals[ai]
	a.Status = api.ApprovalExpired
	a.Policy = policy
	a.Channel = api.ChannelPolicy
	a.DecidedAt = &now
	switch policy {
	case playbooks.OnTimeoutApprove:
		a.Decision = api.DecisionApprove
	case playbooks.OnTimeoutReject:
		a.Decision = api.DecisionReject
	}
	r.emit(ctx, change{approvals: []int{ai}, audit: []auditEntry{{
		kind: "approval.expired", channel: api.ChannelPolicy, approvalID: a.ID, actor: "policy:" + policy,
		detail: map[string]any{"policy": policy},
	}}})
}

func approversOf(list []playbooks.Approver) []api.Approver {
	out := make([]api.Approver, 0, len(list))
	for _, a := range list {
		out = append(out, api.Approver{ID: a.ID, Role: a.Role, Team: a.Team})
	}
	return out
}

// reminderState counts one approval's reminders: recorded in the audit log, and
// sent (the notice's action completed).
type reminderState struct{ recorded, sent int }

// remind sends each reminder from the sent-th at its offset after the request
// while the approval is still pending; ctx is canceled once the approval settles.
// A reminder recorded but not sent before a hand-over is sent without recording
// it again.
func (r *campaignRun) remind(ctx workflow.Context, ai int, title string, offsets []playbooks.Duration, recorded, sent int) {
	a := r.view.Approvals[ai]
	rs := &reminderState{recorded: recorded, sent: sent}
	r.reminders[a.ID] = rs
	workflow.Go(ctx, func(ctx workflow.Context) {
		for i := sent; i < len(offsets); i++ {
			off := offsets[i]
			wait := a.RequestedAt.Add(off.Duration).Sub(workflow.Now(ctx))
			if wait > 0 {
				if err := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{
					Summary: fmt.Sprintf("Reminder %d of %d: %s", i+1, len(offsets), title),
				}).Get(ctx, nil); err != nil {
					return
				}
			}
			if r.view.Approvals[ai].Status != api.ApprovalPending {
				return
			}
			if r.flood && ctx.Err() != nil {
				// Settled or handed over in the same moment: nothing to remind of here.
				return
			}
			cur := r.view.Approvals[ai]
			if i >= rs.recorded {
				r.emit(ctx, change{audit: []auditEntry{{
					kind: "approval.reminded", channel: api.ChannelSystem, approvalID: cur.ID,
					detail: map[string]any{"n": i + 1, "after": off.String(), "due_at": cur.DueAt.Format(time.RFC3339)},
				}}})
				rs.recorded = i + 1
			}
			actx := workflow.WithActivityOptions(ctx, noticeOptions(fmt.Sprintf("Reminder %d: %s", i+1, title)))
			req := activities.ActionRequest{
				Key: fmt.Sprintf("%s/%s/reminder-%d", r.in.CampaignID, cur.Step, i+1), Connector: r.in.Connector, Action: "notify",
				CampaignID: r.in.CampaignID, Client: r.in.Client,
				Input: map[string]any{
					"to":          approversLabel(cur.Approvers),
					"message":     fmt.Sprintf("Reminder: %q waits for your decision; due %s, then %s.", title, cur.DueAt.Format(time.RFC1123), cur.OnTimeout),
					"approval_id": cur.ID,
					// The worker signs a one-click approve and reject link for each.
					"approvers": approverInputs(cur.Approvers),
				},
			}
			if err := workflow.ExecuteActivity(actx, acts.RunAction, req).Get(ctx, nil); err != nil {
				return
			}
			rs.sent = i + 1
		}
	})
}

func approversLabel(list []api.Approver) string {
	if len(list) == 0 {
		return "approvers"
	}
	names := make([]string, 0, len(list))
	for _, a := range list {
		switch {
		case a.ID != "":
			names = append(names, a.ID)
		case a.Team != "":
			names = append(names, "team:"+a.Team)
		default:
			names = append(names, "role:"+a.Role)
		}
	}
	return strings.Join(names, ", ")
}

func approverInputs(list []api.Approver) []any {
	out := make([]any, 0, len(list))
	for _, a := range list {
		m := map[string]any{}
		if a.ID != "" {
			m["id"] = a.ID
		}
		if a.Team != "" {
			m["team"] = a.Team
		}
		if a.Role != "" {
			m["role"] = a.Role
		}
		out = append(out, m)
	}
	return out
}
