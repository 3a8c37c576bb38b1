package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
)

// accountsList is the answer of GET /v1/clients/{client}/accounts.
type accountsList struct {
	Items         []api.AccountView `json:"items"`
	NextPageToken string            `json:"next_page_token"`
}

func accountsPath(client string) string { return "/v1/clients/" + url.PathEscape(client) + "/accounts" }

func accountPath(client, id string) string { return accountsPath(client) + "/" + url.PathEscape(id) }

func newAccountsCmd(g *globals) *cobra.Command {
	return groupCmd("accounts", "A client's accounts on the platforms: handle, connector, owning team and credential name",
		newAccountsListCmd(g),
		newAccountsShowCmd(g),
		newAccountsCreateCmd(g),
		newAccountsUpdateCmd(g),
		newAccountsDeleteCmd(g),
	)
}

// requireClient refuses a command of a client's accounts given no --client.
func requireClient(client string) error {
	if client == "" {
		return usageErrorf("--client is required: accounts are a client's")
	}
	return nil
}

func newAccountsListCmd(g *globals) *cobra.Command {
	var client, team, platform string
	var pages paging
	cmd := &cobra.Command{
		Use:   "list --client C [--team T] [--platform P]",
		Short: "List a client's accounts, by id",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireClient(client); err != nil {
				return err
			}
			q := url.Values{}
			setQuery(q, "team", team)
			setQuery(q, "platform", platform)
			pages.setQuery(q)
			r := request{method: http.MethodGet, path: accountsPath(client), query: q}
			return call(cmd.Context(), g, r, func(l accountsList) error { return printAccounts(g, l) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&client, "client", "", "the client whose accounts to list (required)")
	f.StringVar(&team, "team", "", "only accounts of this team")
	f.StringVar(&platform, "platform", "", "only accounts on this platform")
	pages.bind(f, "accounts")
	return cmd
}

func printAccounts(g *globals, l accountsList) error {
	if len(l.Items) == 0 {
		_, err := fmt.Fprintln(g.stdout, "No accounts.")
		return err
	}
	t := newTable(g.stdout, "ID", "PLATFORM", "HANDLE", "CONNECTOR", "TEAM", "CREDENTIAL")
	for _, a := range l.Items {
		t.row(a.ID, a.Platform, a.Handle, a.Connector, a.Team, a.Credential)
	}
	if err := t.flush(); err != nil {
		return err
	}
	return morePages(g, "accounts", l.NextPageToken)
}

func newAccountsShowCmd(g *globals) *cobra.Command {
	var client string
	cmd := &cobra.Command{
		Use:   "show ID --client C",
		Short: "Show an account",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireClient(client); err != nil {
				return err
			}
			r := request{method: http.MethodGet, path: accountPath(client, args[0])}
			return call(cmd.Context(), g, r, func(a api.AccountView) error { return printAccount(g, a) })
		},
	}
	cmd.Flags().StringVar(&client, "client", "", "the account's client (required)")
	return cmd
}

func printAccount(g *globals, a api.AccountView) error {
	t := newTable(g.stdout)
	t.row("Account", a.ID)
	t.row("Client", a.Client)
	t.row("Platform", a.Platform)
	t.row("Handle", a.Handle)
	t.row("Connector", a.Connector)
	t.row("Team", orNone(a.Team))
	t.row("Credential", orNone(a.Credential))
	t.row("Endpoint", orNone(a.Endpoint))
	t.field("Created", absTime(&a.CreatedAt))
	t.field("Updated", absTime(&a.UpdatedAt))
	return t.flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// accountFlags are the fields an account is made of, as flags; create needs
// platform, handle and connector, update changes only the fields given.
type accountFlags struct {
	client, platform, handle, connector, team, credential, endpoint string
}

var accountFieldFlags = []string{"platform", "handle", "connector", "team", "credential", "endpoint"}

func (af *accountFlags) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&af.client, "client", "", "the account's client (required)")
	f.StringVar(&af.platform, "platform", "", "x, mastodon, bluesky, linkedin, instagram, facebook, tiktok or youtube")
	f.StringVar(&af.handle, "handle", "", "the account as the platform writes it (@acme, @acme@mastodon.social, company/acme) or its profile URL")
	f.StringVar(&af.connector, "connector", "", "the connector that acts on it: sandbox, webhook, mastodon or bluesky")
	f.StringVar(&af.team, "team", "", "the id of the team that owns it, e.g. team-x ('' for none)")
	f.StringVar(&af.credential, "credential", "", "the NAME of its credential, never the secret ('' for none)")
	f.StringVar(&af.endpoint, "endpoint", "", "where the connector reaches it: a webhook receiver's URL, a Mastodon instance, a Bluesky PDS ('' for the default)")
}

// apply sets on req the fields whose flags cmd was given.
func (af *accountFlags) apply(cmd *cobra.Command, req *api.AccountRequest) {
	f := cmd.Flags()
	for _, s := range []struct {
		flag string
		from *string
		to   *string
	}{
		{"platform", &af.platform, &req.Platform},
		{"handle", &af.handle, &req.Handle},
		{"connector", &af.connector, &req.Connector},
		{"team", &af.team, &req.Team},
		{"credential", &af.credential, &req.Credential},
		{"endpoint", &af.endpoint, &req.Endpoint},
	} {
		if f.Changed(s.flag) {
			*s.to = *s.from
		}
	}
}

func newAccountsCreateCmd(g *globals) *cobra.Command {
	var af accountFlags
	cmd := &cobra.Command{
		Use:   "create --client C --platform P --handle H --connector N [--team T] [--credential NAME] [--endpoint URL]",
		Short: "Add an account to a client",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireClient(af.client); err != nil {
				return err
			}
			if af.platform == "" || af.handle == "" || af.connector == "" {
				return usageErrorf("--platform, --handle and --connector are required")
			}
			var req api.AccountRequest
			af.apply(cmd, &req)
			return writeAccount(cmd, g, request{method: http.MethodPost, path: accountsPath(af.client), body: req}, "created")
		},
	}
	af.bind(cmd)
	return cmd
}

func newAccountsUpdateCmd(g *globals) *cobra.Command {
	var af accountFlags
	cmd := &cobra.Command{
		Use:   "update ID --client C [--platform P] [--handle H] [--connector N] [--team T] [--credential NAME] [--endpoint URL]",
		Short: "Change an account: the fields given are replaced, the others kept",
		Long: `Change an account. The account is read, the fields whose flags are given are
replaced, and the account is written back whole.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireClient(af.client); err != nil {
				return err
			}
			if !slices.ContainsFunc(accountFieldFlags, cmd.Flags().Changed) {
				return usageErrorf("nothing to change: give at least one of --platform, --handle, --connector, --team, --credential, --endpoint")
			}
			var a api.AccountView
			if err := getJSON(cmd.Context(), g, accountPath(af.client, args[0]), &a); err != nil {
				return err
			}
			req := a.Request()
			af.apply(cmd, &req)
			return writeAccount(cmd, g, request{method: http.MethodPut, path: accountPath(af.client, args[0]), body: req}, "updated")
		},
	}
	af.bind(cmd)
	return cmd
}

// writeAccount sends an account and shows the account the API answers with.
func writeAccount(cmd *cobra.Command, g *globals, r request, done string) error {
	return call(cmd.Context(), g, r, func(a api.AccountView) error {
		fmt.Fprintf(g.stderr, "account %s %s\n", a.ID, done)
		return printAccount(g, a)
	})
}

func newAccountsDeleteCmd(g *globals) *cobra.Command {
	var client string
	cmd := &cobra.Command{
		Use:   "delete ID --client C",
		Short: "Remove an account from a client",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireClient(client); err != nil {
				return err
			}
			r := request{method: http.MethodDelete, path: accountPath(client, args[0])}
			return call(cmd.Context(), g, r, func(struct{}) error {
				_, err := fmt.Fprintf(g.stdout, "account %s deleted\n", args[0])
				return err
			})
		},
	}
	cmd.Flags().StringVar(&client, "client", "", "the account's client (required)")
	return cmd
}
