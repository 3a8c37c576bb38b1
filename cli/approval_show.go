package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/preview"
)

// deliveryList is the answer of GET /v1/approvals/{id}/deliveries.
type deliveryList struct {
	Items []api.DeliveryView `json:"items"`
}

func newApprovalsShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show what an approval asks, who may decide, the votes, and what went out to whom",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := newClient(g)
			body, err := c.do(cmd.Context(), request{method: http.MethodGet, path: approvalPath(args[0])})
			if err != nil {
				return err
			}
			sent, err := c.do(cmd.Context(), request{method: http.MethodGet, path: approvalPath(args[0]) + "/deliveries"})
			if err != nil {
				return err
			}
			if g.json {
				both, err := json.Marshal(map[string]json.RawMessage{"approval": body, "deliveries": sent})
				if err != nil {
					return err
				}
				return printJSON(g.stdout, both)
			}
			var a api.ApprovalView
			var d deliveryList
			if err := json.Unmarshal(body, &a); err != nil {
				return fmt.Errorf("decoding the approval: %w", err)
			}
			if err := json.Unmarshal(sent, &d); err != nil {
				return fmt.Errorf("decoding the deliveries: %w", err)
			}
			return printApprovalDetail(g, a, d.Items, time.Now())
		},
	}
}

// printApprovalDetail shows an approval the way its message does (preview.Text),
// then its step, status, deadline and silence policy, who may decide, the
// votes and the deliveries.
func printApprovalDetail(g *globals, a api.ApprovalView, sent []api.DeliveryView, now time.Time) error {
	fmt.Fprintf(g.stdout, "%s  (%s, %s)\n\n", a.ID, statusCell(a), dueOrDecided(a, now))
	fmt.Fprint(g.stdout, preview.Of(a, time.Local).Text())

	// The message leaves these to its context (it arrives when asked); a
	// terminal may read it days later, so the deadline also says how far it is.
	fmt.Fprintln(g.stdout)
	t := newTable(g.stdout)
	t.field("Step", a.Step)
	t.row("Status", a.Status)
	t.field("Deadline", deadlineText(a, now))
	t.field("On timeout", onTimeoutText(a.OnTimeout))
	if a.Tier > 0 {
		t.row("Escalated", fmt.Sprintf("tier %d: the first approvers did not answer in time", a.Tier))
	}
	t.field("Decided by", decidedBy(a))
	t.field("Comment", a.Comment)
	if err := t.flush(); err != nil {
		return err
	}

	fmt.Fprintf(g.stdout, "\nWho may decide: %s", approversText(a.Approvers))
	var needs []string
	if a.Quorum > 1 {
		needs = append(needs, fmt.Sprintf("%d approvals needed", a.Quorum))
	}
	if a.RejectionsNeeded > 1 {
		needs = append(needs, fmt.Sprintf("%d rejections reject it", a.RejectionsNeeded))
	}
	if len(needs) > 0 {
		fmt.Fprintf(g.stdout, " (%s)", strings.Join(needs, ", "))
	}
	fmt.Fprintln(g.stdout)
	if a.RequestedBy != "" {
		fmt.Fprintf(g.stdout, "Not %s, who asked.\n", a.RequestedBy)
	}

	fmt.Fprintln(g.stdout, "\nVotes")
	if len(a.Votes) == 0 {
		none := "none"
		if a.Status == api.ApprovalPending {
			none = "none yet"
		}
		fmt.Fprintln(g.stdout, "  "+none)
	} else {
		votes := newTable(g.stdout, "BY", "ROLE", "DECISION", "VIA", "AT", "COMMENT")
		for _, v := range a.Votes {
			if len(v.Edits) > 0 {
				v.Decision += " (edited)"
			}
			at := v.At
			votes.row(v.By, v.Role, v.Decision, v.Channel, absTime(&at), v.Comment)
		}
		if err := votes.flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(g.stdout, "\nDeliveries")
	if len(sent) == 0 {
		fmt.Fprintln(g.stdout, "  none: nobody in the directory was told (see `greenlight people`)")
		return nil
	}
	t = newTable(g.stdout, "EVENT", "TO", "VIA", "ADDRESS", "STATUS", "TRIES", "AT", "ERROR")
	for _, d := range sent {
		event := d.Kind
		if d.Seq > 0 {
			event = fmt.Sprintf("%s #%d", d.Kind, d.Seq)
		}
		at := d.UpdatedAt
		if d.SentAt != nil {
			at = *d.SentAt
		}
		t.row(event, d.Person, d.Channel, d.Address, d.Status, fmt.Sprint(d.Attempts), absTime(&at), d.Error)
	}
	return t.flush()
}

func dueOrDecided(a api.ApprovalView, now time.Time) string {
	if a.Status == api.ApprovalPending {
		return "due " + relTime(a.DueAt, now)
	}
	if _, ok := endedWithCampaign(a); ok {
		return "closed " + absTime(a.DecidedAt)
	}
	return "decided " + absTime(a.DecidedAt)
}

// deadlineText is the deadline as a date, and while it still matters, how far
// away it is: "2026-12-03 10:00 CET (in 4h)".
func deadlineText(a api.ApprovalView, now time.Time) string {
	at := absTime(&a.DueAt)
	if at == "" || a.Status != api.ApprovalPending {
		return at
	}
	return at + " (" + relTime(a.DueAt, now) + ")"
}

// onTimeoutText names the silence policy and what it does, as the playbook
// wrote it and as a person reads it: "approve (if nobody answers in time: approved)".
func onTimeoutText(policy string) string {
	if policy == "" {
		return ""
	}
	return fmt.Sprintf("%s (if nobody answers in time: %s)", policy, preview.SilenceOutcome(policy))
}

// approversText names who may decide: people by id, and anyone holding a role
// or belonging to a team, as narrowly as the approver says.
func approversText(list []api.Approver) string {
	if len(list) == 0 {
		return "anyone with a decide right for the client"
	}
	names := make([]string, 0, len(list))
	for _, ap := range list {
		var in []string
		if ap.Role != "" {
			in = append(in, "role "+ap.Role)
		}
		if ap.Team != "" {
			in = append(in, "team "+ap.Team)
		}
		switch {
		case ap.ID != "" && len(in) > 0:
			names = append(names, ap.ID+" ("+strings.Join(in, ", ")+")")
		case ap.ID != "":
			names = append(names, ap.ID)
		case len(in) > 0:
			names = append(names, "anyone in "+strings.Join(in, " of "))
		}
	}
	return strings.Join(names, ", ")
}
