package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/preview"
)

// approvalList is the answer of GET /v1/approvals.
type approvalList struct {
	Items []api.ApprovalView `json:"items"`
}

func approvalPath(id string) string { return "/v1/approvals/" + url.PathEscape(id) }

func newApprovalsCmd(g *globals) *cobra.Command {
	return groupCmd("approvals", "The approvals inbox: what waits for a decision",
		newApprovalsListCmd(g),
		newApprovalsShowCmd(g),
	)
}

// allStatuses is the --status value that lifts the status filter.
const allStatuses = "all"

func newApprovalsListCmd(g *globals) *cobra.Command {
	var status, client, campaign, due string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List approvals, pending ones by default",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDue(due); err != nil {
				return err
			}
			q := url.Values{}
			if status != allStatuses {
				setQuery(q, "status", status)
			}
			setQuery(q, "client", client)
			setQuery(q, "campaign_id", campaign)
			setQuery(q, "due_before", due)
			r := request{method: http.MethodGet, path: "/v1/approvals", query: q}
			return call(cmd.Context(), g, r, func(l approvalList) error {
				return printApprovals(g, l, status, time.Now())
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", api.ApprovalPending, "pending, approved, rejected, expired, or all")
	f.StringVar(&client, "client", "", "only this client's approvals")
	f.StringVar(&campaign, "campaign", "", "only approvals of this campaign ID")
	f.StringVar(&due, "due", "", "only approvals due within this long (30m, 24h, 2d, 1w) or before this RFC 3339 time")
	return cmd
}

// checkDue refuses a --due the API would refuse, before anything is sent, in
// the flag's own words (the API only knows its query parameter). The raw value
// is sent, so the API's clock sets "now".
func checkDue(due string) error {
	if due == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, due); err == nil {
		return nil
	}
	_, err := playbooks.ParseDuration(due)
	switch {
	case errors.Is(err, playbooks.ErrDurationTooLong):
		return usageErrorf("--due %q is too long for a duration; give an RFC 3339 time (2026-03-01T12:00:00Z) instead", due)
	case err != nil:
		return usageErrorf("--due %q is neither a duration from now (30m, 24h, 2d, 1w) nor an RFC 3339 time (2026-03-01T12:00:00Z)", due)
	}
	return nil
}

// previewWidth is how much of an approval's preview the list shows: enough to
// tell one post from the next, while the row still fits a terminal.
const previewWidth = 40

func printApprovals(g *globals, l approvalList, status string, now time.Time) error {
	if len(l.Items) == 0 {
		what := "approvals"
		if status != allStatuses && status != "" {
			what = status + " approvals"
		}
		_, err := fmt.Fprintf(g.stdout, "No %s.\n", what)
		return err
	}
	t := newTable(g.stdout, "ID", "CLIENT", "CAMPAIGN", "TITLE", "PREVIEW", "STATUS", "DUE")
	for _, a := range l.Items {
		t.row(a.ID, a.Client, a.CampaignID, a.Title, preview.Of(a, time.Local).Summary(previewWidth), statusCell(a), dueCell(a, now))
	}
	return t.flush()
}

// dueCell shows the deadline relative to now while it still matters: once decided,
// the approval's due time is history.
func dueCell(a api.ApprovalView, now time.Time) string {
	if a.Status != api.ApprovalPending {
		return ""
	}
	return relTime(a.DueAt, now)
}

// statusCell is an approval's status as people read it: one its campaign's end
// closed reads as canceled (or closed) with the campaign, not as expired.
func statusCell(a api.ApprovalView) string {
	if st, ok := endedWithCampaign(a); ok {
		if st == api.StatusCanceled {
			return "canceled"
		}
		return "closed"
	}
	return a.Status
}

// endedWithCampaign is the status of the campaign whose end closed a, if it did.
func endedWithCampaign(a api.ApprovalView) (string, bool) {
	if a.Status != api.ApprovalExpired {
		return "", false
	}
	return api.EndedWithCampaign(a.Policy)
}

// decidedBy says who or what decided: a person and the channel they used, the
// timeout policy that fired, or nobody, the campaign having ended first.
func decidedBy(a api.ApprovalView) string {
	if st, ok := endedWithCampaign(a); ok {
		return "nobody: campaign " + st
	}
	switch {
	case a.DecidedBy != "" && a.Channel != "":
		return a.DecidedBy + " via " + a.Channel
	case a.DecidedBy != "":
		return a.DecidedBy
	case a.Policy != "":
		return "timeout policy " + a.Policy
	}
	return ""
}
