package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
)

// TemporalInstance is a dev Temporal server with its Web UI and nothing else.
type TemporalInstance struct {
	TemporalAddr string
	UIURL        string
	Namespace    string
	DataDir      string
	TLS          bool // the frontend serves TLS (--temporal-tls-cert)
	MutualTLS    bool // and requires client certificates (--temporal-tls-client-ca)
}

// devTLSFiles is the TLS dev's flags ask the embedded frontend to serve; nil
// serves plaintext.
func devTLSFiles(cfg config.Config) *devserver.TLSFiles {
	if !cfg.DevTLS.Set() {
		return nil
	}
	return &devserver.TLSFiles{CertFile: cfg.DevTLS.CertFile, KeyFile: cfg.DevTLS.KeyFile, ClientCAFile: cfg.DevTLS.ClientCAFile}
}

// ownTemporal is cfg for dev's clients of its own embedded server: its actual
// address, and none of the GREENLIGHT_TEMPORAL_TLS_* client settings, which
// are for an external cluster (the TLS comes from the server, withTLS).
func ownTemporal(cfg config.Config, ts *devserver.Server) config.Config {
	cfg.TemporalAddr = ts.FrontendAddr()
	cfg.TemporalTLS = config.TLS{}
	return cfg
}

// DevTemporal runs only dev's embedded Temporal server and Web UI, with
// Greenlight's search attributes registered, until ctx ends: the API and the
// workers then run as separate processes (`greenlight server`, `greenlight
// worker`) against it, as they would against a cluster. ready, when set, is
// called once it serves.
func DevTemporal(ctx context.Context, cfg config.Config, logger *slog.Logger, ready func(TemporalInstance)) error {
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir %s: %w", cfg.DataDir, err)
	}
	ts, err := devserver.Start(ctx, devserver.Options{
		DataDir: cfg.DataDir, FrontendAddr: cfg.TemporalAddr, UIAddr: cfg.UIAddr,
		Namespace: cfg.Namespace, Logger: logger, TLS: devTLSFiles(cfg),
	})
	if err != nil {
		return devAddrTaken(err)
	}
	defer func() { _ = ts.Stop() }()
	c, err := DialTemporal(ctx, ownTemporal(cfg, ts), logger, withTLS(ts.ClientTLS()))
	if err != nil {
		return err
	}
	// Registered here, as full dev does, so servers started later find them.
	_, err = ensureSearchAttributes(ctx, c, cfg.Namespace, true, logger)
	c.Close()
	if err != nil {
		return err
	}
	if ready != nil {
		ready(TemporalInstance{TemporalAddr: ts.FrontendAddr(), UIURL: ts.UIURL(), Namespace: cfg.Namespace, DataDir: cfg.DataDir,
			TLS: cfg.DevTLS.Set(), MutualTLS: cfg.DevTLS.ClientCAFile != ""})
	}
	<-ctx.Done()
	logger.Info("stopping greenlight dev (Temporal only)")
	return nil
}
