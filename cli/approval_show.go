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
// then who may decide, the votes and the deliveries.
func printApprovalDetail(g *globals, a api.ApprovalView, sent []api.DeliveryView, now time.Time) error {
	fmt.Fprintf(g.stdout, "%s  (%s, %s)\n\n", a.ID, statusCell(a), dueOrDecided(a, now))
	fmt.Fprint(g.stdout, preview.Of(a, time.Local).Text())

	fmt.Fprintf(g.stdout, "\nWho may decide: %s", approversText(a.Approvers))
	if a.Quorum > 1 {
		fmt.Fprintf(g.stdout, " (%d approvals needed)", a.Quorum)
	}
	fmt.Fprintln(g.stdout)
	if a.RequestedBy != "" {
		fmt.Fprintf(g.stdout, "Not %s, who asked.\n", a.RequestedBy)
	}

	fmt.Fprintln(g.stdout, "\nVotes")
	if len(a.Votes) == 0 {
		fmt.Fprintln(g.stdout, "  none yet")
	} else {
		t := newTable(g.stdout, "BY", "ROLE", "DECISION", "VIA", "AT", "COMMENT")
		for _, v := range a.Votes {
			at := v.At
			t.row(v.By, v.Role, v.Decision, v.Channel, absTime(&at), v.Comment)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(g.stdout, "\nDeliveries")
	if len(sent) == 0 {
		fmt.Fprintln(g.stdout, "  none: nobody in the directory was told (see `greenlight people`)")
		return nil
	}
	t := newTable(g.stdout, "EVENT", "TO", "VIA", "ADDRESS", "STATUS", "TRIES", "AT", "ERROR")
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

func approversText(list []api.Approver) string {
	if len(list) == 0 {
		return "anyone with a decide right for the client"
	}
	names := make([]string, 0, len(list))
	for _, ap := range list {
		switch {
		case ap.ID != "" && ap.Role != "":
			names = append(names, ap.ID+" ("+ap.Role+")")
		case ap.ID != "":
			names = append(names, ap.ID)
		default:
			names = append(names, "anyone in role "+ap.Role)
		}
	}
	return strings.Join(names, ", ")
}
