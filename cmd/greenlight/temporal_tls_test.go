package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/devserver/tlstest"
	"github.com/greenlight/greenlight/store/storetest"
)

// TestWorkerOverMutualTLS drives the binary: `greenlight dev --only temporal`
// serves mTLS from its flags; `greenlight worker` with the CA's client
// certificate gets ready, and without one exits 1 at once with one line on
// stderr saying which settings to set.
func TestWorkerOverMutualTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "ca")
	server := ca.Server(t, "frontend", "127.0.0.1")
	client := ca.Client(t, "worker")
	addr, err := devserver.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	databaseURL := storetest.PostgresSchemaURL(t)

	dev := exec.Command(os.Args[0], "dev", "--only", "temporal", "--data-dir", dir+"/data", "--temporal", addr, "--ui", "",
		"--temporal-tls-cert", server.CertFile, "--temporal-tls-key", server.KeyFile, "--temporal-tls-client-ca", ca.CertFile,
		"--log-level", "error")
	dev.Env = append(os.Environ(), "GREENLIGHT_TEST_MAIN=1")
	var devErr bytes.Buffer
	dev.Stderr = &devErr
	out, err := dev.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Process.Signal(syscall.SIGTERM); _ = dev.Wait() })
	if line := waitLine(t, out, "temporal ready:"); !strings.Contains(line, "tls=mtls") {
		t.Fatalf("ready line %q does not say mtls", line)
	}

	worker := func(flags ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], append([]string{"worker", "--temporal-address", addr, "--temporal-tls", "--temporal-tls-ca", ca.CertFile}, flags...)...)
		cmd.Env = append(os.Environ(), "GREENLIGHT_TEST_MAIN=1", "DATABASE_URL="+databaseURL, "GREENLIGHT_DATA_DIR="+t.TempDir(),
			"GREENLIGHT_PAYLOAD_KEYS=k1:"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
		return cmd
	}

	refused := worker("--log-level", "error")
	var stderr bytes.Buffer
	refused.Stderr = &stderr
	began := time.Now()
	err = refused.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("worker without a client certificate: %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	want := "greenlight: Temporal at " + addr + " requires a client certificate: set GREENLIGHT_TEMPORAL_TLS_CERT (--temporal-tls-cert) and GREENLIGHT_TEMPORAL_TLS_KEY (--temporal-tls-key)\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant the one line:\n%s", stderr.String(), want)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("took %s to fail: it retried", d)
	}

	ok := worker("--temporal-tls-cert", client.CertFile, "--temporal-tls-key", client.KeyFile)
	logs, err := ok.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ok.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ok.Process.Kill(); _ = ok.Wait() }()
	waitLine(t, logs, "greenlight worker ready")
	if err := ok.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := ok.Wait(); err != nil {
		t.Errorf("worker with a client certificate stopped with %v", err)
	}
}

// waitLine returns the first line of r holding want, failing after a minute
// or when r ends first.
func waitLine(t *testing.T, r interface{ Read([]byte) (int, error) }, want string) string {
	t.Helper()
	found := make(chan string, 1)
	var seen []string
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.Contains(sc.Text(), want) {
				found <- sc.Text()
				for sc.Scan() { // keep draining, so the process never blocks on a full pipe
				}
				return
			}
			seen = append(seen, sc.Text())
		}
		close(found)
	}()
	select {
	case line, ok := <-found:
		if !ok {
			t.Fatalf("output ended without %q:\n%s", want, strings.Join(seen, "\n"))
		}
		return line
	case <-time.After(time.Minute):
		t.Fatalf("no %q within a minute", want)
	}
	return ""
}
