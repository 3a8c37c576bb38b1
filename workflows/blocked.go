package workflows

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/guardrails/competitors"
	"github.com/greenlight/greenlight/playbooks"
)

// The competitor guardrail runs in the RunAction activity: what it kept from an
// action is in the action's output (blocked). The workflow records it in the
// audit log (guardrail.blocked) and, for a step with on_blocked, asks a person
// about it. Only a person's approval lets the blocked targets through, in one
// more run of the action under its own idempotency key; silence, a rejection
// or a skip leave them blocked. Playbooks recorded before on_blocked existed
// never take this path, and the audit entry rides in the projection the step
// already wrote, so their histories replay unchanged.

// Audit event kinds of the competitor guardrail.
const ()

// blocksOf reads the blocked list of an action's output.
func blocksOf(out map[string]any) []competitors.Block {
	raw, ok := out["blocked"]
	if !ok {
		return nil
	}
	var bs []competitors.Block
	if err := json.Unmarshal([]byte(jsonText(raw)), &bs); err != nil {
		return nil
	}
	return bs
}

// blockedAudit is the audit entry of what the guardrail kept from an action,
// if anything.
func (r *campaignRun) blockedAudit(idx int, step playbooks.Step, out map[string]any) []auditEntry {
	blocked, ok := out["blocked"]
	if !ok {
		return nil
	}
	detail := map[string]any{"step": r.view.Steps[idx].Key, "action": step.Action, "blocked": blocked}
	if out["performed"] == false {
		detail["performed"] = false
	}
	return []auditEntry{{kind: api.AuditGuardrailBlocked, actor: competitors.Rule, channel: api.ChannelSystem, detail: detail}}
}

// askAboutBlock opens the step's on_blocked approval: the step waits for it with
// the first run's output (its blocked list included) on record.
func (r *campaignRun) askAboutBlock(ctx workflow.Context, f *frame, idx int, step playbooks.Step, req activities.ActionRequest, first map[string]any) error {
	cfg := step.OnBlocked
	title, preview, err := r.resolveApproval(f, idx, cfg)
	if err != nil {
		// The block stays on record even though nobody can be asked.
		r.endStep(ctx, f, idx, api.StepFailed, first, err, r.blockedAudit(idx, step, first)...)
		return err
	}
	if preview == nil {
		preview = map[string]any{}
	}
	// What the person decides about, whatever the playbook's preview says, in
	// sentences every channel shows as a list.
	var told []any
	for _, b := range blocksOf(first) {
		told = append(told, b.String())
	}
	preview["action"], preview["blocked"] = step.Action, told
	r.view.Steps[idx].Output = json.RawMessage(jsonText(first))
	ai := r.requestApproval(ctx, idx, cfg, title, preview, r.blockedAudit(idx, step, first)...)
	return r.settleBlock(ctx, f, idx, ai, step, req, first, title, ResumePoint{Key: r.view.Steps[idx].Key})
}

// resumeBlock waits again for an on_blocked approval a previous run handed over.
func (r *campaignRun) resumeBlock(ctx workflow.Context, f *frame, idx int, step playbooks.Step, p ResumePoint) error {
	ai, ok := r.approvals[api.ApprovalID(r.in.CampaignID, p.Key)]
	if !ok {
		return fmt.Errorf("resume: approval %s is not in the carried state", api.ApprovalID(r.in.CampaignID, p.Key))
	}
	var first map[string]any
	if err := json.Unmarshal(r.view.Steps[idx].Output, &first); err != nil {
		return fmt.Errorf("resume: the output of %s: %w", p.Key, err)
	}
	req, err := r.actionRequest(ctx, f, idx, step)
	if err != nil {
		return err
	}
	return r.settleBlock(ctx, f, idx, ai, step, req, first, r.view.Approvals[ai].Title, p)
}

// settleBlock waits for the on_blocked decision and ends the step. Approved by
// a person, the action runs once more for the blocked targets alone (or, when
// the guardrail had stopped it, as it was asked); any other outcome leaves
// them blocked.
func (r *campaignRun) settleBlock(ctx workflow.Context, f *frame, idx, ai int, step playbooks.Step, req activities.ActionRequest, first map[string]any, title string, p ResumePoint) error {
	cfg := step.OnBlocked
	if err := r.awaitApproval(ctx, f, idx, ai, cfg, title, p); err != nil {
		return err
	}
	a := r.view.Approvals[ai]
	r.summarizeIgnoredFor(ctx, a.ID)
	out := make(map[string]any, len(first)+2)
	for _, k := range slices.Sorted(maps.Keys(first)) {
		out[k] = first[k]
	}
	outcome := outcomeOf(a)
	out["on_blocked"] = map[string]any{
		"approval_id": a.ID, "outcome": outcome, "status": a.Status, "decision": a.Decision,
		"by": a.DecidedBy, "comment": a.Comment, "policy": a.Policy,
	}
	var audit []auditEntry
	// A person's approval, never a policy's: validation refuses on_timeout:
	// approve here, and a hand-made input that has one still lets nothing
	// through.
	if a.Status == api.ApprovalApproved {
		blocks := blocksOf(first)
		req.Key += "/unblocked"
		req.Unblock = blocks
		req.UnblockOnly = first["performed"] != false
		var res activities.ActionResult
		if err := workflow.ExecuteActivity(r.actionContext(ctx, idx, step), acts.RunAction, req).Get(ctx, &res); err != nil {
			return r.actionFailed(ctx, f, idx, step, err)
		}
		if res.Output == nil {
			res.Output = map[string]any{}
		}
		if res.Simulated {
			res.Output["simulated"] = true
		}
		out["unblocked"] = res.Output
		audit = append(audit, auditEntry{
			kind: api.AuditGuardrailUnblocked, actor: a.DecidedBy, channel: a.Channel, approvalID: a.ID,
			detail: map[string]any{"step": r.view.Steps[idx].Key, "action": step.Action, "allowed": first["blocked"]},
		})
	}
	switch {
	case a.Status == api.ApprovalExpired && a.Policy == playbooks.OnTimeoutFail:
		err := fmt.Errorf("approval %q got no decision in time (on_timeout: fail)", title)
		r.endStep(ctx, f, idx, api.StepFailed, out, err)
		return err
	case outcome == api.ApprovalRejected && cfg.OnReject == playbooks.OnRejectFail:
		err := fmt.Errorf("approval %q rejected%s", title, rejectedBy(a))
		r.endStep(ctx, f, idx, api.StepFailed, out, err)
		return err
	}
	r.endStep(ctx, f, idx, api.StepCompleted, out, nil, audit...)
	return nil
}
