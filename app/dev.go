package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/metrics"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/worker"
)

// DevInstance is a running `greenlight dev`: embedded Temporal and Web UI, worker,
// API and store, all in this process.
type DevInstance struct {
	APIURL       string
	UIURL        string
	TemporalAddr string
	DataDir      string
	AdminToken   string       // the admin token in <data-dir>/admin-token
	TaskQueue    string       // the deployment's task queue (workflows.TaskQueueFor)
	OutboxDir    string       // where emails are written instead of sent; "" with a relay
	OutboxURL    string       // the page that lists them
	Store        *store.Store // for tests and tools in the same process
	stack        stack
}

// Stop stops everything in reverse order of start.
func (d *DevInstance) Stop() { d.stack.stop() }

// StartDev starts everything dev mode runs and returns once the API serves.
func StartDev(ctx context.Context, cfg config.Config, logger *slog.Logger, opts ...Option) (*DevInstance, error) {
	o := collect(opts)
	grace, err := cfg.LaunchGraceDuration()
	if err != nil {
		return nil, err
	}
	codec, err := payloadCodec(cfg, true, logger)
	if err != nil {
		return nil, err
	}
	// Before the embedded Temporal starts: its system worker runs the SDK
	// in this process too, and the first worker fixes the shared cache.
	worker.SetWorkflowCache(cfg.WorkflowCache)
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
	ln, err := listen(cfg.HTTPAddr, "HTTP", config.FlagHTTP, "GREENLIGHT_HTTP")
	if err != nil {
		return nil, err
	}
	d.stack.push(func() { _ = ln.Close() })
	stopPprof, err := servePprof(cfg.PprofAddr, logger)
	if err != nil {
		return nil, err
	}
	d.stack.push(stopPprof)

	var codecURL string
	if codec != nil {
		codecURL = devAPIBase(cfg, ln) + "/codec"
	}
	ts, err := devserver.Start(ctx, devserver.Options{
		DataDir: cfg.DataDir, FrontendAddr: cfg.TemporalAddr, UIAddr: cfg.UIAddr,
		Namespace: cfg.Namespace, Logger: logger, CodecEndpoint: codecURL, TLS: devTLSFiles(cfg),
	})
	if err != nil {
		return nil, devAddrTaken(err)
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
	if d.AdminToken, err = devAdminToken(ctx, st, cfg.DataDir); err != nil {
		return nil, err
	}

	tcfg := ownTemporal(cfg, ts)
	// One registry for the worker's SDK metrics and the API's, served at /metrics.
	reg := metrics.New()
	c, err := DialTemporal(ctx, tcfg, logger, WithMetrics(reg), withTLS(ts.ClientTLS()), WithCodec(codec))
	if err != nil {
		return nil, err
	}
	d.stack.push(c.Close)

	secret, err := DevLinkSecret(cfg)
	if err != nil {
		return nil, err
	}
	base := devAPIBase(cfg, ln)
	notices, err := noticeDeps(cfg, st, true)
	if err != nil {
		return nil, err
	}
	if notices != nil {
		notices.Hook = o.deliveryHook
	}
	q, err := queuesOf(ctx, st, c, dataConverter(codec))
	if err != nil {
		return nil, err
	}
	d.TaskQueue = q.Own
	if cfg.Versioning.Enabled() {
		// Dev's worker lives and dies with its process, so there is never an
		// old build beside a new one; versioned, a restart with a new build id
		// would leave campaigns waiting for someone to make it current.
		logger.Warn("dev runs its worker unversioned; " + config.EnvWorkerBuildID + " applies to `greenlight worker` only")
	}
	stopWorker, err := startWorker(c, st, logger, cfg, q, worker.Version{}, &activities.LinkSigner{Secret: secret, BaseURL: base}, notices)
	if err != nil {
		return nil, err
	}
	d.stack.push(stopWorker)

	uiURL := cfg.UIURL
	if uiURL == "" {
		uiURL = ts.UIURL()
	}
	// Dev mode owns its Temporal server, so it registers the search attributes the
	// Web UI filters campaigns by.
	searchable, err := ensureSearchAttributes(ctx, c, cfg.Namespace, true, logger)
	if err != nil {
		return nil, err
	}
	slackDeps, err := slackDeps(cfg)
	if err != nil {
		return nil, err
	}
	d.stack.push(serveAPI(ln, server.Deps{
		Store: st, Temporal: c, Namespace: cfg.Namespace, UIURL: uiURL, Logger: logger,
		LinkSecret: secret, PublicURL: cfg.APIBaseURL(), SearchAttributes: searchable,
		Metrics: reg, Auth: true, AfterCampaignRow: o.afterCampaignRow, Outbox: devOutbox(cfg), Slack: slackDeps,
		LendSandbox: cfg.LendSandbox(true), TaskQueue: q.Own,
		Codec: codecOrNil(codec), CodecOrigins: cfg.CodecOriginsFor(uiURL),
	}, logger))
	d.stack.push(startLaunchSweep(st, c, logger, reg, grace))
	d.APIURL = "http://" + ln.Addr().String()
	if d.OutboxDir = devOutbox(cfg); d.OutboxDir != "" {
		d.OutboxURL = d.APIURL + "/dev/outbox"
	}
	ok = true
	return d, nil
}

// devAPIBase is the API's base URL as people reach it.
func devAPIBase(cfg config.Config, ln net.Listener) string {
	if base := cfg.APIBaseURL(); base != "" {
		return base
	}
	return "http://" + ln.Addr().String()
}

// devAddrTaken names the flag that moves an address the embedded Temporal
// could not listen on; other errors are returned as they are.
func devAddrTaken(err error) error {
	var ae *devserver.AddrError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Role {
	case devserver.RoleFrontend:
		return addrTaken("Temporal", ae.Addr, config.FlagDevTemporal, "GREENLIGHT_TEMPORAL_ADDRESS", ae.Err)
	case devserver.RoleUI:
		return addrTaken("Temporal Web UI", ae.Addr, config.FlagUI, "GREENLIGHT_UI", ae.Err)
	}
	return err
}

// devOutbox is the folder /dev/outbox shows: dev mode's outbox, unless email
// goes to a real relay.
func devOutbox(cfg config.Config) string {
	if cfg.Notify.SMTPHost != "" {
		return ""
	}
	return OutboxDir(cfg)
}

// linkSecretFile holds dev mode's generated link secret, under the data dir.
const linkSecretFile = "link-secret"

// DevLinkSecret is the key that signs approval links in dev mode: the configured
// one, else one generated on first start and kept in <data-dir>/link-secret, so
// links sent before a restart still work after it.
func DevLinkSecret(cfg config.Config) ([]byte, error) {
	if cfg.LinkSecret != "" {
		return []byte(cfg.LinkSecret), nil
	}
	path := filepath.Join(cfg.DataDir, linkSecretFile)
	if b, err := os.ReadFile(path); err == nil {
		secret := bytes.TrimSpace(b)
		if len(secret) < config.MinLinkSecret {
			return nil, fmt.Errorf("link secret in %s is shorter than %d characters; delete the file to make a new one (links sent so far stop working)", path, config.MinLinkSecret)
		}
		return secret, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read link secret %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate link secret: %w", err)
	}
	// Hex, so the same text can be copied into GREENLIGHT_LINK_SECRET.
	secret := []byte(hex.EncodeToString(raw))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process made it first; use theirs.
		return DevLinkSecret(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("create link secret %s: %w", path, err)
	}
	if _, err := f.Write(append(secret, '\n')); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write link secret %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write link secret %s: %w", path, err)
	}
	return secret, nil
}

// Dev runs dev mode until ctx is done; ready is called once everything serves.
func Dev(ctx context.Context, cfg config.Config, logger *slog.Logger, ready func(*DevInstance), opts ...Option) error {
	d, err := StartDev(ctx, cfg, logger, opts...)
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
