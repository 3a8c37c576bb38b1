package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// listApprovals is the inbox, most urgent first. Votes are left out of each item
// (they cost a query per approval); GET /v1/approvals/{id} has them.
func (s *Server) listApprovals(c *gin.Context) {
	if !onlyQuery(c, "status", "client", "campaign_id", "due_before", "limit") {
		return
	}
	f := store.ApprovalFilter{
		Status: c.Query("status"), ClientID: c.Query("client"), CampaignID: c.Query("campaign_id"),
		ClientIDs: scopeFilter(c.Request.Context(), c.Query("client")),
	}
	switch f.Status {
	case "", api.ApprovalPending, api.ApprovalApproved, api.ApprovalRejected, api.ApprovalExpired:
	default:
		badRequest(c, fmt.Sprintf("status %q is not one of pending, approved, rejected, expired", f.Status))
		return
	}
	if v := c.Query("due_before"); v != "" {
		t, err := parseDueBefore(v, time.Now())
		if err != nil {
			badQueryValue(c, "due_before", err)
			return
		}
		f.DueBefore = t
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxApprovalsLimit {
			badRequest(c, fmt.Sprintf("limit %q: want 1..%d", v, maxApprovalsLimit))
			return
		}
		f.Limit = n
	}
	rows, err := s.store.ListApprovals(c.Request.Context(), f)
	if err != nil {
		s.internal(c, "could not list approvals", err)
		return
	}
	items := make([]api.ApprovalView, 0, len(rows))
	for i := range rows {
		items = append(items, approvalView(&rows[i]))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// maxApprovalsLimit is the store's largest page of approvals.
const maxApprovalsLimit = 500

// parseDueBefore reads an RFC 3339 time, or a duration from now ("24h", "2d") so a
// script can ask for "due within a day" without computing a timestamp.
func parseDueBefore(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := queryDuration("due_before", v)
	if errors.Is(err, errQueryRange) {
		return time.Time{}, err
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("due_before %q is neither an RFC 3339 time (2026-03-01T12:00:00Z) nor a duration from now (24h, 2d)", v)
	}
	return now.Add(d), nil
}

// getApproval answers one approval with its votes.
func (s *Server) getApproval(c *gin.Context) {
	ctx := c.Request.Context()
	a, ok := s.approvalOr404(c)
	if !ok {
		return
	}
	v, err := s.approvalDetail(ctx, a)
	if err != nil {
		s.internal(c, "could not read the approval's votes", err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// approvalOr404 reads the approval of the path's id; another client's
// approval is answered as absent, as campaigns are.
func (s *Server) approvalOr404(c *gin.Context) (*store.Approval, bool) {
	a, err := s.store.GetApproval(c.Request.Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		notFound(c, "no approval "+c.Param("id"))
		return nil, false
	}
	if err != nil {
		s.internal(c, "could not read the approval", err)
		return nil, false
	}
	if !visible(c.Request.Context(), a.ClientID) {
		notFound(c, "no approval "+c.Param("id"))
		return nil, false
	}
	return a, true
}

// decisionTimeout bounds how long a decision waits for the campaign's worker, and
// how long it waits for its turn behind other decisions on the same approval.
const decisionTimeout = 30 * time.Second

// retryAfterBusy is what a caller is told to wait when Temporal is saturated.
const retryAfterBusy = 2 * time.Second

// decisionRequest is the body of a decision: JSON on the API, and what a signed
// link's POST may carry (a form from the landing page, or JSON), where every
// field is optional because the link itself says what to decide.
type decisionRequest struct {
	Decision string         `json:"decision"`
	Comment  string         `json:"comment,omitempty"`
	By       string         `json:"by,omitempty"`
	Role     string         `json:"role,omitempty"`
	Edits    map[string]any `json:"edits,omitempty"`
}

// decideApproval decides through the workflow's `decide` update, so the caller gets
// the real outcome. With ?token= it is a signed link's decision (links.go).
func (s *Server) decideApproval(c *gin.Context) {
	if _, ok := c.GetQuery("token"); ok {
		s.decideWithLink(c)
		return
	}
	ctx := c.Request.Context()
	var req decisionRequest
	if !decodeJSON(c, &req) {
		return
	}
	if !validDecision(c, req.Decision) {
		return
	}
	if ref := notSomeoneElse(ctx, req.By); ref != nil {
		ref.write(c)
		return
	}
	id := c.Param("id")
	// Answer unknown and settled approvals before queueing behind other deciders.
	if _, ref := s.pendingApproval(ctx, id); ref != nil {
		ref.write(c)
		return
	}
	sig := workflows.ApprovalSignal{
		ApprovalID: id, Decision: req.Decision, By: actor(ctx, req.By, "api"),
		Role: req.Role, Comment: req.Comment, Channel: channelOf(c), Edits: req.Edits,
	}
	v, ref := s.decide(ctx, sig, nil)
	if ref != nil {
		ref.write(c)
		return
	}
	c.JSON(http.StatusOK, v)
}

func validDecision(c *gin.Context, d string) bool {
	if d == api.DecisionApprove || d == api.DecisionReject {
		return true
	}
	invalid(c, "the decision request has problems", playbooks.Problem{Field: "decision", Message: fmt.Sprintf("must be approve or reject, not %q", d)})
	return false
}

// decide takes one decision. Decisions on one approval take turns within this
// process: Temporal admits only 10 in-flight Updates per workflow, so a burst would
// otherwise fail with "resource exhausted" instead of clean answers. Once it is
// this caller's turn the store is read again, so everyone behind a decision that
// settled the approval gets a 409 at once. The workflow's answer stays the truth:
// with a quorum, several approvers may each vote in turn.
//
// onTurn, if set, runs once the turn is taken and before anything else; a refusal
// from it ends the decision (a signed link records its single use there).
func (s *Server) decide(ctx context.Context, sig workflows.ApprovalSignal, onTurn func(context.Context) *refusal) (api.ApprovalView, *refusal) {
	var none api.ApprovalView
	// Every channel's decision is on record with the request that carried it.
	sig.RequestID = requestIDFrom(ctx)
	lctx, cancel := context.WithTimeout(ctx, decisionTimeout)
	defer cancel()
	unlock, err := s.decisions.lock(lctx, sig.ApprovalID)
	if err != nil {
		return none, refuseUnavailable(retryAfterBusy, "approval %s is busy with other decisions; try again", sig.ApprovalID)
	}
	defer unlock()
	if onTurn != nil {
		if ref := onTurn(ctx); ref != nil {
			return none, ref
		}
	}
	a, ref := s.pendingApproval(ctx, sig.ApprovalID)
	if ref != nil {
		return none, ref
	}
	if callerOf(ctx) != nil {
		// A token's decision: its role comes from the token. (A link's decision
		// has no caller; its role is the one the link was signed for.)
		allowed, err := parseApprovers(a)
		if err != nil {
			s.log.ErrorContext(ctx, "could not read the approval's approvers", "approval", a.ID, "error", err)
			return none, refuseInternal("could not read who may decide the approval")
		}
		if sig.Role, ref = approvalRole(ctx, a.ClientID, allowed, sig.Role); ref != nil {
			return none, ref
		}
		// An owning team's approval: the team is the token's, never the body's.
		sig.Team = callerTeam(ctx)
	}
	// A campaign whose worker is down cannot answer; say so rather than hang.
	uctx, ucancel := context.WithTimeout(ctx, decisionTimeout)
	defer ucancel()
	err = s.sendDecision(uctx, a, sig)
	if err != nil {
		return none, s.decisionRefusal(ctx, a, err)
	}
	updated, err := s.store.GetApproval(ctx, a.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "could not read the decided approval", "approval", a.ID, "error", err)
		return none, refuseInternal("the decision was taken, but the approval could not be read back")
	}
	v, err := s.approvalDetail(ctx, updated)
	if err != nil {
		s.log.ErrorContext(ctx, "could not read the approval's votes", "approval", a.ID, "error", err)
		return none, refuseInternal("the decision was taken, but the approval's votes could not be read back")
	}
	return v, nil
}

// sendDecision delivers the decision as the workflow's `decide` update. The store
// can be ahead of the workflow: a projection is written by a local activity during
// a workflow task, and if the worker dies before that task completes (a crash, a
// SIGKILL'd dev process) the approval is in the store while the workflow, replayed
// on another worker, reaches it again only after the task times out. So an
// "unknown approval" for an approval the store shows pending is retried until the
// workflow catches up or ctx ends.
func (s *Server) sendDecision(ctx context.Context, a *store.Approval, sig workflows.ApprovalSignal) error {
	wait := 250 * time.Millisecond
	for {
		handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   api.CampaignWorkflowID(a.CampaignID),
			UpdateName:   workflows.UpdateDecide,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args:         []any{sig},
		})
		if err == nil {
			var out api.ApprovalView
			err = handle.Get(ctx, &out)
		}
		var appErr *temporal.ApplicationError
		if err == nil || !errors.As(err, &appErr) || appErr.Type() != workflows.ErrTypeUnknownApproval {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("campaign %s has not caught up with approval %s: %w", a.CampaignID, a.ID, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// readApproval reads one approval, refusing an unknown one with 404.
func (s *Server) readApproval(ctx context.Context, id string) (*store.Approval, *refusal) {
	a, err := s.store.GetApproval(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuseNotFound("no approval %s", id)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "could not read the approval", "approval", id, "error", err)
		return nil, refuseStore(err, "could not read the approval")
	}
	return a, nil
}

// pendingApproval reads the approval and refuses unless it still waits for decisions.
func (s *Server) pendingApproval(ctx context.Context, id string) (*store.Approval, *refusal) {
	a, ref := s.readApproval(ctx, id)
	if ref != nil {
		return nil, ref
	}
	// Every decision and link passes here: another client's approval is absent.
	if !visible(ctx, a.ClientID) {
		return nil, refuseNotFound("no approval %s", id)
	}
	if a.Status != api.ApprovalPending {
		return a, refuseConflict("%s", alreadyMessage(a))
	}
	return a, nil
}

// decisionRefusal maps the workflow's refusal, or Temporal's failure, to an answer.
func (s *Server) decisionRefusal(ctx context.Context, a *store.Approval, err error) *refusal {
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &appErr):
		switch appErr.Type() {
		case workflows.ErrTypeAlreadyDecided, workflows.ErrTypeExpired:
			return refuseConflict("%s", appErr.Message())
		case workflows.ErrTypeUnknownApproval:
			return refuseNotFound("%s", appErr.Message())
		case workflows.ErrTypeBadDecision:
			return refuseInvalid("%s", appErr.Message())
		case workflows.ErrTypeNotAnApprover, workflows.ErrTypeRequesterMayNotApprove:
			return refuseForbidden("%s", appErr.Message())
		}
	case workflowGone(err):
		return refuseConflict("campaign %s is no longer running, so approval %s can no longer be decided", a.CampaignID, a.ID)
	}
	// Other processes' decisions may have filled the workflow's Update slots (the
	// SDK retries that until the deadline). If one of them settled the approval,
	// that is this caller's answer; else the caller may try again.
	if now, rerr := s.store.GetApproval(ctx, a.ID); rerr == nil && now.Status != api.ApprovalPending {
		return refuseConflict("%s", alreadyMessage(now))
	}
	if isBusy(err) {
		return refuseUnavailable(retryAfterBusy, "approval %s is busy with other decisions; try again", a.ID)
	}
	s.log.ErrorContext(ctx, "decision failed", "approval", a.ID, "error", err)
	if errors.Is(err, context.DeadlineExceeded) {
		return refuseUnavailable(retryAfterBusy, "the campaign did not answer within %s (is a worker running?); try again", decisionTimeout)
	}
	return refuseUnavailable(retryAfterBusy, "the campaign did not take the decision; try again")
}

// isBusy reports Temporal's refusal of an Update past the workflow's in-flight limit.
func isBusy(err error) bool {
	var re *serviceerror.ResourceExhausted
	if errors.As(err, &re) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "in-flight updates") || strings.Contains(msg, "too many outstanding updates")
}

// campaignEndedVerb is how a campaign ended, as a sentence says it.
func campaignEndedVerb(status string) string {
	if status == api.StatusCanceled {
		return "was canceled"
	}
	return status
}

func alreadyMessage(a *store.Approval) string {
	if st, ok := api.EndedWithCampaign(a.Policy); ok && a.Status == api.ApprovalExpired {
		return fmt.Sprintf("approval %s was closed undecided: its campaign %s first", a.ID, campaignEndedVerb(st))
	}
	if a.Status == api.ApprovalExpired {
		return fmt.Sprintf("approval %s expired: its timeout policy %q decided it", a.ID, a.Policy)
	}
	return fmt.Sprintf("approval %s was already %s by %s", a.ID, a.Status, a.DecidedBy)
}
