package app

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/metrics"
)

// DialTemporal connects to the Temporal frontend named in cfg; each option may
// adjust the client options after cfg's (e.g. WithMetrics).
func DialTemporal(cfg config.Config, logger *slog.Logger, options ...func(*client.Options)) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.TemporalAddr,
		Namespace: cfg.Namespace,
		Logger:    tlog.NewStructuredLogger(logger.With("component", "temporal-sdk")),
	}
	if cfg.TemporalTLS.Enabled || cfg.TemporalTLS.CertFile != "" || cfg.TemporalTLS.CAFile != "" {
		tc, err := tlsConfig(cfg.TemporalTLS)
		if err != nil {
			return nil, err
		}
		opts.ConnectionOptions.TLS = tc
	}
	for _, o := range options {
		o(&opts)
	}
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", cfg.TemporalAddr, cfg.Namespace, err)
	}
	return c, nil
}

// WithMetrics sends the SDK's client and worker metrics to reg, which the API
// serves at /metrics.
func WithMetrics(reg *metrics.Registry) func(*client.Options) {
	return func(o *client.Options) { o.MetricsHandler = reg.Temporal() }
}

func tlsConfig(t config.TLS) (*tls.Config, error) {
	tc := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read Temporal TLS CA %s: %w", t.CAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("Temporal TLS CA %s holds no PEM certificate", t.CAFile)
		}
		tc.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load Temporal client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
