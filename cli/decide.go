package cli

import (
	"cmp"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/workflows"
)

// decisionRequest is the body of POST /v1/approvals/{id}/decision.
type decisionRequest struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment,omitempty"`
	By       string `json:"by"`
}

// newDecisionCmd builds `approve` or `reject`; verb is workflows.DecisionApprove or
// workflows.DecisionReject, and is sent as the decision.
func newDecisionCmd(g *globals, verb string) *cobra.Command {
	var req decisionRequest
	cmd := &cobra.Command{
		Use:   verb + " APPROVAL_ID",
		Short: "Decide an approval: " + verb,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Decision = verb
			// Read at run time, not as the flag default, so help does not print
			// whoever happened to run it.
			req.By = cmp.Or(req.By, os.Getenv("GREENLIGHT_USER"), os.Getenv("USER"), workflows.ChannelCLI)
			r := request{
				method: http.MethodPost,
				path:   approvalPath(args[0]) + "/decision",
				body:   req,
				header: http.Header{channelHeader: {workflows.ChannelCLI}},
			}
			return call(cmd.Context(), g, r, func(a workflows.ApprovalView) error {
				return printApproval(g, a, time.Now())
			})
		},
	}
	cmd.Flags().StringVar(&req.Comment, "comment", "", "why; kept in the audit log")
	cmd.Flags().StringVar(&req.By, "by", "", `who decides (default $GREENLIGHT_USER, else $USER, else "cli")`)
	return withUsageErrors(cmd)
}

// printApproval shows one approval as a key/value block.
func printApproval(g *globals, a workflows.ApprovalView, now time.Time) error {
	t := newTable(g.stdout)
	t.row("Approval", a.ID)
	t.field("Campaign", a.CampaignID)
	t.field("Client", a.Client)
	t.field("Step", a.Step)
	t.field("Title", a.Title)
	t.row("Status", a.Status)
	t.field("Due", dueCell(a, now))
	t.field("Decided by", decidedBy(a))
	t.field("Decided at", absTime(a.DecidedAt))
	t.field("Comment", a.Comment)
	return t.flush()
}
