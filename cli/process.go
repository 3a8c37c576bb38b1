package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
)

// The process subcommands read one typed config: defaults, then environment, then
// flags. Each binds only the flags it uses.

var externalFlags = []string{
	config.FlagTemporal, config.FlagNamespace, config.FlagUIURL, config.FlagPlaybooks, config.FlagTLS, config.FlagTLSCA,
	config.FlagTLSCert, config.FlagTLSKey, config.FlagTLSName, config.FlagLogLevel, config.FlagLogFormat,
}

func newDevCmd(g *globals) *cobra.Command {
	cfg := config.Load()
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything in one process: Temporal, its Web UI, worker, API and SQLite store",
		Long: `Run everything in one process with nothing to install: an embedded Temporal
server and Web UI, the worker, the HTTP API, and the store, with all data in one
folder (--data-dir). Campaigns survive restarts. Set DATABASE_URL to keep the
store in PostgreSQL instead of SQLite. Ctrl-C stops cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			logger := cfg.Logger()
			return app.Dev(cmd.Context(), cfg, logger, func(d *app.DevInstance) {
				fmt.Fprintf(g.stdout, "greenlight ready: api=%s ui=%s temporal=%s data=%s\n",
					d.APIURL, d.UIURL, d.TemporalAddr, d.DataDir)
				fmt.Fprintf(g.stdout, "API token: the CLI reads it from %s; for curl: export GREENLIGHT_TOKEN=$(cat %s)\n",
					filepath.Join(d.DataDir, app.AdminTokenFile), filepath.Join(d.DataDir, app.AdminTokenFile))
			})
		},
	}
	cfg.BindFlags(cmd.Flags(), config.FlagDataDir, config.FlagHTTP, config.FlagDevTemporal, config.FlagUI,
		config.FlagUIURL, config.FlagNamespace, config.FlagPlaybooks, config.FlagLogLevel, config.FlagLogFormat,
		config.FlagLinkSecret, config.FlagPublicURL, config.FlagLaunchGrace)
	return cmd
}

func newServerCmd(_ *globals) *cobra.Command {
	cfg := config.Load()
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the HTTP API against an external Temporal and PostgreSQL",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			return app.Server(cmd.Context(), cfg, cfg.Logger())
		},
	}
	cfg.BindFlags(cmd.Flags(), append([]string{config.FlagHTTP, config.FlagDataDir, config.FlagLinkSecret, config.FlagPublicURL, config.FlagLaunchGrace}, externalFlags...)...)
	return cmd
}

func newWorkerCmd(_ *globals) *cobra.Command {
	cfg := config.Load()
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker for campaign workflows and activities",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			return app.Worker(cmd.Context(), cfg, cfg.Logger())
		},
	}
	cfg.BindFlags(cmd.Flags(), append([]string{config.FlagDataDir}, externalFlags...)...)
	return cmd
}

func newMigrateCmd(g *globals) *cobra.Command {
	cfg := config.Load()
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database schema migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			if err := app.Migrate(cmd.Context(), cfg, cfg.Logger()); err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, "migrations applied")
			return nil
		},
	}
	cfg.BindFlags(cmd.Flags(), config.FlagDataDir, config.FlagPlaybooks, config.FlagLogLevel, config.FlagLogFormat)
	return cmd
}
