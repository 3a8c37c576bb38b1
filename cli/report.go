package cli

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
)

func newReportCmd(g *globals) *cobra.Command {
	return groupCmd("report", "Reports that show clients what their approvals cost",
		newReportApprovalsCmd(g),
	)
}

func newReportApprovalsCmd(g *globals) *cobra.Command {
	var client, since, until string
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: `The "let go" report: how long decisions took, how often silence decided, what waiting cost`,
		Long: `For approvals requested in [--since, --until): per client, how many were decided by a
person, by silence (their timeout policy) or abandoned with their campaign; the median
and 90th-percentile time to decide (nearest rank, person and silence decisions alike);
the campaign-hours spent waiting and the posts held back; then each approver's own
decisions. --since and --until take an RFC 3339 time or a duration back from now
(30d, 2w, 48h).`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkBounds(since, until); err != nil {
				return err
			}
			q := url.Values{}
			setQuery(q, "client", client)
			setQuery(q, "since", since)
			setQuery(q, "until", until)
			r := request{method: http.MethodGet, path: "/v1/reports/approvals", query: q}
			return call(cmd.Context(), g, r, func(rep api.ApprovalReport) error {
				return printApprovalsReport(g, rep, client)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&client, "client", "", "only this client")
	f.StringVar(&since, "since", "", "start of the window, RFC 3339 or a duration back from now (default 30d)")
	f.StringVar(&until, "until", "", "end of the window, RFC 3339 or a duration back from now (default now)")
	return cmd
}

// printApprovalsReport prints one block per client: a line with the client's
// figures, then a table of its approvers.
func printApprovalsReport(g *globals, rep api.ApprovalReport, client string) error {
	w := g.stdout
	window := fmt.Sprintf("%s and %s", absTime(&rep.Since), absTime(&rep.Until))
	if len(rep.Clients) == 0 {
		what := "No approvals"
		if client != "" {
			what += " for " + client
		}
		_, err := fmt.Fprintf(w, "%s requested between %s.\n", what, window)
		return err
	}
	if _, err := fmt.Fprintf(w, "Approvals requested between %s.\n", window); err != nil {
		return err
	}
	for _, c := range rep.Clients {
		if _, err := fmt.Fprintf(w, "\n%s\n", clientFigures(c)); err != nil {
			return err
		}
		if len(c.Approvers) == 0 {
			if _, err := fmt.Fprintln(w, "No decisions by a person."); err != nil {
				return err
			}
			continue
		}
		t := newTable(w, "APPROVER", "DECIDED", "APPROVED", "REJECTED", "MEDIAN", "P90")
		for _, a := range c.Approvers {
			t.row(a.Approver, strconv.Itoa(a.Decided), strconv.Itoa(a.Approved), strconv.Itoa(a.Rejected),
				a.MedianDecision, a.P90Decision)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	return nil
}

// clientFigures is the one-line summary that heads a client's block.
func clientFigures(c api.ClientApprovalReport) string {
	parts := []string{
		fmt.Sprintf("%s: %d %s", c.Client, c.Approvals, reportNoun(c.Approvals, "approval", "approvals")),
		fmt.Sprintf("%d by a person, %d by silence%s, %d abandoned, %d pending",
			c.DecidedByPerson, c.DecidedBySilence, sharePercent(c.SilenceShare), c.Abandoned, c.Pending),
	}
	if c.MedianDecision != "" {
		parts = append(parts, fmt.Sprintf("time to decide: median %s, p90 %s", c.MedianDecision, c.P90Decision))
	} else {
		parts = append(parts, "nothing decided yet")
	}
	parts = append(parts,
		fmt.Sprintf("%s campaign-hours waiting", strconv.FormatFloat(c.WaitingHours, 'f', 2, 64)),
		fmt.Sprintf("%d posts delayed", c.PostsDelayed))
	return strings.Join(parts, " · ")
}

// sharePercent shows the share decided by silence as " (28.6%)", or nothing when
// nothing was decided.
func sharePercent(share *float64) string {
	if share == nil {
		return ""
	}
	return fmt.Sprintf(" (%s%%)", strconv.FormatFloat(math.Round(*share*1000)/10, 'f', -1, 64))
}

// reportNoun picks the singular for one, so a line reads "1 approval".
func reportNoun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
