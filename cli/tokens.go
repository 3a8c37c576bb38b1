package cli

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
)

// tokenList is the answer of GET /v1/tokens.
type tokenList struct {
	Items []api.TokenView `json:"items"`
}

func newTokensCmd(g *globals) *cobra.Command {
	return groupCmd("tokens", "API tokens: who may call the API, with which role, for which clients",
		newTokensCreateCmd(g),
		newTokensListCmd(g),
		newTokensRevokeCmd(g),
	)
}

func newTokensCreateCmd(g *globals) *cobra.Command {
	var name, role, person, team string
	var clients, approvalRoles []string
	var bootstrap bool
	cfg := config.Load()
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print its secret (shown only once)",
		Long: `Create an API token and print its secret, which is shown only once.

With --admin-bootstrap the first admin token of a ` + "`greenlight server`" + ` deployment is
written straight to the database (DATABASE_URL), without the API, and only while
no admin token exists yet.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bootstrap {
				if err := cfg.Validate(); err != nil {
					return usageError{err}
				}
				if g.bootstrapAdmin == nil {
					return errors.New("this build of greenlight cannot write to the database; run the greenlight binary")
				}
				secret, err := g.bootstrapAdmin(cmd.Context(), cfg, cmp.Or(name, "admin"))
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, secret)
				return nil
			}
			if (name == "" && person == "") || role == "" {
				return usageError{fmt.Errorf("--name (or --person) and --role are required (role: %s)", strings.Join(api.Roles, ", "))}
			}
			body := map[string]any{"name": name, "role": role, "clients": append([]string{}, clients...),
				"approval_roles": append([]string{}, approvalRoles...)}
			if person != "" {
				if len(approvalRoles) > 0 {
					return usageErrorf("--approval-role does not go with --person: the token decides in the person's roles (greenlight people update %s --role R)", person)
				}
				body = map[string]any{"person": person, "role": role, "clients": append([]string{}, clients...)}
				if name != "" {
					body["name"] = name
				}
			}
			if team != "" {
				body["team"] = team
			}
			r := request{method: http.MethodPost, path: "/v1/tokens", body: body}
			return call(cmd.Context(), g, r, func(t api.TokenView) error {
				fmt.Fprintf(g.stderr, "token %s (%s, %s) created; its secret is shown only this once:\n", t.ID, t.Name, t.Role)
				fmt.Fprintln(g.stdout, t.Token)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "who the token acts as; recorded as the decider and requester")
	f.StringVar(&person, "person", "", "the person of the directory the token belongs to: it acts as the person, in the person's approver roles")
	f.StringVar(&role, "role", "", "admin, operator, approver or viewer")
	f.StringVar(&team, "team", "", "the team whose accounts the holder's campaigns may act on, e.g. team-x; with --person, the person's team (the default)")
	f.StringArrayVar(&clients, "client", nil, "limit the token to this client (repeatable); none = every client")
	f.StringArrayVar(&approvalRoles, "approval-role", nil, "an approver role the holder decides in, e.g. agency-lead (repeatable)")
	f.BoolVar(&bootstrap, "admin-bootstrap", false, "create the first admin token directly in the database")
	cfg.BindFlags(f, config.FlagDataDir)
	return cmd
}

func newTokensListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never their secrets)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := request{method: http.MethodGet, path: "/v1/tokens"}
			return call(cmd.Context(), g, r, func(l tokenList) error {
				t := newTable(g.stdout, "ID", "NAME", "ROLE", "CLIENTS", "APPROVER ROLES", "PERSON", "TEAM", "CREATED", "REVOKED")
				for _, tok := range l.Items {
					revoked := ""
					if tok.RevokedAt != nil {
						revoked = tok.RevokedAt.Local().Format(time.DateTime)
					}
					roles := cmp.Or(strings.Join(tok.ApprovalRoles, ","), "-")
					if tok.Person != "" {
						roles = "the person's"
					}
					t.row(tok.ID, tok.Name, tok.Role, cmp.Or(strings.Join(tok.Clients, ","), "all"), roles, tok.Person, tok.Team,
						tok.CreatedAt.Local().Format(time.DateTime), revoked)
				}
				return t.flush()
			})
		},
	}
}

func newTokensRevokeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token; it stops working at once",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := request{method: http.MethodPost, path: "/v1/tokens/" + url.PathEscape(args[0]) + "/revoke"}
			return call(cmd.Context(), g, r, func(t api.TokenView) error {
				fmt.Fprintf(g.stdout, "token %s (%s) revoked\n", t.ID, t.Name)
				return nil
			})
		},
	}
}
