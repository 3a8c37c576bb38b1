package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

func (s *Server) listApprovals(c *gin.Context) {
	f := store.ApprovalFilter{Status: c.Query("status"), ClientID: c.Query("client"), CampaignID: c.Query("campaign_id")}
	switch f.Status {
	case "", workflows.ApprovalPending, workflows.ApprovalApproved, workflows.ApprovalRejected, workflows.ApprovalExpired:
	default:
		badRequest(c, fmt.Sprintf("status %q is not one of pending, approved, rejected, expired", f.Status))
		return
	}
	rows, err := s.store.ListApprovals(c.Request.Context(), f)
	if err != nil {
		s.internal(c, "could not list approvals", err)
		return
	}
	items := make([]workflows.ApprovalView, 0, len(rows))
	for i := range rows {
		items = append(items, approvalView(&rows[i]))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// decisionTimeout bounds how long a decision waits for the campaign's worker.
const decisionTimeout = 30 * time.Second

type decisionRequest struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment,omitempty"`
	By       string `json:"by,omitempty"`
}

// decideApproval decides through the workflow's `decide` update, so the caller gets
// the real outcome: the update's validator refuses decided or expired approvals
// without touching history, and the update returns once the store shows the result.
func (s *Server) decideApproval(c *gin.Context) {
	ctx := c.Request.Context()
	var req decisionRequest
	if !decodeJSON(c, &req) {
		return
	}
	if req.Decision != workflows.DecisionApprove && req.Decision != workflows.DecisionReject {
		invalid(c, "the decision request has problems", playbooks.Problem{Field: "decision", Message: fmt.Sprintf("must be approve or reject, not %q", req.Decision)})
		return
	}
	a, err := s.store.GetApproval(ctx, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		notFound(c, "no approval "+c.Param("id"))
		return
	}
	if err != nil {
		s.internal(c, "could not read the approval", err)
		return
	}
	if a.Status != workflows.ApprovalPending {
		conflict(c, alreadyMessage(a))
		return
	}
	by := strings.TrimSpace(req.By)
	if by == "" {
		by = "api"
	}
	// A campaign whose worker is down cannot answer; say so rather than hang.
	uctx, cancel := context.WithTimeout(ctx, decisionTimeout)
	defer cancel()
	handle, err := s.temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.CampaignWorkflowID(a.CampaignID),
		UpdateName:   workflows.UpdateDecide,
		WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.ApprovalSignal{
			ApprovalID: a.ID, Decision: req.Decision, By: by, Comment: req.Comment, Channel: channelOf(c),
		}},
	})
	if err == nil {
		var out workflows.ApprovalView
		err = handle.Get(uctx, &out)
	}
	if err != nil {
		s.decisionError(c, a, err)
		return
	}
	updated, err := s.store.GetApproval(ctx, a.ID)
	if err != nil {
		s.internal(c, "could not read the decided approval", err)
		return
	}
	c.JSON(http.StatusOK, approvalView(updated))
}

func (s *Server) decisionError(c *gin.Context, a *store.Approval, err error) {
	var appErr *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &appErr):
		switch appErr.Type() {
		case workflows.ErrTypeAlreadyDecided, workflows.ErrTypeExpired:
			conflict(c, appErr.Message())
			return
		case workflows.ErrTypeUnknownApproval:
			notFound(c, appErr.Message())
			return
		case workflows.ErrTypeBadDecision:
			invalid(c, appErr.Message())
			return
		}
	case errors.As(err, &nf):
		conflict(c, fmt.Sprintf("campaign %s is no longer running, so approval %s can no longer be decided", a.CampaignID, a.ID))
		return
	}
	s.log.ErrorContext(c.Request.Context(), "decision failed", "approval", a.ID, "error", err)
	if errors.Is(err, context.DeadlineExceeded) {
		unavailable(c, fmt.Sprintf("the campaign did not answer within %s (is a worker running?); try again", decisionTimeout))
		return
	}
	unavailable(c, "the campaign did not take the decision; try again")
}

func alreadyMessage(a *store.Approval) string {
	if a.Status == workflows.ApprovalExpired {
		return fmt.Sprintf("approval %s expired: its timeout policy %q decided it", a.ID, a.Policy)
	}
	return fmt.Sprintf("approval %s was already %s by %s", a.ID, a.Status, a.DecidedBy)
}
