// Package app wires Greenlight's processes: dev (everything in one), server (API),
// worker, and migrate. Each part starts in order and stops in reverse.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/credentials"
	"github.com/greenlight/greenlight/encryption"
	"github.com/greenlight/greenlight/metrics"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/worker"
	"github.com/greenlight/greenlight/workflows"
)

// stack collects what a process started, to stop it in reverse order.
type stack struct {
	stops []func()
}

func (s *stack) push(f func()) { s.stops = append(s.stops, f) }

func (s *stack) stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}

// OpenStore opens the configured database (PostgreSQL when DATABASE_URL is set,
// else SQLite under the data dir), applies migrations and registers playbooks.
func OpenStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (*store.Store, error) {
	st, _, err := openStore(ctx, cfg, logger)
	return st, err
}

// openStore is OpenStore, saying what migrating did.
func openStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (*store.Store, store.Migrated, error) {
	var done store.Migrated
	sc := store.Config{DatabaseURL: cfg.DatabaseURL, Logger: logger, MaxConns: cfg.DBMaxConns}
	if cfg.DatabaseURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, done, fmt.Errorf("create data dir %s: %w", cfg.DataDir, err)
		}
		sc.SQLitePath = cfg.SQLitePath()
	}
	var st *store.Store
	open := func(ctx context.Context) (err error) {
		st, err = store.Open(ctx, sc)
		return err
	}
	var err error
	if cfg.DatabaseURL != "" {
		// PostgreSQL may still be starting (a fresh stack starts in any order).
		err = untilReachable(ctx, orDefault(logger), "PostgreSQL at "+describeDatabase(cfg.DatabaseURL), retryableOpen(open))
	} else {
		err = open(ctx)
	}
	if err != nil {
		return nil, done, err
	}
	if done, err = st.ApplyMigrations(ctx); err != nil {
		_ = st.Close()
		return nil, done, err
	}
	if err := RegisterPlaybooks(ctx, st, cfg.PlaybooksDir); err != nil {
		_ = st.Close()
		return nil, done, err
	}
	return st, done, nil
}

// listen takes the API's address before anything slow starts, so a busy port fails
// at once with a message that names it.
func listen(addr, what, flag, env string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, addrTaken(what, addr, flag, env, err)
	}
	return ln, nil
}

// addrTaken is the error of an address a process cannot listen on, naming the
// flag and variable that move it.
func addrTaken(what, addr, flag, env string, err error) error {
	return fmt.Errorf("%s address %s is not available (is another greenlight running?); pick another with --%s or %s: %w",
		what, addr, flag, env, err)
}

// serveAPI serves the API on ln until stopped.
func serveAPI(ln net.Listener, deps server.Deps, logger *slog.Logger) func() {
	api := server.New(deps)
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("API server stopped", "error", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		api.Wait()
	}
}

// startWorker runs the campaign worker on c, on the deployment's task queue
// as version own (and, unversioned, on the shared one of old while campaigns
// from then run), with the notice dispatcher beside it; notices nil tells no one.
func startWorker(c client.Client, st *store.Store, logger *slog.Logger, cfg config.Config, q queues, own worker.Version, signer *activities.LinkSigner, notices *activities.Notices) (func(), error) {
	dispatcher, stopDispatcher := startDispatcher(st, c, q.Own, logger, notices != nil)
	if notices != nil {
		notices.Alerts = worker.StoreAlerts(st, dispatcher.Wake)
	}
	sb := sandbox.New(st)
	acts := &activities.Activities{
		Projections: worker.StoreProjections(st, dispatcher.Wake),
		Connectors:  map[string]platforms.Connector{sandbox.Name: sb},
		Accounts: &worker.AccountConnectors{Sandbox: sb, Log: worker.StoreActionLog(st),
			Credentials: &credentials.Source{File: cfg.CredentialsFile}},
		Holds:   worker.StoreHolds(st),
		Logger:  logger,
		Links:   signer,
		Notices: notices,
	}
	worker.SetWorkflowCache(cfg.WorkflowCache)
	var started []sdkworker.Worker
	stop := func() {
		for _, w := range started {
			w.Stop()
		}
		stopDispatcher()
	}
	for _, tq := range q.polled() {
		// Only the deployment's own queue is versioned. The shared queue of old
		// belongs to whichever deployment holds `greenlight`: a versioned poller
		// there would make this deployment's build current on it and take that
		// deployment's campaigns.
		var v worker.Version
		if tq == q.Own {
			v = own
		}
		w := worker.New(c, tq, acts, v)
		if err := w.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("start worker on %s: %w", tq, err)
		}
		started = append(started, w)
	}
	return stop, nil
}

// queues are the task queues of a deployment's processes: its own, which
// new campaigns and notices start on, and whether the one all deployments
// shared before they were named still has campaigns of this store to run.
type queues struct {
	Own    string
	Legacy bool
}

func (q queues) polled() []string {
	if q.Legacy {
		return []string{q.Own, workflows.TaskQueue}
	}
	return []string{q.Own}
}

// openBackends opens the store and connects to Temporal, pushing their closers on s.
// The Temporal client reports its metrics to reg.
func openBackends(ctx context.Context, cfg config.Config, logger *slog.Logger, s *stack, reg *metrics.Registry, codec *encryption.Codec) (*store.Store, client.Client, error) {
	st, err := OpenStore(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	s.push(func() { _ = st.Close() })
	var c client.Client
	err = untilReachable(ctx, orDefault(logger), "Temporal at "+cfg.TemporalAddr, func(ctx context.Context) (err error) {
		c, err = DialTemporal(ctx, cfg, logger, WithMetrics(reg), WithCodec(codec))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.push(c.Close)
	return st, c, nil
}

// Server runs the HTTP API only, against an external Temporal and database.
func Server(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	// Every replica must sign and verify approval links with the same key, so a
	// server never makes one up.
	if cfg.LinkSecret == "" {
		return fmt.Errorf("greenlight server needs a secret to sign approval links: set %s to %d or more random characters (e.g. `openssl rand -hex 32`), the same on every replica", config.EnvLinkSecret, config.MinLinkSecret)
	}
	if err := needDatabase("server", cfg); err != nil {
		return err
	}
	grace, err := cfg.LaunchGraceDuration()
	if err != nil {
		return err
	}
	codec, err := payloadCodec(cfg, false, logger)
	if err != nil {
		return err
	}
	var s stack
	defer s.stop()
	ln, err := listen(cfg.HTTPAddr, "HTTP", config.FlagHTTP, "GREENLIGHT_HTTP")
	if err != nil {
		return err
	}
	s.push(func() { _ = ln.Close() })
	stopPprof, err := servePprof(cfg.PprofAddr, orDefault(logger))
	if err != nil {
		return err
	}
	s.push(stopPprof)
	reg := metrics.New()
	st, c, err := openBackends(ctx, cfg, logger, &s, reg, codec)
	if err != nil {
		return err
	}
	searchable, err := ensureSearchAttributes(ctx, c, cfg.Namespace, false, logger)
	if err != nil {
		return err
	}
	slackDeps, err := slackDeps(cfg)
	if err != nil {
		return err
	}
	q, err := queuesOf(ctx, st, c, dataConverter(codec))
	if err != nil {
		return err
	}
	s.push(serveAPI(ln, server.Deps{
		TaskQueue: q.Own, Codec: codecOrNil(codec), CodecOrigins: cfg.CodecOriginsFor(cfg.WebUIURL()),
		Store: st, Temporal: c, Namespace: cfg.Namespace, UIURL: cfg.WebUIURL(), Logger: logger,
		LinkSecret: []byte(cfg.LinkSecret), PublicURL: cfg.APIBaseURL(), SearchAttributes: searchable,
		Metrics: reg, Auth: true, Slack: slackDeps, LendSandbox: cfg.LendSandbox(false),
	}, logger))
	s.push(startLaunchSweep(st, c, logger, reg, grace))
	logger.Info("greenlight server ready", "api", "http://"+ln.Addr().String(), "store", describeDatabase(cfg.DatabaseURL),
		"temporal", cfg.TemporalAddr, "namespace", cfg.Namespace, "task_queue", q.Own, "payloads", describePayloads(codec))
	<-ctx.Done()
	return nil
}

// Worker runs the Temporal worker only.
func Worker(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	if err := needDatabase("worker", cfg); err != nil {
		return err
	}
	codec, err := payloadCodec(cfg, false, logger)
	if err != nil {
		return err
	}
	var s stack
	defer s.stop()
	stopPprof, err := servePprof(cfg.PprofAddr, orDefault(logger))
	if err != nil {
		return err
	}
	s.push(stopPprof)
	// A worker serves no HTTP, so its SDK metrics are collected but not exposed yet.
	st, c, err := openBackends(ctx, cfg, logger, &s, metrics.New(), codec)
	if err != nil {
		return err
	}
	var signer *activities.LinkSigner
	if missing := cfg.LinkSettingsMissing(); len(missing) == 0 {
		signer = &activities.LinkSigner{Secret: []byte(cfg.LinkSecret), BaseURL: cfg.APIBaseURL()}
	} else {
		logger.Warn("reminders go out without one-click links: set " + strings.Join(missing, " and ") + " on workers to add them")
	}
	notices, err := noticeDeps(cfg, st, false)
	if err != nil {
		return err
	}
	q, err := queuesOf(ctx, st, c, dataConverter(codec))
	if err != nil {
		return err
	}
	own, err := workerVersion(cfg.Versioning, q)
	if err != nil {
		return err
	}
	stopWorker, err := startWorker(c, st, logger, cfg, q, own, signer, notices)
	if err != nil {
		return err
	}
	s.push(stopWorker)
	logger.Info("greenlight worker ready", "store", describeDatabase(cfg.DatabaseURL), "temporal", cfg.TemporalAddr,
		"namespace", cfg.Namespace, "task_queue", strings.Join(q.polled(), ", "), "versioning", describeVersion(own),
		"payloads", describePayloads(codec), "tells", describeNotices(notices))
	<-ctx.Done()
	return nil
}

// Migrate applies pending schema migrations and returns what it did.
func Migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) (store.Migrated, error) {
	st, done, err := openStore(ctx, cfg, logger)
	if err != nil {
		return done, err
	}
	return done, st.Close()
}

// needDatabase refuses to run a server or worker without PostgreSQL: they are
// the production processes, and a silent fallback to dev's SQLite would give
// them a store of their own that no other process shares.
func needDatabase(what string, cfg config.Config) error {
	if cfg.DatabaseURL != "" {
		return nil
	}
	return fmt.Errorf("greenlight %s runs against PostgreSQL: set DATABASE_URL (postgres://user:password@host:5432/db); only `greenlight dev` keeps its own SQLite", what)
}

// describeDatabase names the database a URL points at without its password
// or parameters, for ready lines and logs.
func describeDatabase(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "postgres (an unparsable DATABASE_URL)"
	}
	return "postgres://" + u.Host + u.Path
}
