package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
)

// peopleList is the answer of GET /v1/people.
type peopleList struct {
	Items         []api.PersonView `json:"items"`
	NextPageToken string           `json:"next_page_token"`
}

func personPath(id string) string { return "/v1/people/" + url.PathEscape(id) }

func newPeopleCmd(g *globals) *cobra.Command {
	return groupCmd("people", "The directory of people approvals reach: their clients, approver roles and channels",
		newPeopleListCmd(g),
		newPeopleShowCmd(g),
		newPeopleCreateCmd(g),
		newPeopleUpdateCmd(g),
		newPeopleDeleteCmd(g),
	)
}

func newPeopleListCmd(g *globals) *cobra.Command {
	var client, role string
	var pages paging
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List people, by id",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			setQuery(q, "client", client)
			setQuery(q, "role", role)
			pages.setQuery(q)
			r := request{method: http.MethodGet, path: "/v1/people", query: q}
			return call(cmd.Context(), g, r, func(l peopleList) error { return printPeople(g, l) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&client, "client", "", "only people of this client")
	f.StringVar(&role, "role", "", "only people holding this approver role")
	pages.bind(f, "people")
	return cmd
}

func printPeople(g *globals, l peopleList) error {
	if len(l.Items) == 0 {
		_, err := fmt.Fprintln(g.stdout, "No people.")
		return err
	}
	t := newTable(g.stdout, "ID", "NAME", "CLIENTS", "ROLES", "CHANNELS", "TIME ZONE", "TEAM")
	for _, p := range l.Items {
		t.row(p.ID, p.Name, strings.Join(p.Clients, ","), strings.Join(p.Roles, ","), formatChannels(p.Channels), p.TimeZone, p.Team)
	}
	if err := t.flush(); err != nil {
		return err
	}
	return morePages(g, "people", l.NextPageToken)
}

func newPeopleShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a person",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := request{method: http.MethodGet, path: personPath(args[0])}
			return call(cmd.Context(), g, r, func(p api.PersonView) error { return printPerson(g, p) })
		},
	}
}

func printPerson(g *globals, p api.PersonView) error {
	t := newTable(g.stdout)
	t.row("Person", p.ID)
	t.row("Name", p.Name)
	t.row("Clients", strings.Join(p.Clients, ", "))
	t.row("Roles", strings.Join(p.Roles, ", "))
	t.row("Time zone", p.TimeZone)
	t.row("Team", orNone(p.Team))
	t.field("Created", absTime(&p.CreatedAt))
	t.field("Updated", absTime(&p.UpdatedAt))
	if len(p.Channels) == 0 {
		t.row("Channels", "none")
	}
	for i, ch := range p.Channels {
		t.row(fmt.Sprintf("Channel %d", i+1), ch.Kind+" "+ch.Address)
	}
	return t.flush()
}

// personFlags are the fields a person is made of, as flags; create needs
// name and client, update changes only the fields given.
type personFlags struct {
	name, timeZone, team    string
	clients, roles, channel []string
}

var personFlagNames = []string{"name", "client", "role", "channel", "time-zone", "team"}

func (pf *personFlags) bind(cmd *cobra.Command, update bool) {
	f := cmd.Flags()
	clear := ""
	if update {
		clear = "; given, replaces the list (an empty value, --%s '', empties it)"
	}
	f.StringVar(&pf.name, "name", "", "the person's name, as messages address them")
	f.StringArrayVar(&pf.clients, "client", nil, listHelp("a client the person approves for or is told about", clear, "client"))
	f.StringArrayVar(&pf.roles, "role", nil, listHelp("an approver role the person decides in on its clients' approvals, e.g. client-marketing-lead", clear, "role"))
	f.StringArrayVar(&pf.channel, "channel", nil, listHelp("a way to reach the person, KIND:ADDRESS with KIND "+strings.Join(api.ChannelKinds, ", ")+
		" (email:dana@acme.example, slack:U024BE7LH, webhook:https://…); repeat in the order to try them", clear, "channel"))
	f.StringVar(&pf.timeZone, "time-zone", "", "IANA time zone for deadlines in messages, e.g. Europe/Paris (default UTC)")
	teamHelp := "the team whose accounts the person's campaigns may act on, e.g. team-x; the person's tokens take it (admins only)"
	if update {
		teamHelp += "; '' takes the person out of its team"
	}
	f.StringVar(&pf.team, "team", "", teamHelp)
}

func listHelp(what, clear, flag string) string {
	h := what + " (repeatable)"
	if clear != "" {
		h += fmt.Sprintf(clear, flag)
	}
	return h
}

// apply sets on req the fields whose flags cmd was given.
func (pf *personFlags) apply(cmd *cobra.Command, req *api.PersonRequest) error {
	f := cmd.Flags()
	if f.Changed("name") {
		req.Name = pf.name
	}
	if f.Changed("time-zone") {
		req.TimeZone = pf.timeZone
	}
	if f.Changed("team") {
		req.Team = pf.team
	}
	if f.Changed("client") {
		req.Clients = nonEmpty(pf.clients)
	}
	if f.Changed("role") {
		req.Roles = nonEmpty(pf.roles)
	}
	if f.Changed("channel") {
		chans, err := parseChannels(nonEmpty(pf.channel))
		if err != nil {
			return err
		}
		req.Channels = chans
	}
	return nil
}

// nonEmpty drops empty values, so an empty --role empties the roles.
func nonEmpty(list []string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == "" })
}

// parseChannels reads --channel KIND:ADDRESS values, in order.
func parseChannels(values []string) ([]api.PersonChannel, error) {
	out := []api.PersonChannel{}
	for _, v := range values {
		kind, addr, ok := strings.Cut(v, ":")
		if !ok || addr == "" || !slices.Contains(api.ChannelKinds, kind) {
			return nil, usageErrorf("--channel %q: want KIND:ADDRESS with KIND one of %s, e.g. email:dana@acme.example", v, strings.Join(api.ChannelKinds, ", "))
		}
		out = append(out, api.PersonChannel{Kind: kind, Address: addr})
	}
	return out, nil
}

func formatChannels(chans []api.PersonChannel) string {
	parts := make([]string, 0, len(chans))
	for _, ch := range chans {
		parts = append(parts, ch.Kind+":"+ch.Address)
	}
	return strings.Join(parts, ",")
}

func newPeopleCreateCmd(g *globals) *cobra.Command {
	var pf personFlags
	cmd := &cobra.Command{
		Use:   "create ID --name NAME --client C [--role R]… [--channel KIND:ADDRESS]… [--time-zone TZ] [--team T]",
		Short: "Add a person to the directory",
		Long: `Add a person to the directory. ID is how approvers, deciders and the person's
tokens name the person (e.g. dana@acme): lower-case letters, digits, @ . _ -.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if pf.name == "" || len(nonEmpty(pf.clients)) == 0 {
				return usageErrorf("--name and at least one --client are required")
			}
			req := api.PersonRequest{ID: args[0]}
			if err := pf.apply(cmd, &req); err != nil {
				return err
			}
			return writePerson(cmd, g, request{method: http.MethodPost, path: "/v1/people", body: req}, "created")
		},
	}
	pf.bind(cmd, false)
	return cmd
}

func newPeopleUpdateCmd(g *globals) *cobra.Command {
	var pf personFlags
	cmd := &cobra.Command{
		Use:   "update ID [--name NAME] [--client C]… [--role R]… [--channel KIND:ADDRESS]… [--time-zone TZ] [--team T]",
		Short: "Change a person: the fields given are replaced, the others kept",
		Long: `Change a person. The person is read, the fields whose flags are given are
replaced (a repeatable flag replaces its whole list, in the order given), and the
person is written back whole.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.ContainsFunc(personFlagNames, cmd.Flags().Changed) {
				return usageErrorf("nothing to change: give at least one of --name, --client, --role, --channel, --time-zone, --team")
			}
			var p api.PersonView
			if err := getJSON(cmd.Context(), g, personPath(args[0]), &p); err != nil {
				return err
			}
			req := p.Request()
			if err := pf.apply(cmd, &req); err != nil {
				return err
			}
			return writePerson(cmd, g, request{method: http.MethodPut, path: personPath(args[0]), body: req}, "updated")
		},
	}
	pf.bind(cmd, true)
	return cmd
}

// writePerson sends a person and shows the person the API answers with.
func writePerson(cmd *cobra.Command, g *globals, r request, done string) error {
	return call(cmd.Context(), g, r, func(p api.PersonView) error {
		fmt.Fprintf(g.stderr, "person %s %s\n", p.ID, done)
		return printPerson(g, p)
	})
}

func newPeopleDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Remove a person from the directory (refused while tokens of the person are not revoked)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := request{method: http.MethodDelete, path: personPath(args[0])}
			return call(cmd.Context(), g, r, func(struct{}) error {
				_, err := fmt.Fprintf(g.stdout, "person %s deleted\n", args[0])
				return err
			})
		},
	}
}
