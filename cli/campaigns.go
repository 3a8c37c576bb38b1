package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
)

// campaignList is the answer of GET /v1/campaigns.
type campaignList struct {
	Items         []api.CampaignView `json:"items"`
	NextPageToken string             `json:"next_page_token"`
}

func campaignPath(id string) string { return "/v1/campaigns/" + url.PathEscape(id) }

func newCampaignsCmd(g *globals) *cobra.Command {
	return groupCmd("campaigns", "List, show, pause, resume and cancel campaigns, and read their audit trail",
		newCampaignsListCmd(g),
		newCampaignsShowCmd(g),
		newCampaignsEventsCmd(g),
		newCampaignsCancelCmd(g),
		newCampaignsPauseCmd(g, "pause"),
		newCampaignsPauseCmd(g, "resume"),
	)
}

func newCampaignsListCmd(g *globals) *cobra.Command {
	var status, client, playbook string
	var pages paging
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List campaigns, newest first",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			setQuery(q, "status", status)
			setQuery(q, "client", client)
			setQuery(q, "playbook", playbook)
			pages.setQuery(q)
			r := request{method: http.MethodGet, path: "/v1/campaigns", query: q}
			return call(cmd.Context(), g, r, func(l campaignList) error {
				return printCampaigns(g, l, time.Now())
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "only campaigns in this status (running, waiting_approval, completed, failed, canceled)")
	f.StringVar(&client, "client", "", "only this client's campaigns")
	f.StringVar(&playbook, "playbook", "", "only campaigns of this playbook")
	pages.bind(f, "campaigns")
	return cmd
}

func printCampaigns(g *globals, l campaignList, now time.Time) error {
	if len(l.Items) == 0 {
		_, err := fmt.Fprintln(g.stdout, "No campaigns.")
		return err
	}
	t := newTable(g.stdout, "ID", "CLIENT", "PLAYBOOK", "VERSION", "STATUS", "CURRENT STEP", "CREATED")
	for _, c := range l.Items {
		created := ""
		if c.CreatedAt != nil {
			created = relTime(*c.CreatedAt, now)
		}
		t.row(c.ID, c.Client, c.Playbook, strconv.Itoa(c.PlaybookVersion), c.Status, c.CurrentStep, created)
	}
	if err := t.flush(); err != nil {
		return err
	}
	return morePages(g, "campaigns", l.NextPageToken)
}

func newCampaignsShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a campaign with its steps and approvals",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := request{method: http.MethodGet, path: campaignPath(args[0])}
			return call(cmd.Context(), g, r, func(c api.CampaignView) error {
				return printCampaign(g, c, time.Now())
			})
		},
	}
}

func printCampaign(g *globals, c api.CampaignView, now time.Time) error {
	t := newTable(g.stdout)
	t.row("Campaign", c.ID)
	t.field("Workflow", c.WorkflowID)
	t.row("Client", c.Client)
	t.row("Playbook", fmt.Sprintf("%s v%d", c.Playbook, c.PlaybookVersion))
	t.field("Team", c.Team)
	t.row("Status", c.Status)
	if w := c.Waiting; w != nil {
		t.row("Waiting", fmt.Sprintf("until %s (%s) for %s", w.Until.UTC().Format("2006-01-02 15:04 MST"), relTime(w.Until, now), w.For))
	}
	t.field("Current step", c.CurrentStep)
	t.field("Error", c.Error)
	t.field("Params", formatParams(c.Params))
	t.field("Created", absTime(c.CreatedAt))
	t.field("Updated", absTime(c.UpdatedAt))
	t.field("Finished", absTime(c.FinishedAt))
	t.field("Web UI", c.UIURL)
	if err := t.flush(); err != nil {
		return err
	}

	if len(c.Accounts) > 0 {
		fmt.Fprintln(g.stdout, "\nAccounts")
		t = newTable(g.stdout, "ACCOUNT", "PLATFORM", "HANDLE", "CONNECTOR", "OWNER", "STATE")
		for _, a := range c.Accounts {
			t.row(a.ID, a.Platform, a.Handle, a.Connector, orNone(a.Team), a.State)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(g.stdout, "\nSteps")
	if len(c.Steps) == 0 {
		fmt.Fprintln(g.stdout, "  none yet")
	} else {
		t = newTable(g.stdout, "STEP", "KIND", "STATUS", "STARTED", "FINISHED", "ERROR")
		for _, s := range c.Steps {
			t.row(cmp.Or(s.Key, s.ID), s.Kind, s.Status, absTime(s.StartedAt), absTime(s.FinishedAt), s.Error)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(g.stdout, "\nApprovals")
	if len(c.Approvals) == 0 {
		_, err := fmt.Fprintln(g.stdout, "  none yet")
		return err
	}
	t = newTable(g.stdout, "ID", "STEP", "TITLE", "STATUS", "DUE", "DECIDED BY")
	for _, a := range c.Approvals {
		t.row(a.ID, a.Step, a.Title, statusCell(a), dueCell(a, now), decidedBy(a))
	}
	return t.flush()
}

// formatParams renders params as key=value in key order; strings unquoted, the rest
// as JSON, the same way --param reads them back.
func formatParams(params map[string]any) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v, ok := params[k].(string)
		if !ok {
			b, _ := json.Marshal(params[k])
			v = string(b)
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}

func newCampaignsCancelCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Ask a campaign to stop",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			r := request{method: http.MethodPost, path: campaignPath(id) + "/cancel"}
			// The 202 body, if any, is not needed for the table: cancelling is
			// asynchronous, and `campaigns show` is where its outcome appears.
			return call(cmd.Context(), g, r, func(json.RawMessage) error {
				_, err := fmt.Fprintf(g.stdout, "Cancellation requested for campaign %s; follow it with: greenlight campaigns show %s\n", id, id)
				return err
			})
		},
	}
}

// newCampaignsPauseCmd is `campaigns pause ID` or `campaigns resume ID`.
func newCampaignsPauseCmd(g *globals, verb string) *cobra.Command {
	var reason string
	short := "Hold a campaign before its next step (deadlines keep running)"
	if verb == "resume" {
		short = "Let a paused campaign go on"
	}
	cmd := &cobra.Command{
		Use:   verb + " ID",
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Who paused is the token's holder: the API records its name.
			body := map[string]string{"reason": reason}
			r := request{method: http.MethodPost, path: campaignPath(args[0]) + "/" + verb, body: body}
			return call(cmd.Context(), g, r, func(c api.CampaignView) error {
				_, err := fmt.Fprintf(g.stdout, "Campaign %s is %s\n", c.ID, c.Status)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the record")
	return cmd
}

// setQuery adds key only when value is set, so the API applies its own defaults.
func setQuery(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
