package app_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/devserver/tlstest"
	"github.com/greenlight/greenlight/store/storetest"
)

// TestTemporalOverMutualTLS: `greenlight dev --only temporal` serves its
// frontend over mTLS; a server and a worker holding a client certificate of
// its CA run a campaign through it. Each way of getting TLS, the address or
// the namespace wrong makes a worker or server fail at start, at once for a
// mistake, with one line that names what to fix.
func TestTemporalOverMutualTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "ca")
	serverCert := ca.Server(t, "frontend", "127.0.0.1", "localhost")
	clientCert := ca.Client(t, "greenlight")
	otherCA := tlstest.NewCA(t, dir, "other-ca")
	strangerCert := otherCA.Client(t, "stranger")

	cfg := config.Defaults()
	cfg.DataDir = filepath.Join(dir, "temporal")
	cfg.UIAddr = ""
	a, err := devserver.FreeAddr()
	require.NoError(t, err)
	cfg.TemporalAddr = a
	cfg.DevTLS = config.DevTLS{CertFile: serverCert.CertFile, KeyFile: serverCert.KeyFile, ClientCAFile: ca.CertFile}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan app.TemporalInstance, 1)
	done := make(chan error, 1)
	go func() { done <- app.DevTemporal(ctx, cfg, logger, func(ti app.TemporalInstance) { ready <- ti }) }()
	var ti app.TemporalInstance
	select {
	case ti = <-ready:
	case err := <-done:
		t.Fatalf("dev --only temporal with mTLS stopped: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("dev --only temporal with mTLS never became ready")
	}
	assert.True(t, ti.MutualTLS)
	addr := ti.TemporalAddr
	mtls := config.TLS{Enabled: true, CAFile: ca.CertFile, CertFile: clientCert.CertFile, KeyFile: clientCert.KeyFile}

	t.Run("a campaign runs over mTLS", func(t *testing.T) {
		// The deployment stops with the subtest, before its schema is dropped.
		ctx, stop := context.WithCancel(ctx)
		defer stop()
		base, _ := startDeploymentWith(ctx, t, addr, func(c *config.Config) { c.TemporalTLS = mtls })
		gl := apiClient{t: t, base: base}
		var camp api.CampaignView
		require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}}, nil, &camp).StatusCode)
		gl.waitFor(camp.ID, "waiting for approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
		require.Equal(t, http.StatusOK, gl.do("POST", "/v1/approvals/"+api.ApprovalID(camp.ID, "approve")+"/decision", map[string]any{"decision": "approve"}, nil, nil).StatusCode)
		v := gl.waitFor(camp.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
		assert.Equal(t, api.StatusCompleted, v.Status)
	})

	nothing := closedAddr(t)
	plaintext := plaintextServer(t)
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		name  string
		tls   config.TLS
		addr  string // default: the mTLS frontend
		ns    string
		want  string
		retry bool // waited for (a short while here), not failed at once
	}{
		{name: "no client certificate", tls: config.TLS{Enabled: true, CAFile: ca.CertFile},
			want: "Temporal at " + addr + " requires a client certificate: set GREENLIGHT_TEMPORAL_TLS_CERT (--temporal-tls-cert) and GREENLIGHT_TEMPORAL_TLS_KEY (--temporal-tls-key)"},
		{name: "a client certificate of another CA", tls: config.TLS{Enabled: true, CAFile: ca.CertFile, CertFile: strangerCert.CertFile, KeyFile: strangerCert.KeyFile},
			want: "Temporal at " + addr + " refused the client certificate GREENLIGHT_TEMPORAL_TLS_CERT (--temporal-tls-cert) " + strangerCert.CertFile + ": it wants one signed by a CA it trusts"},
		{name: "a server certificate the CA did not sign", tls: config.TLS{Enabled: true, CAFile: otherCA.CertFile, CertFile: clientCert.CertFile, KeyFile: clientCert.KeyFile},
			want: "Temporal at " + addr + " presents a certificate that the CA in GREENLIGHT_TEMPORAL_TLS_CA (--temporal-tls-ca) " + otherCA.CertFile + " did not sign"},
		{name: "no CA for a private server certificate", tls: config.TLS{Enabled: true, CertFile: clientCert.CertFile, KeyFile: clientCert.KeyFile},
			want: "Temporal at " + addr + " presents a certificate that no CA of this system signed: set GREENLIGHT_TEMPORAL_TLS_CA (--temporal-tls-ca)"},
		{name: "a wrong server name", tls: withName(mtls, "temporal.example.com"),
			want: "Temporal at " + addr + " presents a certificate for localhost, 127.0.0.1, not temporal.example.com: set GREENLIGHT_TEMPORAL_TLS_SERVER_NAME (--temporal-tls-server-name) to one of those"},
		{name: "a missing certificate file", tls: config.TLS{Enabled: true, CAFile: ca.CertFile, CertFile: missing, KeyFile: clientCert.KeyFile},
			want: "Temporal TLS: GREENLIGHT_TEMPORAL_TLS_CERT (--temporal-tls-cert) " + missing + ": no such file or directory"},
		{name: "a certificate without its key", tls: config.TLS{Enabled: true, CAFile: ca.CertFile, CertFile: clientCert.CertFile},
			want: "Temporal TLS: GREENLIGHT_TEMPORAL_TLS_CERT (--temporal-tls-cert) is set but GREENLIGHT_TEMPORAL_TLS_KEY (--temporal-tls-key) is not"},
		{name: "the key of another certificate", tls: config.TLS{Enabled: true, CAFile: ca.CertFile, CertFile: clientCert.CertFile, KeyFile: strangerCert.KeyFile},
			want: "are not a certificate and its key"},
		{name: "no TLS for a TLS server", tls: config.TLS{},
			want: "Temporal at " + addr + " serves TLS: set GREENLIGHT_TEMPORAL_TLS (--temporal-tls)"},
		{name: "TLS for a plaintext server", tls: mtls, addr: plaintext,
			want: "Temporal at " + plaintext + " does not serve TLS: unset GREENLIGHT_TEMPORAL_TLS (--temporal-tls)"},
		{name: "a wrong namespace", tls: mtls, ns: "no-such-namespace",
			want: "namespace no-such-namespace not found on Temporal at " + addr + ": create it (temporal operator namespace create --namespace no-such-namespace) or set GREENLIGHT_NAMESPACE (--namespace) to one that exists"},
		{name: "nothing listening", tls: mtls, addr: nothing, retry: true,
			want: "Temporal at " + nothing + " still unreachable after 1.5s: connection refused (nothing listens there); check GREENLIGHT_TEMPORAL_ADDRESS (--temporal-address)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.retry {
				app.FastRetries(t, 1500*time.Millisecond)
			}
			c := config.Defaults()
			c.DataDir = t.TempDir()
			c.PlaybooksDir = filepath.Join("testdata", "playbooks")
			c.DatabaseURL = storetest.PostgresSchemaURL(t)
			c.Payloads.Keys = newPayloadKey(t, "k1")
			c.TemporalAddr, c.TemporalTLS = addr, tc.tls
			if tc.addr != "" {
				c.TemporalAddr = tc.addr
			}
			if tc.ns != "" {
				c.Namespace = tc.ns
			}
			// Workers and the API start the same way; both are held to it.
			for _, process := range []struct {
				name string
				run  func(context.Context, config.Config, *slog.Logger) error
			}{{"worker", app.Worker}, {"server", app.Server}} {
				pc := c
				if process.name == "server" {
					h, err := devserver.FreeAddr()
					require.NoError(t, err)
					pc.HTTPAddr, pc.LinkSecret = h, strings.Repeat("s", 40)
				}
				pctx, stop := context.WithTimeout(ctx, 30*time.Second)
				began := time.Now()
				err := process.run(pctx, pc, quietLogger())
				took := time.Since(began)
				stop()
				require.Error(t, err, "%s started", process.name)
				require.False(t, errors.Is(err, context.DeadlineExceeded), "%s waited until the test gave up: %v", process.name, err)
				msg := err.Error()
				assert.Contains(t, msg, tc.want, process.name)
				assert.NotContains(t, msg, "\n", "%s: one line", process.name)
				for _, soup := range []string{"rpc error", "desc =", "connection error", "*", "{"} {
					assert.NotContains(t, msg, soup, "%s: no Go or gRPC internals in %q", process.name, msg)
				}
				if tc.retry {
					assert.GreaterOrEqual(t, took, time.Second, "%s waited for the address", process.name)
				} else {
					assert.Less(t, took, 5*time.Second, "%s failed at once, not after retrying", process.name)
				}
				t.Logf("%s: %s (%s)", process.name, msg, took.Round(time.Millisecond))
			}
		})
	}

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("dev --only temporal did not stop")
	}
}

func withName(t config.TLS, name string) config.TLS {
	t.ServerName = name
	return t
}

// closedAddr is an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// plaintextServer answers as a plaintext HTTP/2 server does, with its
// SETTINGS frame before anything else, and then waits.
func plaintextServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = conn.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0}) // an empty SETTINGS frame
				_, _ = conn.Read(make([]byte, 1024))
				time.Sleep(time.Second)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestDevServesMutualTLS: full `greenlight dev` with its frontend on mTLS
// runs a campaign, its own worker and API passing the frontend's client
// check, and ignores GREENLIGHT_TEMPORAL_TLS_* client settings, which are for
// an external cluster, for its own server. A client without a certificate is
// turned away.
func TestDevServesMutualTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "ca")
	serverCert := ca.Server(t, "frontend", "localhost")
	d, cfg := startDevWith(t, func(c *config.Config) {
		c.DevTLS = config.DevTLS{CertFile: serverCert.CertFile, KeyFile: serverCert.KeyFile, ClientCAFile: ca.CertFile}
		c.TemporalTLS = config.TLS{Enabled: true, CAFile: filepath.Join(dir, "meant-for-a-cluster.pem")}
	})
	gl := apiClient{t: t, base: d.APIURL}
	var camp api.CampaignView
	require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}}, nil, &camp).StatusCode)
	gl.waitFor(camp.ID, "waiting for approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	require.Equal(t, http.StatusOK, gl.do("POST", "/v1/approvals/"+api.ApprovalID(camp.ID, "approve")+"/decision", map[string]any{"decision": "approve"}, nil, nil).StatusCode)
	v := gl.waitFor(camp.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
	assert.Equal(t, api.StatusCompleted, v.Status)

	c := cfg
	c.TemporalAddr = d.TemporalAddr
	c.TemporalTLS = config.TLS{Enabled: true, CAFile: ca.CertFile, ServerName: "localhost"}
	_, err := app.DialTemporal(context.Background(), c, quietLogger())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "requires a client certificate")
}
