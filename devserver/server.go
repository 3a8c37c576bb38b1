// Package devserver runs a real Temporal server (SQLite file persistence) and
// the Temporal Web UI inside the current process, for `greenlight dev`.
package devserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

// DefaultNamespace is used when Options.Namespace is empty. It is always
// registered, so the temporal CLI and the Web UI work with their defaults.
const DefaultNamespace = "default"

// Options configures the embedded Temporal server and Web UI.
type Options struct {
	DataDir      string       // directory; the Temporal database is DataDir/temporal.db (create dir if missing, 0o755)
	FrontendAddr string       // gRPC frontend host:port, e.g. "127.0.0.1:7233"
	UIAddr       string       // Web UI host:port, e.g. "127.0.0.1:8233"; "" = no UI
	Namespace    string       // registered idempotently at start; "" means "default"
	Logger       *slog.Logger // nil = slog.Default(); Temporal's own noisy logs go to it at Warn+ level only
	TLS          *TLSFiles    // nil = a plaintext frontend; else TLS, and mTLS when TLS.ClientCAFile is set
	// CodecEndpoint is the URL the Web UI sends encrypted payloads to for
	// decoding, with the browser's cookies (Greenlight's /codec); "" = none.
	CodecEndpoint string
}

// Server is a running Temporal server and, optionally, Web UI.
type Server struct {
	frontendAddr string
	uiURL        string
	codecURL     string
	namespace    string
	logger       *slog.Logger
	clientTLS    *tls.Config // nil without TLS

	temporal temporal.Server
	logLevel *slog.LevelVar // gates Temporal's own logs
	ui       *webUI
	unlock   func() error

	stopOnce sync.Once
	stopErr  error
}

// Start starts the server and (if UIAddr != "") the UI, and returns once the
// frontend answers a health check, the namespace is usable and the UI answers
// HTTP. A taken port fails Start before anything has been started.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.DataDir == "" {
		return nil, errors.New("devserver: Options.DataDir is required")
	}
	if opts.FrontendAddr == "" {
		return nil, errors.New("devserver: Options.FrontendAddr is required")
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}

	frontend, err := parseEndpoint(RoleFrontend, opts.FrontendAddr)
	if err != nil {
		return nil, err
	}
	var ui endpoint
	if opts.UIAddr != "" {
		if ui, err = parseEndpoint(RoleUI, opts.UIAddr); err != nil {
			return nil, err
		}
	}

	// Every port is held from here until its server binds it: ui-server exits
	// the process on a bind error, and Temporal only logs one and then fails
	// obscurely, so neither may ever be handed a taken port.
	var ports, uiPort reservation
	defer func() { _ = ports.release(); _ = uiPort.release() }()
	if frontend, err = ports.reserve(RoleFrontend, frontend); err != nil {
		return nil, err
	}
	if opts.UIAddr != "" {
		if ui, err = uiPort.reserve(RoleUI, ui); err != nil {
			return nil, err
		}
	}
	l := layout{frontend: frontend, clusterID: primitives.NewUUID().String()}
	var clientTLS *tls.Config
	if opts.TLS != nil {
		if l.tls, err = loadFrontendTLS(*opts.TLS, frontend.dialHost); err != nil {
			return nil, err
		}
		if clientTLS, err = l.tls.clientConfig(); err != nil {
			return nil, err
		}
	}
	for _, p := range []*int{&l.frontendHTTP, &l.history, &l.matching, &l.worker} {
		if *p, err = ports.reserveFree(internalIP); err != nil {
			return nil, err
		}
	}

	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("devserver: data dir %q: %w", opts.DataDir, err)
	}
	if l.sql, err = sqliteConfig(filepath.Join(dataDir, dbFileName)); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("devserver: create data dir: %w", err)
	}
	unlock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{
		frontendAddr: frontend.dialAddr(),
		namespace:    opts.Namespace,
		logger:       opts.Logger,
		clientTLS:    clientTLS,
		unlock:       unlock,
	}
	if opts.UIAddr != "" {
		s.uiURL = "http://" + net.JoinHostPort(ui.dialHost, strconv.Itoa(ui.port))
		s.codecURL = opts.CodecEndpoint
	}
	if err := s.start(ctx, l, &ports, &uiPort, ui); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// start runs everything that needs cleaning up by Stop when it fails.
func (s *Server) start(ctx context.Context, l layout, ports, uiPort *reservation, ui endpoint) error {
	namespaces := []string{DefaultNamespace}
	if s.namespace != DefaultNamespace {
		namespaces = append(namespaces, s.namespace)
	}
	if err := prepareDatabase(l.sql, clusterName, namespaces); err != nil {
		return err
	}

	if ctx.Err() != nil {
		return fmt.Errorf("devserver: start: %w", ctx.Err())
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}

	s.logger.Debug("devserver: starting temporal", "layout", l.String())
	if err := ports.release(); err != nil {
		return fmt.Errorf("devserver: release reserved ports: %w", err)
	}
	tlog, level := newTemporalLogger(s.logger)
	s.logLevel = level
	srv, err := temporal.NewServer(l.serverOptions(tlog)...)
	if err != nil {
		return fmt.Errorf("devserver: build temporal: %w", err)
	}
	if err := srv.Start(); err != nil {
		// fx has already rolled back whatever had started.
		return fmt.Errorf("devserver: start temporal: %w", err)
	}
	s.temporal = srv

	if s.uiURL != "" {
		w, err := newWebUI(ui, s.frontendAddr, s.namespace, l.tls, s.codecURL)
		if err != nil {
			return err
		}
		if err := uiPort.release(); err != nil {
			return fmt.Errorf("devserver: release reserved ports: %w", err)
		}
		w.start(s.logger)
		s.ui = w
	}

	if err := waitFrontend(ctx, s.frontendAddr, s.namespace, s.clientTLS); err != nil {
		return err
	}
	if s.ui != nil {
		if err := waitUI(ctx, s.uiURL); err != nil {
			return err
		}
	}
	return nil
}

// FrontendAddr is the host:port clients dial for the gRPC frontend.
func (s *Server) FrontendAddr() string { return s.frontendAddr }

// ClientTLS is the TLS configuration for an in-process client of a TLS
// frontend (nil for a plaintext one): it trusts the frontend's certificate and
// presents an identity the frontend accepts even under mTLS. Clients in other
// processes bring certificates of their own. Each call returns a fresh copy.
func (s *Server) ClientTLS() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// UIURL is the Web UI's base URL, e.g. "http://127.0.0.1:8233", or "" without UI.
func (s *Server) UIURL() string { return s.uiURL }

// Namespace is the namespace registered for greenlight.
func (s *Server) Namespace() string { return s.namespace }

// Stop stops the UI and the server and releases the data dir. It is safe to
// call more than once; later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.ui != nil {
			errs = append(errs, s.ui.stop())
		}
		if s.temporal != nil {
			s.logLevel.Set(silentLogLevel)
			if err := s.temporal.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("devserver: stop temporal: %w", err))
			}
		}
		if s.unlock != nil {
			if err := s.unlock(); err != nil {
				errs = append(errs, fmt.Errorf("devserver: unlock data dir: %w", err))
			}
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}
