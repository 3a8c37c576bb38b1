// Package cli is the greenlight command's client side: the subcommands that talk
// to the HTTP API. What runs without the API (the processes and the first admin
// token) comes in as Local from package main, so this package never links the
// server, the store or Temporal's server.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/contexts"
)

// globals are the settings every client subcommand shares.
type globals struct {
	api    string // API base URL (--api, GREENLIGHT_API)
	token  string // --token; see auth for the token actually sent
	json   bool   // --json: machine-readable output
	stdout io.Writer
	stderr io.Writer
	// bootstrapAdmin is Local.BootstrapAdmin; nil in a build without it.
	bootstrapAdmin func(ctx context.Context, cfg config.Config, name string) (string, error)
	// creds is the token found for api, once the flags are parsed (auth).
	creds *credentials
}

// auth returns the token to send and where it came from, found once: only
// after the flags are parsed is --api known, and its context with it.
func (g *globals) auth() credentials {
	if g.creds == nil {
		c := findToken(tokenSources{
			flag: g.token, api: g.api, getenv: os.Getenv,
			contextsPath: contexts.Path, lookup: contexts.Lookup, all: contexts.All,
		})
		g.creds = &c
	}
	return *g.creds
}

// Local is what the greenlight command does without the API.
type Local struct {
	// Commands are the process subcommands (dev, server, worker, migrate),
	// writing their own output to stdout.
	Commands func(stdout io.Writer) []*cobra.Command
	// BootstrapAdmin writes the first admin token, named name, straight to the
	// database cfg names, and returns its secret (tokens create --admin-bootstrap).
	BootstrapAdmin func(ctx context.Context, cfg config.Config, name string) (secret string, err error)
}

// Execute runs the greenlight command with args and returns the process exit
// code. Tests that need only the client subcommands pass a zero Local.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer, local Local) int {
	root := newRootCmd(stdout, stderr, local)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "greenlight:", err)
		return exitCode(err)
	}
	return 0
}

func newRootCmd(stdout, stderr io.Writer, local Local) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr, bootstrapAdmin: local.BootstrapAdmin}
	root := &cobra.Command{
		Use:           "greenlight",
		Short:         "Run social-media campaign playbooks as durable Temporal workflows",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	apiURL := os.Getenv("GREENLIGHT_API")
	if apiURL == "" {
		apiURL = "http://127.0.0.1:8080"
	}
	root.PersistentFlags().StringVar(&g.api, "api", apiURL, "Greenlight API base URL (GREENLIGHT_API)")
	root.PersistentFlags().BoolVar(&g.json, "json", false, "print JSON instead of tables")
	root.PersistentFlags().StringVar(&g.token, "token", "",
		"API token (default: GREENLIGHT_TOKEN, else the token `greenlight dev` recorded for --api)")

	if local.Commands != nil {
		root.AddCommand(local.Commands(stdout)...)
	}
	root.AddCommand(
		newLaunchCmd(g),
		newCampaignsCmd(g),
		newApprovalsCmd(g),
		newDecisionCmd(g, "approve"),
		newDecisionCmd(g, "reject"),
		newPlaybooksCmd(g),
		newReportCmd(g),
		newAuditCmd(g),
		newTokensCmd(g),
		newPeopleCmd(g),
		newAccountsCmd(g),
	)
	return root
}
