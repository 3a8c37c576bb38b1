// Package cli is the greenlight command: process subcommands (dev, server, worker,
// migrate) and client subcommands that talk to the HTTP API.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// globals are the settings every client subcommand shares.
type globals struct {
	api    string // API base URL (--api, GREENLIGHT_API)
	token  string // bearer token (GREENLIGHT_TOKEN)
	json   bool   // --json: machine-readable output
	stdout io.Writer
	stderr io.Writer
}

// Execute runs the greenlight command with args and returns the process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "greenlight:", err)
		return exitCode(err)
	}
	return 0
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "greenlight",
		Short:         "Run social-media campaign playbooks as durable Temporal workflows",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	api := os.Getenv("GREENLIGHT_API")
	if api == "" {
		api = "http://127.0.0.1:8080"
	}
	root.PersistentFlags().StringVar(&g.api, "api", api, "Greenlight API base URL (GREENLIGHT_API)")
	root.PersistentFlags().BoolVar(&g.json, "json", false, "print JSON instead of tables")
	g.token = defaultToken()

	root.AddCommand(
		newDevCmd(g),
		newServerCmd(g),
		newWorkerCmd(g),
		newMigrateCmd(g),
		newLaunchCmd(g),
		newCampaignsCmd(g),
		newApprovalsCmd(g),
		newDecisionCmd(g, "approve"),
		newDecisionCmd(g, "reject"),
		newPlaybooksCmd(g),
		newReportCmd(g),
		newTokensCmd(g),
	)
	return root
}
