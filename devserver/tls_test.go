package devserver_test

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/primitives"

	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/devserver/tlstest"
)

// clientTLS is what a client in another process brings: the CA it trusts
// and, for mTLS, its own certificate.
func clientTLS(t *testing.T, ca string, pair *tlstest.Pair) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tc := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if pair != nil {
		cert, err := tls.LoadX509KeyPair(pair.CertFile, pair.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc
}

func dialTLS(s *devserver.Server, tc *tls.Config) (client.Client, error) {
	return client.Dial(client.Options{
		HostPort: s.FrontendAddr(), Namespace: s.Namespace(),
		Logger:            sdklog.NewStructuredLogger(quietLogger()),
		ConnectionOptions: client.ConnectionOptions{TLS: tc},
	})
}

// TestMutualTLSFrontend: a frontend that requires client certificates runs
// workflows for a client whose certificate its CA signed; its own system
// worker, the Web UI and the readiness probe get through too (Start returns,
// and the UI lists namespaces), while a client without a certificate, or with
// one from another CA, is refused.
func TestMutualTLSFrontend(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "ca")
	server := ca.Server(t, "frontend", "127.0.0.1", "localhost")
	good := ca.Client(t, "client")
	bad := tlstest.NewCA(t, dir, "other-ca").Client(t, "stranger")

	s := startServer(t, devserver.Options{
		DataDir: filepath.Join(dir, "data"), FrontendAddr: freeAddr(t), UIAddr: freeAddr(t),
		TLS: &devserver.TLSFiles{CertFile: server.CertFile, KeyFile: server.KeyFile, ClientCAFile: ca.CertFile},
	})
	ctx := testCtx(t)

	c, err := dialTLS(s, clientTLS(t, ca.CertFile, &good))
	if err != nil {
		t.Fatalf("a client with a certificate of the CA: %v", err)
	}
	t.Cleanup(c.Close)
	startWorker(t, c)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, Greet, "mtls")
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := run.Get(ctx, &out); err != nil || out != "MTLS!" {
		t.Fatalf("workflow over mTLS: %q, %v", out, err)
	}

	// Temporal's own system worker polls through the same frontend.
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace: s.Namespace(),
			TaskQueue: &taskqueuepb.TaskQueue{Name: primitives.PerNSWorkerTaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		})
		if err == nil && len(resp.GetPollers()) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Temporal's system worker never polled over mTLS: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	code, body, err := httpGet(ctx, s.UIURL()+"/api/v1/namespaces")
	if err != nil || code != 200 || !strings.Contains(body, s.Namespace()) {
		t.Fatalf("the Web UI reaches the mTLS frontend: %d %v %.200s", code, err, body)
	}

	for name, tc := range map[string]*tls.Config{
		"no client certificate":       clientTLS(t, ca.CertFile, nil),
		"a certificate of another CA": clientTLS(t, ca.CertFile, &bad),
		"a plaintext client (no TLS)": nil,
	} {
		t.Run(name, func(t *testing.T) {
			began := time.Now()
			c, err := dialTLS(s, tc)
			if err == nil {
				c.Close()
				t.Fatal("the frontend let it in")
			}
			t.Logf("refused in %s: %v", time.Since(began).Round(time.Millisecond), err)
		})
	}
}

// TestTLSFrontendWithoutClientAuth: without a client CA the frontend serves
// TLS to any client that trusts its certificate.
func TestTLSFrontendWithoutClientAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "ca")
	server := ca.Server(t, "frontend", "localhost")
	s := startServer(t, devserver.Options{
		DataDir: filepath.Join(dir, "data"), FrontendAddr: freeAddr(t),
		TLS: &devserver.TLSFiles{CertFile: server.CertFile, KeyFile: server.KeyFile},
	})
	tc := clientTLS(t, ca.CertFile, nil)
	tc.ServerName = "localhost"
	c, err := dialTLS(s, tc)
	if err != nil {
		t.Fatalf("a TLS client without a certificate: %v", err)
	}
	c.Close()
	if c, err := dialTLS(s, nil); err == nil {
		c.Close()
		t.Fatal("a plaintext client got through to a TLS frontend")
	}
}

// TestTLSFilesFailStartNamingTheFile: files that do not load fail Start at
// once, naming the file.
func TestTLSFilesFailStartNamingTheFile(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "ca")
	server := ca.Server(t, "frontend", "127.0.0.1")
	other := ca.Server(t, "other", "127.0.0.1")
	for name, tc := range map[string]struct {
		files devserver.TLSFiles
		want  string
	}{
		"missing certificate":  {devserver.TLSFiles{CertFile: filepath.Join(dir, "nope.pem"), KeyFile: server.KeyFile}, "nope.pem"},
		"key of another":       {devserver.TLSFiles{CertFile: server.CertFile, KeyFile: other.KeyFile}, "private key does not match"},
		"missing client CA":    {devserver.TLSFiles{CertFile: server.CertFile, KeyFile: server.KeyFile, ClientCAFile: filepath.Join(dir, "no-ca.pem")}, "client CA " + filepath.Join(dir, "no-ca.pem")},
		"client CA not a cert": {devserver.TLSFiles{CertFile: server.CertFile, KeyFile: server.KeyFile, ClientCAFile: server.KeyFile}, "holds no PEM certificate"},
		"no key":               {devserver.TLSFiles{CertFile: server.CertFile}, "both a certificate file and a key file"},
	} {
		t.Run(name, func(t *testing.T) {
			files := tc.files
			began := time.Now()
			s, err := devserver.Start(testCtx(t), devserver.Options{
				DataDir: filepath.Join(t.TempDir(), "data"), FrontendAddr: freeAddr(t), Logger: quietLogger(), TLS: &files,
			})
			if err == nil {
				_ = s.Stop()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if d := time.Since(began); d > 2*time.Second {
				t.Errorf("took %s to fail", d)
			}
		})
	}
}
