package workflows

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
)

// A decision arrives as the approval signal or the decide update. It is checked
// against the approval (checkDecision, which the update's validator also runs, so
// a refused update leaves no trace in history), then recorded as a vote; the
// approval settles once its quorum of approvals, or enough rejections, is in.

func decisionError(msg, typ string, cause error) error {
	return temporal.NewNonRetryableApplicationError(msg, typ, cause)
}

// checkDecision validates sig against the state without changing it.
func (r *campaignRun) checkDecision(sig ApprovalSignal) (int, error) {
	if sig.Decision != api.DecisionApprove && sig.Decision != api.DecisionReject {
		return 0, decisionError(fmt.Sprintf("%v, not %q", ErrBadDecision, sig.Decision), ErrTypeBadDecision, ErrBadDecision)
	}
	ai, ok := r.approvals[sig.ApprovalID]
	if !ok {
		return 0, decisionError(fmt.Sprintf("%v %q in campaign %s", ErrUnknownApproval, sig.ApprovalID, r.in.CampaignID), ErrTypeUnknownApproval, ErrUnknownApproval)
	}
	a := r.view.Approvals[ai]
	switch a.Status {
	case api.ApprovalPending:
	case api.ApprovalExpired:
		return ai, decisionError(fmt.Sprintf("approval %s expired (policy %s)", a.ID, a.Policy), ErrTypeExpired, ErrExpired)
	default:
		return ai, decisionError(fmt.Sprintf("approval %s already %s by %s", a.ID, a.Status, a.DecidedBy), ErrTypeAlreadyDecided, ErrAlreadyDecided)
	}
	if !MayDecide(a.Approvers, api.Approver{ID: sig.By, Role: sig.Role, Team: sig.Team}) {
		return ai, decisionError(fmt.Sprintf("%s (role %q) is %v %s", sig.By, sig.Role, ErrNotAnApprover, a.ID), ErrTypeNotAnApprover, ErrNotAnApprover)
	}
	if sig.Decision == api.DecisionApprove && a.RequestedBy != "" && sig.By == a.RequestedBy {
		return ai, decisionError(fmt.Sprintf("%s requested %s: %v", sig.By, a.ID, ErrRequesterMayNotApprove), ErrTypeRequesterMayNotApprove, ErrRequesterMayNotApprove)
	}
	for _, v := range a.Votes {
		if v.By == sig.By {
			return ai, decisionError(fmt.Sprintf("%s already voted %s on approval %s", sig.By, v.Decision, a.ID), ErrTypeAlreadyDecided, ErrAlreadyDecided)
		}
	}
	return ai, nil
}

// MayDecide reports whether who (a person by id, or through a role or a team) is among
// the approvers; no approvers means anyone may decide. The API asks the same
// question before minting a link, so both ask it here.
func MayDecide(approvers []api.Approver, who api.Approver) bool {
	if len(approvers) == 0 {
		return true
	}
	for _, ap := range approvers {
		if ap.ID != "" && ap.ID == who.ID || ap.Role != "" && ap.Role == who.Role || ap.Team != "" && ap.Team == who.Team {
			return true
		}
	}
	return false
}

// decide records a person's vote and settles the approval once its quorum of
// approvals (or enough rejections) is reached; an invalid decision is recorded as
// ignored, or only counted once its sender has sent several (see signals.go).
func (r *campaignRun) decide(ctx workflow.Context, sig ApprovalSignal) (api.ApprovalView, error) {
	if sig.By == "" {
		sig.By = "unknown"
	}
	ai, err := r.checkDecision(sig)
	if err != nil {
		r.ignore(ctx, sig, err)
		return api.ApprovalView{}, err
	}
	now := workflow.Now(ctx).UTC()
	a := &r.view.Approvals[ai]
	vote := api.VoteView{By: sig.By, Role: sig.Role, Decision: sig.Decision, Comment: sig.Comment, Channel: sig.Channel, At: now}
	if len(sig.Edits) > 0 {
		vote.Edits = json.RawMessage(jsonText(sig.Edits))
	}
	a.Votes = append(a.Votes, vote)
	approvals, rejections := 0, 0
	for _, v := range a.Votes {
		if v.Decision == api.DecisionApprove {
			approvals++
		} else {
			rejections++
		}
	}
	kind := "approval.voted"
	switch {
	case rejections >= max(a.RejectionsNeeded, 1):
		a.Status, a.Decision = api.ApprovalRejected, api.DecisionReject
	case approvals >= max(a.Quorum, 1):
		a.Status, a.Decision = api.ApprovalApproved, api.DecisionApprove
	}
	if a.Status != api.ApprovalPending {
		kind = "approval.decided"
		a.DecidedBy, a.Comment, a.Channel, a.DecidedAt = sig.By, sig.Comment, sig.Channel, &now
		if vote.Edits != nil && a.Status == api.ApprovalApproved {
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
		kind: kind, actor: sig.By, channel: sig.Channel, approvalID: a.ID, requestID: sig.RequestID, detail: detail,
	}}})
	return *a, nil
}
