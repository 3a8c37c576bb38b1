package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
)

// DevInstance is a running `greenlight dev`: embedded Temporal and Web UI, worker,
// API and store, all in this process.
type DevInstance struct {
	APIURL       string
	UIURL        string
	TemporalAddr string
	DataDir      string
	Store        *store.Store // for tests and tools in the same process
	stack        stack
}

// Stop stops everything in reverse order of start.
func (d *DevInstance) Stop() { d.stack.stop() }

// StartDev starts everything dev mode runs and returns once the API serves.
func StartDev(ctx context.Context, cfg config.Config, logger *slog.Logger) (*DevInstance, error) {
	d := &DevInstance{DataDir: cfg.DataDir}
	ok := false
	defer func() {
		if !ok {
			d.Stop()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", cfg.DataDir, err)
	}
	ln, err := listen(cfg.HTTPAddr, "HTTP")
	if err != nil {
		return nil, err
	}
	d.stack.push(func() { _ = ln.Close() })

	ts, err := devserver.Start(ctx, devserver.Options{
		DataDir: cfg.DataDir, FrontendAddr: cfg.TemporalAddr, UIAddr: cfg.UIAddr,
		Namespace: cfg.Namespace, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	d.stack.push(func() { _ = ts.Stop() })
	d.TemporalAddr = ts.FrontendAddr()
	d.UIURL = ts.UIURL()

	st, err := OpenStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	d.stack.push(func() { _ = st.Close() })
	d.Store = st

	tcfg := cfg
	tcfg.TemporalAddr = ts.FrontendAddr()
	c, err := DialTemporal(tcfg, logger)
	if err != nil {
		return nil, err
	}
	d.stack.push(c.Close)

	stopWorker, err := startWorker(c, st, logger)
	if err != nil {
		return nil, err
	}
	d.stack.push(stopWorker)

	uiURL := cfg.UIURL
	if uiURL == "" {
		uiURL = ts.UIURL()
	}
	d.stack.push(serveAPI(ln, server.Deps{Store: st, Temporal: c, Namespace: cfg.Namespace, UIURL: uiURL, Logger: logger}, logger))
	d.APIURL = "http://" + ln.Addr().String()
	ok = true
	return d, nil
}

// Dev runs dev mode until ctx is done; ready is called once everything serves.
func Dev(ctx context.Context, cfg config.Config, logger *slog.Logger, ready func(*DevInstance)) error {
	d, err := StartDev(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer d.Stop()
	if ready != nil {
		ready(d)
	}
	<-ctx.Done()
	logger.Info("stopping greenlight dev")
	return nil
}
