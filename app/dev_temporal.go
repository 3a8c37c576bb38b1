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
		Namespace: cfg.Namespace, Logger: logger,
	})
	if err != nil {
		return devAddrTaken(err)
	}
	defer func() { _ = ts.Stop() }()
	tcfg := cfg
	tcfg.TemporalAddr = ts.FrontendAddr()
	c, err := DialTemporal(tcfg, logger)
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
		ready(TemporalInstance{TemporalAddr: ts.FrontendAddr(), UIURL: ts.UIURL(), Namespace: cfg.Namespace, DataDir: cfg.DataDir})
	}
	<-ctx.Done()
	logger.Info("stopping greenlight dev (Temporal only)")
	return nil
}
