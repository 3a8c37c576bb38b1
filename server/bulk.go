package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/workflows"
)

// maxBulkDecisions bounds one bulk request, so it answers within the write timeout.
const maxBulkDecisions = 200

// bulkBudget is how long one bulk request may spend deciding; items it does not
// reach in time are reported 503 so the caller sends them again, rather than the
// whole answer being lost to a timeout.
const bulkBudget = 60 * time.Second

type bulkDecisionRequest struct {
	Decisions []bulkDecision `json:"decisions"`
	By        string         `json:"by,omitempty"`
	Role      string         `json:"role,omitempty"`
}

type bulkDecision struct {
	ApprovalID string `json:"approval_id"`
	Decision   string `json:"decision"`
	Comment    string `json:"comment,omitempty"`
}

// bulkResult is one decision's outcome: the approval, or the problem that refused it.
type bulkResult struct {
	ApprovalID string            `json:"approval_id"`
	Status     int               `json:"status"`
	Approval   *api.ApprovalView `json:"approval,omitempty"`
	Error      *Problem          `json:"error,omitempty"`
}

// decideMany takes many decisions, one after another, each exactly as a single
// decision would be taken, and reports each outcome. The answer is 200 whenever
// the request itself was sound: the outcomes are in the results (207-style).
func (s *Server) decideMany(c *gin.Context) {
	var req bulkDecisionRequest
	if !decodeJSON(c, &req) {
		return
	}
	if probs := req.problems(); len(probs) > 0 {
		invalid(c, "the bulk decision request has problems", probs...)
		return
	}
	if ref := notSomeoneElse(c.Request.Context(), req.By); ref != nil {
		ref.write(c)
		return
	}
	by, role, channel := actor(c.Request.Context(), req.By, "api"), strings.TrimSpace(req.Role), channelOf(c)
	c.JSON(http.StatusOK, gin.H{"results": s.decideEach(c.Request.Context(), req.Decisions, by, role, channel)})
}

// decideEach takes decisions one after another, each exactly as a single
// decision is taken (as ctx's caller, if any), within bulkBudget, and reports
// each outcome. The API's bulk endpoint and an inbox's bulk approval both
// decide through it.
func (s *Server) decideEach(ctx context.Context, decisions []bulkDecision, by, role, channel string) []bulkResult {
	ctx, cancel := context.WithTimeout(ctx, bulkBudget)
	defer cancel()
	results := make([]bulkResult, 0, len(decisions))
	for _, d := range decisions {
		r := bulkResult{ApprovalID: d.ApprovalID}
		if ctx.Err() != nil {
			ref := refuseUnavailable(retryAfterBusy, "not attempted: the request ran out of its %s; send this decision again", bulkBudget)
			r.Status, r.Error = ref.Status, &ref.Problem
			results = append(results, r)
			continue
		}
		sig := workflows.ApprovalSignal{
			ApprovalID: d.ApprovalID, Decision: d.Decision, By: by, Role: role, Comment: d.Comment, Channel: channel,
		}
		v, ref := s.decide(ctx, sig, nil)
		if ref != nil {
			r.Status, r.Error = ref.Status, &ref.Problem
		} else {
			r.Status, r.Approval = http.StatusOK, &v
		}
		results = append(results, r)
	}
	return results
}

// problems lists every mistake in the request, each with its field.
func (req bulkDecisionRequest) problems() []playbooks.Problem {
	var probs []playbooks.Problem
	switch n := len(req.Decisions); {
	case n == 0:
		probs = append(probs, playbooks.Problem{Field: "decisions", Message: "is required: list at least one decision"})
	case n > maxBulkDecisions:
		probs = append(probs, playbooks.Problem{Field: "decisions", Message: fmt.Sprintf("has %d decisions; send at most %d at once", n, maxBulkDecisions)})
	}
	for i, d := range req.Decisions {
		if d.ApprovalID == "" {
			probs = append(probs, playbooks.Problem{Field: fmt.Sprintf("decisions[%d].approval_id", i), Message: "is required"})
		}
		if d.Decision != api.DecisionApprove && d.Decision != api.DecisionReject {
			probs = append(probs, playbooks.Problem{Field: fmt.Sprintf("decisions[%d].decision", i), Message: fmt.Sprintf("must be approve or reject, not %q", d.Decision)})
		}
	}
	return probs
}
