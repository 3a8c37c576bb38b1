package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
)

// maxBulkDecisions is the most POST /v1/approvals/decisions takes at once.
const maxBulkDecisions = 200

// allFilter selects the approvals `approve --all` / `reject --all` decide.
type allFilter struct {
	on       bool
	client   string
	campaign string
}

func (f allFilter) check(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("--all decides a client's pending approvals; leave out the approval ID %q", args[0])
	}
	if f.client == "" {
		return usageErrorf("--all needs --client: whose pending approvals should be decided?")
	}
	return nil
}

// bulkRequest is the body of POST /v1/approvals/decisions.
type bulkRequest struct {
	Decisions []bulkItem `json:"decisions"`
	Role      string     `json:"role,omitempty"`
}

type bulkItem struct {
	ApprovalID string `json:"approval_id"`
	Decision   string `json:"decision"`
	Comment    string `json:"comment,omitempty"`
}

// bulkAnswer is its answer: one outcome per decision, in the order sent.
type bulkAnswer struct {
	Results []bulkResult `json:"results"`
}

type bulkResult struct {
	ApprovalID string            `json:"approval_id"`
	Status     int               `json:"status"`
	Approval   *api.ApprovalView `json:"approval"`
	Error      *problem          `json:"error"`
}

// decideAll lists the client's pending approvals, decides them in one bulk request
// and shows each outcome. Any decision that failed makes the command fail, so a
// script notices; the table says which and why.
func decideAll(cmd *cobra.Command, g *globals, f allFilter, req decisionRequest) error {
	ctx := cmd.Context()
	c := newClient(g)
	q := url.Values{"status": {api.ApprovalPending}, "client": {f.client}, "limit": {strconv.Itoa(maxBulkDecisions)}}
	setQuery(q, "campaign_id", f.campaign)
	raw, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/approvals", query: q})
	if err != nil {
		return err
	}
	var pending approvalList
	if err := json.Unmarshal(raw, &pending); err != nil {
		return fmt.Errorf("decoding the pending approvals of %s: %w", f.client, err)
	}
	if len(pending.Items) == 0 {
		if g.json {
			return printJSON(g.stdout, []byte(`{"results":[]}`))
		}
		_, err := fmt.Fprintf(g.stdout, "No pending approvals for client %s.\n", f.client)
		return err
	}
	body := bulkRequest{Role: req.Role}
	titles := map[string]string{}
	for _, a := range pending.Items {
		body.Decisions = append(body.Decisions, bulkItem{ApprovalID: a.ID, Decision: req.Decision, Comment: req.Comment})
		titles[a.ID] = a.Title
	}
	raw, err = c.do(ctx, request{
		method: http.MethodPost, path: "/v1/approvals/decisions", body: body,
	})
	if err != nil {
		return err
	}
	var ans bulkAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("decoding the answer to the bulk decision: %w", err)
	}
	if g.json {
		err = printJSON(g.stdout, raw)
	} else {
		err = printBulk(g, ans, titles)
	}
	if err != nil {
		return err
	}
	if len(pending.Items) == maxBulkDecisions {
		fmt.Fprintf(g.stderr, "greenlight: decided the first %d; more may be pending, run the command again\n", maxBulkDecisions)
	}
	failed := 0
	for _, r := range ans.Results {
		if r.Status != http.StatusOK {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d decisions failed", failed, len(ans.Results))
	}
	return nil
}

func printBulk(g *globals, ans bulkAnswer, titles map[string]string) error {
	t := newTable(g.stdout, "ID", "TITLE", "RESULT", "DETAIL")
	for _, r := range ans.Results {
		switch {
		case r.Approval != nil:
			detail := decidedBy(*r.Approval)
			if r.Approval.Status == api.ApprovalPending {
				detail = "vote recorded, " + votesCell(*r.Approval)
			}
			t.row(r.ApprovalID, titles[r.ApprovalID], r.Approval.Status, detail)
		case r.Error != nil:
			t.row(r.ApprovalID, titles[r.ApprovalID], fmt.Sprintf("failed (%d)", r.Status), r.Error.Detail)
		default:
			t.row(r.ApprovalID, titles[r.ApprovalID], fmt.Sprintf("failed (%d)", r.Status), "")
		}
	}
	return t.flush()
}
