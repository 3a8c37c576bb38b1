package devserver_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/devserver"
)

const (
	taskQueue    = "devserver-test"
	signalName   = "proceed"
	updateName   = "ping"
	startTimeout = 90 * time.Second

	// The SIGKILL test re-runs this test binary as a child dev server.
	childDataDirEnv  = "DEVSERVER_TEST_CHILD_DATADIR"
	childFrontendEnv = "DEVSERVER_TEST_CHILD_FRONTEND"
	childWorkflowEnv = "DEVSERVER_TEST_CHILD_WORKFLOW"
	childReadyLine   = "CHILD-READY"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDataDirEnv); dir != "" {
		os.Exit(runChild(dir, os.Getenv(childFrontendEnv), os.Getenv(childWorkflowEnv)))
	}
	os.Exit(m.Run())
}

// Greet calls an activity, so a run exercises both workflow and activity task
// dispatch through matching.
func Greet(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, Shout, name).Get(ctx, &out)
	return out, err
}

func Shout(_ context.Context, s string) (string, error) {
	return strings.ToUpper(s) + "!", nil
}

// AwaitSignal parks until signalled, like a campaign waiting on a human; it
// also answers an update, which greenlight relies on.
func AwaitSignal(ctx workflow.Context) (string, error) {
	if err := workflow.SetUpdateHandler(ctx, updateName, func(_ workflow.Context, in string) (string, error) {
		return "pong " + in, nil
	}); err != nil {
		return "", err
	}
	var v string
	workflow.GetSignalChannel(ctx, signalName).Receive(ctx, &v)
	return "got " + v, nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := devserver.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func startServer(t testing.TB, opts devserver.Options) *devserver.Server {
	t.Helper()
	opts.Logger = quietLogger()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	began := time.Now()
	s, err := devserver.Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("dev server ready in %s at %s (ui %q)", time.Since(began).Round(time.Millisecond), s.FrontendAddr(), s.UIURL())
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return s
}

func dial(t testing.TB, s *devserver.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddr(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(quietLogger()),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.FrontendAddr(), err)
	}
	t.Cleanup(c.Close)
	return c
}

func startWorker(t testing.TB, c client.Client) {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(Greet)
	w.RegisterWorkflow(AwaitSignal)
	w.RegisterActivity(Shout)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func httpGet(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	c := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// assertFree fails unless addr can be bound, i.e. nothing was left listening.
func assertFree(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("%s should be free after a failed Start: %v", addr, err)
	}
	_ = ln.Close()
}

func TestStartFailsFastOnTakenPort(t *testing.T) {
	for _, which := range []string{"frontend", "ui"} {
		t.Run(which, func(t *testing.T) {
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = taken.Close() }()
			takenAddr := taken.Addr().String()
			other := freeAddr(t)

			opts := devserver.Options{
				DataDir:      filepath.Join(t.TempDir(), "data"),
				FrontendAddr: other,
				UIAddr:       takenAddr,
				Logger:       quietLogger(),
			}
			if which == "frontend" {
				opts.FrontendAddr, opts.UIAddr = takenAddr, other
			}
			began := time.Now()
			s, err := devserver.Start(context.Background(), opts)
			if err == nil {
				_ = s.Stop()
				t.Fatal("Start succeeded on a taken port")
			}
			if !strings.Contains(err.Error(), takenAddr) {
				t.Errorf("error %q does not name the taken address %s", err, takenAddr)
			}
			var ae *devserver.AddrError
			wantRole := map[string]string{"frontend": devserver.RoleFrontend, "ui": devserver.RoleUI}[which]
			if !errors.As(err, &ae) || ae.Role != wantRole {
				t.Errorf("error %v is not an *AddrError of role %q, so the caller cannot name its flag", err, wantRole)
			}
			if d := time.Since(began); d > 2*time.Second {
				t.Errorf("Start took %s to fail; it must fail before starting anything", d)
			}
			assertFree(t, other)
			if _, err := os.Stat(opts.DataDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("data dir was touched before the port check: %v", err)
			}
		})
	}
}

func TestStartRunsWorkflowAndServesUI(t *testing.T) {
	dataDir := t.TempDir()
	uiAddr := freeAddr(t)
	s := startServer(t, devserver.Options{DataDir: dataDir, FrontendAddr: freeAddr(t), UIAddr: uiAddr})

	if got := s.Namespace(); got != "default" {
		t.Errorf("Namespace() = %q, want default", got)
	}
	if got, want := s.UIURL(), "http://"+uiAddr; got != want {
		t.Errorf("UIURL() = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "temporal.db")); err != nil {
		t.Errorf("database file: %v", err)
	}

	c := dial(t, s)
	startWorker(t, c)
	ctx := testCtx(t)

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "greet-1", TaskQueue: taskQueue}, Greet, "campaign")
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	var out string
	if err := run.Get(ctx, &out); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if out != "CAMPAIGN!" {
		t.Errorf("workflow returned %q, want CAMPAIGN!", out)
	}

	// Workflow Updates must be enabled: greenlight drives campaigns with them.
	run, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "update-1", TaskQueue: taskQueue}, AwaitSignal)
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: "update-1", UpdateName: updateName, Args: []any{"42"},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if err := handle.Get(ctx, &out); err != nil || out != "pong 42" {
		t.Errorf("update result = %q, %v; want pong 42", out, err)
	}
	if err := c.SignalWorkflow(ctx, "update-1", "", signalName, "x"); err != nil {
		t.Fatalf("signal: %v", err)
	}
	if err := run.Get(ctx, &out); err != nil {
		t.Fatalf("workflow result: %v", err)
	}

	code, body, err := httpGet(ctx, s.UIURL()+"/")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET / = %d, %v", code, err)
	}
	if !strings.Contains(strings.ToLower(body), "<html") {
		t.Errorf("GET / did not return the UI page: %.200q", body)
	}

	// Visibility is written asynchronously, so the list may lag the result.
	listURL := s.UIURL() + "/api/v1/namespaces/default/workflows"
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body, err = httpGet(ctx, listURL)
		if err == nil && code == http.StatusOK && strings.Contains(body, "greet-1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s never listed greet-1: %d %v %.300q", listURL, code, err, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestRestartKeepsWorkflows(t *testing.T) {
	dataDir := t.TempDir()
	opts := devserver.Options{DataDir: dataDir, FrontendAddr: freeAddr(t), Namespace: "campaigns"}
	s1 := startServer(t, opts)
	if got := s1.Namespace(); got != "campaigns" {
		t.Errorf("Namespace() = %q, want campaigns", got)
	}
	ctx := testCtx(t)

	// No worker yet: the campaign just has to be persisted.
	c1 := dial(t, s1)
	if _, err := c1.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "campaign-1", TaskQueue: taskQueue}, AwaitSignal); err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	c1.Close()

	// A second server on the same data dir would corrupt it.
	other := opts
	other.FrontendAddr = freeAddr(t)
	other.Logger = quietLogger()
	if s, err := devserver.Start(ctx, other); err == nil {
		_ = s.Stop()
		t.Fatal("a second server started on a data dir in use")
	} else if !strings.Contains(err.Error(), "already used") {
		t.Errorf("second server error = %v, want data dir in use", err)
	}

	if err := s1.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s1.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	opts.FrontendAddr = freeAddr(t)
	s2 := startServer(t, opts)
	c2 := dial(t, s2)
	assertRunningThenComplete(t, c2, "campaign-1")
}

// TestSurvivesSIGKILL kills a dev server process outright (no Stop) and checks
// that a new server on the same data dir still has its running campaign.
func TestSurvivesSIGKILL(t *testing.T) {
	dataDir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		childDataDirEnv+"="+dataDir,
		childFrontendEnv+"="+freeAddr(t),
		childWorkflowEnv+"=campaign-killed",
	)
	cmd.Stderr = os.Stderr
	// Held open until the kill; see runChild.
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == childReadyLine {
				ready <- nil
				return
			}
		}
		ready <- fmt.Errorf("child exited before it was ready: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(startTimeout):
		t.Fatal("child dev server not ready in time")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	s := startServer(t, devserver.Options{DataDir: dataDir, FrontendAddr: freeAddr(t)})
	assertRunningThenComplete(t, dial(t, s), "campaign-killed")
}

func assertRunningThenComplete(t *testing.T, c client.Client, workflowID string) {
	t.Helper()
	ctx := testCtx(t)
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		t.Fatalf("describe %s after restart: %v", workflowID, err)
	}
	if got := desc.GetWorkflowExecutionInfo().GetStatus(); got != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("%s status after restart = %s, want RUNNING", workflowID, got)
	}
	startWorker(t, c)
	if err := c.SignalWorkflow(ctx, workflowID, "", signalName, "go"); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var out string
	if err := c.GetWorkflow(ctx, workflowID, "").Get(ctx, &out); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if out != "got go" {
		t.Errorf("workflow returned %q, want %q", out, "got go")
	}
}

// runChild is the killed process of TestSurvivesSIGKILL: it starts a campaign
// and then waits to be killed.
func runChild(dataDir, frontendAddr, workflowID string) int {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := devserver.Start(ctx, devserver.Options{DataDir: dataDir, FrontendAddr: frontendAddr, Logger: quietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	c, err := client.Dial(client.Options{
		HostPort: s.FrontendAddr(), Namespace: s.Namespace(),
		Logger: sdklog.NewStructuredLogger(quietLogger()),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflowID, TaskQueue: taskQueue}, AwaitSignal); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	fmt.Println(childReadyLine)
	// The parent kills this process; should the parent die first, its end of
	// stdin closes and the child must not outlive it.
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 1
}
