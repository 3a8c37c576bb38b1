package cli

import (
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
)

// decisionRequest is the body of POST /v1/approvals/{id}/decision.
type decisionRequest struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment,omitempty"`
	Role     string `json:"role,omitempty"`
}

// newDecisionCmd builds `approve` or `reject`; verb is api.DecisionApprove or
// api.DecisionReject, and is sent as the decision. With --all it decides every
// pending approval of one client (bulk.go).
func newDecisionCmd(g *globals, verb string) *cobra.Command {
	var req decisionRequest
	var all allFilter
	cmd := &cobra.Command{
		Use:   verb + " APPROVAL_ID | --all --client CLIENT",
		Short: "Decide an approval, or all of a client's pending ones: " + verb,
		Args: func(cmd *cobra.Command, args []string) error {
			if all.on {
				return all.check(cmd, args)
			}
			if all.client != "" || all.campaign != "" {
				return usageErrorf("--client and --campaign go with --all; to decide one approval give its ID alone")
			}
			return exactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// Who decides is the token's holder: the API records its name.
			req.Decision = verb
			if all.on {
				return decideAll(cmd, g, all, req)
			}
			r := request{
				method: http.MethodPost,
				path:   approvalPath(args[0]) + "/decision",
				body:   req,
			}
			return call(cmd.Context(), g, r, func(a api.ApprovalView) error {
				return printApproval(g, a, time.Now())
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Comment, "comment", "", "why; kept in the audit log")
	f.StringVar(&req.Role, "role", "", "which of your token's approver roles to decide in (default: the first one the approval accepts)")
	f.BoolVar(&all.on, "all", false, "decide every pending approval of --client (at most 200 at once)")
	f.StringVar(&all.client, "client", "", "with --all: the client whose pending approvals to decide")
	f.StringVar(&all.campaign, "campaign", "", "with --all: only this campaign's approvals")
	return withUsageErrors(cmd)
}

// printApproval shows one approval as a key/value block.
func printApproval(g *globals, a api.ApprovalView, now time.Time) error {
	t := newTable(g.stdout)
	t.row("Approval", a.ID)
	t.field("Campaign", a.CampaignID)
	t.field("Client", a.Client)
	t.field("Step", a.Step)
	t.field("Title", a.Title)
	t.row("Status", statusCell(a))
	t.field("Due", dueCell(a, now))
	t.field("Decided by", decidedBy(a))
	t.field("Decided at", absTime(a.DecidedAt))
	t.field("Comment", a.Comment)
	if a.Status == api.ApprovalPending && len(a.Votes) > 0 {
		t.field("Votes", votesCell(a))
	}
	return t.flush()
}

// votesCell summarises the votes of an approval that waits for more of them.
func votesCell(a api.ApprovalView) string {
	approvals := 0
	for _, v := range a.Votes {
		if v.Decision == api.DecisionApprove {
			approvals++
		}
	}
	return fmt.Sprintf("%d of %d approvals", approvals, max(a.Quorum, 1))
}
