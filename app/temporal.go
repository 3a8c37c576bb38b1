package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"google.golang.org/grpc/codes"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/metrics"
)

// namespaceCheckTimeout bounds the namespace lookup that follows a dial.
const namespaceCheckTimeout = 10 * time.Second

// DialTemporal connects to the Temporal frontend named in cfg and checks that
// its namespace exists; each option may adjust the client options after
// cfg's (e.g. WithMetrics). A failure is one line naming what is wrong (the
// file, setting, address or namespace); one that waiting cannot mend, such as
// a refused certificate, is marked so start-up does not retry it.
func DialTemporal(ctx context.Context, cfg config.Config, logger *slog.Logger, options ...func(*client.Options)) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.TemporalAddr,
		Namespace: cfg.Namespace,
		Logger:    tlog.NewStructuredLogger(logger.With("component", "temporal-sdk")),
	}
	if cfg.TemporalTLS.Enabled || cfg.TemporalTLS.CertFile != "" || cfg.TemporalTLS.KeyFile != "" || cfg.TemporalTLS.CAFile != "" {
		tc, err := tlsConfig(cfg.TemporalTLS)
		if err != nil {
			return nil, stopRetrying{err: fmt.Errorf("Temporal TLS: %w", err), named: true}
		}
		opts.ConnectionOptions.TLS = tc
	}
	for _, o := range options {
		o(&opts)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, diagnoseDial(ctx, cfg, opts.ConnectionOptions.TLS, err)
	}
	if err := checkNamespace(ctx, c, cfg); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// checkNamespace fails a client whose namespace the server does not have:
// the SDK's dial does not look, and workers would poll it forever.
func checkNamespace(ctx context.Context, c client.Client, cfg config.Config) error {
	ctx, cancel := context.WithTimeout(ctx, namespaceCheckTimeout)
	defer cancel()
	_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: cfg.Namespace})
	// The SDK hands service errors over as serviceerror types, not gRPC statuses.
	switch serviceerror.ToStatus(err).Code() {
	case codes.OK:
		return nil
	case codes.NotFound:
		return stopRetrying{err: fmt.Errorf("namespace %s not found on Temporal at %s: create it (temporal operator namespace create --namespace %s) or set %s to one that exists",
			cfg.Namespace, cfg.TemporalAddr, cfg.Namespace, setting{"GREENLIGHT_NAMESPACE", config.FlagNamespace}), named: true}
	case codes.PermissionDenied, codes.Unauthenticated:
		return stopRetrying{err: fmt.Errorf("Temporal at %s denies this client access to namespace %s: %s", cfg.TemporalAddr, cfg.Namespace, grpcMessage(err)), named: true}
	}
	return fmt.Errorf("look up namespace %s: %s", cfg.Namespace, grpcMessage(err))
}

// WithMetrics sends the SDK's client and worker metrics to reg, which the API
// serves at /metrics.
func WithMetrics(reg *metrics.Registry) func(*client.Options) {
	return func(o *client.Options) { o.MetricsHandler = reg.Temporal() }
}

// withTLS dials with tc, for a frontend whose TLS the caller set up itself
// (dev's embedded server); nil leaves cfg's settings.
func withTLS(tc *tls.Config) func(*client.Options) {
	return func(o *client.Options) {
		if tc != nil {
			o.ConnectionOptions.TLS = tc
		}
	}
}

// The settings of Temporal's TLS files, as an operator sets them.
var (
	settingCA   = setting{"GREENLIGHT_TEMPORAL_TLS_CA", config.FlagTLSCA}
	settingCert = setting{"GREENLIGHT_TEMPORAL_TLS_CERT", config.FlagTLSCert}
	settingKey  = setting{"GREENLIGHT_TEMPORAL_TLS_KEY", config.FlagTLSKey}
	settingName = setting{"GREENLIGHT_TEMPORAL_TLS_SERVER_NAME", config.FlagTLSName}
	settingTLS  = setting{"GREENLIGHT_TEMPORAL_TLS", config.FlagTLS}
	settingAddr = setting{"GREENLIGHT_TEMPORAL_ADDRESS", config.FlagTemporal}
)

// setting is an environment variable and the flag that sets the same.
type setting struct{ env, flag string }

func (s setting) String() string { return s.env + " (--" + s.flag + ")" }

func tlsConfig(t config.TLS) (*tls.Config, error) {
	tc := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := readSetting(settingCA, t.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s %s holds no PEM certificate", settingCA, t.CAFile)
		}
		tc.RootCAs = pool
	}
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		return nil, fmt.Errorf("%s is set but %s is not: a client certificate needs its key", settingCert, settingKey)
	case t.CertFile == "" && t.KeyFile != "":
		return nil, fmt.Errorf("%s is set but %s is not: a client key needs its certificate", settingKey, settingCert)
	case t.CertFile != "":
		certPEM, err := readSetting(settingCert, t.CertFile)
		if err != nil {
			return nil, err
		}
		keyPEM, err := readSetting(settingKey, t.KeyFile)
		if err != nil {
			return nil, err
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("%s %s and %s %s are not a certificate and its key: %w", settingCert, t.CertFile, settingKey, t.KeyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// readSetting reads the file a setting names; an error names the setting,
// the file and the reason, once.
func readSetting(s setting, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", s, path, err)
	}
	return b, nil
}
