package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/cli"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/store"
)

// The process subcommands read one typed config: defaults, then environment, then
// flags. Each binds only the flags it uses. They live here, not in package cli,
// so that the client subcommands never link the server, the store or Temporal's
// server; main hands them to the CLI as cli.Local.

func local() cli.Local {
	return cli.Local{
		Commands: func(stdout io.Writer) []*cobra.Command {
			return []*cobra.Command{newDevCmd(stdout), newServerCmd(), newWorkerCmd(), newMigrateCmd(stdout), newBenchCmd(stdout)}
		},
		BootstrapAdmin: bootstrapAdmin,
	}
}

// bootstrapAdmin writes the first admin token of a deployment to its database.
func bootstrapAdmin(ctx context.Context, cfg config.Config, name string) (string, error) {
	st, err := app.OpenStore(ctx, cfg, cfg.Logger())
	if err != nil {
		return "", err
	}
	defer st.Close()
	return app.BootstrapAdminToken(ctx, st, name)
}

var externalFlags = []string{
	config.FlagEncryption, config.FlagKeysFile, config.FlagTemporal, config.FlagNamespace, config.FlagUIURL, config.FlagPlaybooks, config.FlagTLS, config.FlagTLSCA,
	config.FlagTLSCert, config.FlagTLSKey, config.FlagTLSName, config.FlagLogLevel, config.FlagLogFormat,
}

func newDevCmd(stdout io.Writer) *cobra.Command {
	cfg := config.Load()
	var only string
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
				return cli.UsageError(err)
			}
			logger := cfg.Logger()
			switch only {
			case "":
			case "temporal":
				return app.DevTemporal(cmd.Context(), cfg, logger, func(t app.TemporalInstance) {
					fmt.Fprintf(stdout, "temporal ready: temporal=%s ui=%s namespace=%s data=%s tls=%s\n", t.TemporalAddr, t.UIURL, t.Namespace, t.DataDir, tlsWord(t))
					fmt.Fprintf(stdout, "Run the API and workers against it, with the same payload keys, e.g.:\n  DATABASE_URL=postgres://… GREENLIGHT_PAYLOAD_KEYS=k1:… GREENLIGHT_LINK_SECRET=… greenlight server --temporal-address %s%s\n  DATABASE_URL=postgres://… GREENLIGHT_PAYLOAD_KEYS=k1:… greenlight worker --temporal-address %s%s\n",
						t.TemporalAddr, clientTLSFlags(t), t.TemporalAddr, clientTLSFlags(t))
				})
			default:
				return cli.UsageError(fmt.Errorf("--only %q: the only part dev runs alone is temporal", only))
			}
			return app.Dev(cmd.Context(), cfg, logger, func(d *app.DevInstance) {
				fmt.Fprintf(stdout, "greenlight ready: api=%s ui=%s temporal=%s data=%s\n",
					d.APIURL, d.UIURL, d.TemporalAddr, d.DataDir)
				recordDevContext(stdout, d.APIURL, d.DataDir)
				if d.OutboxURL != "" {
					fmt.Fprintf(stdout, "Emails: %s (dev mode keeps them in %s instead of sending them)\n", d.OutboxURL, d.OutboxDir)
				}
			})
		},
	}
	cfg.BindFlags(cmd.Flags(), config.FlagDataDir, config.FlagHTTP, config.FlagDevTemporal, config.FlagUI,
		config.FlagUIURL, config.FlagNamespace, config.FlagPlaybooks, config.FlagLogLevel, config.FlagLogFormat,
		config.FlagLinkSecret, config.FlagPublicURL, config.FlagLaunchGrace, config.FlagCredentials, config.FlagUnattached,
		config.FlagEncryption, config.FlagKeysFile, config.FlagCodecOrigin)
	cfg.BindDevTLSFlags(cmd.Flags())
	cmd.Flags().StringVar(&only, "only", "", "run one part alone: temporal (the embedded Temporal server and Web UI, for an API and workers run as separate processes)")
	return cmd
}

// tlsWord says what the embedded frontend serves, for the ready line.
func tlsWord(t app.TemporalInstance) string {
	switch {
	case t.MutualTLS:
		return "mtls"
	case t.TLS:
		return "on"
	}
	return "off"
}

// clientTLSFlags are the flags a server or worker needs for the embedded
// frontend's TLS, with the files left to the user: only they know which CA
// signed the frontend's certificate and which client certificate to use.
func clientTLSFlags(t app.TemporalInstance) string {
	switch {
	case t.MutualTLS:
		return " --temporal-tls-ca ca.pem --temporal-tls-cert client.pem --temporal-tls-key client-key.pem"
	case t.TLS:
		return " --temporal-tls-ca ca.pem"
	}
	return ""
}

func newServerCmd() *cobra.Command {
	cfg := config.Load()
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the HTTP API against an external Temporal and PostgreSQL",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return cli.UsageError(err)
			}
			return app.Server(cmd.Context(), cfg, cfg.Logger())
		},
	}
	cfg.BindFlags(cmd.Flags(), append([]string{config.FlagHTTP, config.FlagDataDir, config.FlagLinkSecret, config.FlagPublicURL, config.FlagLaunchGrace, config.FlagUnattached,
		config.FlagCodecOrigin}, externalFlags...)...)
	return cmd
}

func newWorkerCmd() *cobra.Command {
	cfg := config.Load()
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker for campaign workflows and activities",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return cli.UsageError(err)
			}
			return app.Worker(cmd.Context(), cfg, cfg.Logger())
		},
	}
	cfg.BindFlags(cmd.Flags(), append([]string{config.FlagDataDir, config.FlagCredentials,
		config.FlagWorkerDeployment, config.FlagWorkerBuildID, config.FlagWorkerVersioning}, externalFlags...)...)
	return cmd
}

// migratedLine says what migrate did, so "nothing to do" never reads as work done.
func migratedLine(done store.Migrated) string {
	switch done.Applied {
	case 0:
		return fmt.Sprintf("database is up to date (version %d)", done.Version)
	case 1:
		return fmt.Sprintf("applied 1 migration (now version %d)", done.Version)
	}
	return fmt.Sprintf("applied %d migrations (now version %d)", done.Applied, done.Version)
}

func newMigrateCmd(stdout io.Writer) *cobra.Command {
	cfg := config.Load()
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database schema migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return cli.UsageError(err)
			}
			done, err := app.Migrate(cmd.Context(), cfg, cfg.Logger())
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, migratedLine(done))
			return nil
		},
	}
	cfg.BindFlags(cmd.Flags(), config.FlagDataDir, config.FlagPlaybooks, config.FlagLogLevel, config.FlagLogFormat)
	return cmd
}
