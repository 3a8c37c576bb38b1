package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/cli"
)

// The test binary doubles as the greenlight binary: with GREENLIGHT_TEST_MAIN=1 it
// runs main, so these tests drive the real command as a separate process (which
// they can SIGKILL) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("GREENLIGHT_TEST_MAIN") == "1" {
		opt, err := crashOption()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if opt != nil {
			os.Exit(crashingDev(opt))
		}
		main()
		return
	}
	os.Exit(m.Run())
}

type devProcess struct {
	cmd    *exec.Cmd
	api    string
	ui     string
	output *bytes.Buffer
	// configHome is the XDG_CONFIG_HOME it runs with, where it records the
	// CLI's context: a temporary folder, never the user's.
	configHome string
	mu         sync.Mutex
	stdout     []string // the lines it printed so far
}

// printed returns the lines p printed to stdout so far.
func (p *devProcess) printed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.stdout)
}

// startDev runs `greenlight dev` and waits for its ready line.
func startDev(t *testing.T, dataDir string, addrs [3]string) *devProcess {
	t.Helper()
	return startDevWith(t, dataDir, addrs, nil)
}

// startDevWith is startDev with extra environment variables and flags.
func startDevWith(t *testing.T, dataDir string, addrs [3]string, env []string, flags ...string) *devProcess {
	t.Helper()
	playbooksDir, err := filepath.Abs(filepath.Join("..", "..", "app", "testdata", "playbooks"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "dev", "--data-dir", dataDir, "--http", addrs[0], "--temporal", addrs[1],
		"--ui", addrs[2], "--playbooks", playbooksDir, "--log-level", "error")
	cmd.Args = append(cmd.Args, flags...)
	configHome := t.TempDir()
	cmd.Env = append(append(os.Environ(), "GREENLIGHT_TEST_MAIN=1", "XDG_CONFIG_HOME="+configHome), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, output: &logs, configHome: configHome}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	ready := make(chan string, 1)
	closed := make(chan struct{}) // the process is gone
	go func() {
		defer close(closed)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.stdout = append(p.stdout, sc.Text())
			p.mu.Unlock()
			if strings.HasPrefix(sc.Text(), "greenlight ready:") {
				ready <- sc.Text()
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case <-closed:
		t.Fatalf("greenlight dev exited before its ready line; stderr:\n%s", logs.String())
	case line := <-ready:
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "api="); ok {
				p.api = v
			}
			if v, ok := strings.CutPrefix(f, "ui="); ok {
				p.ui = v
			}
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("greenlight dev never printed its ready line; stderr:\n%s", logs.String())
	}
	// The API requires a token; dev mode wrote its admin token to the data dir.
	tok, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
	if err != nil {
		t.Fatalf("greenlight dev wrote no admin token: %v", err)
	}
	u, err := url.Parse(p.api)
	if err != nil {
		t.Fatal(err)
	}
	devTokens.Store(u.Host, strings.TrimSpace(string(tok)))
	return p
}

// devTokens maps a dev API's host to its admin token.
var devTokens sync.Map

// tokenTransport adds the dev admin token to requests for a dev API that carry
// no Authorization, so plain http calls and cli.Execute act as the dev admin,
// as the CLI does by itself next to a dev data dir.
type tokenTransport struct{ base http.RoundTripper }

func (tt tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		if tok, ok := devTokens.Load(r.URL.Host); ok {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+tok.(string))
		}
	}
	return tt.base.RoundTrip(r)
}

func init() { http.DefaultTransport = tokenTransport{base: http.DefaultTransport} }

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

func waitStatus(t *testing.T, gl, id, want string) api.CampaignView {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var v api.CampaignView
		getJSON(t, gl+"/v1/campaigns/"+id, &v)
		if v.Status == want {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s: status %s, want %s (step %s, error %q)", id, v.Status, want, v.CurrentStep, v.Error)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDevSurvivesSIGKILL is the durability promise: kill -9 the dev process while a
// campaign waits for approval, start it again on the same data dir, and the
// campaign is still there and completes after approval. The second run also checks
// that SIGTERM stops the process cleanly.
func TestDevSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs greenlight dev twice")
	}
	dataDir := t.TempDir()
	addrs := freeAddrs(t)
	first := startDev(t, dataDir, addrs)

	body := `{"playbook":"e2e-quick","client":"acme","params":{"brand":"Acme"}}`
	resp, err := http.Post(first.api+"/v1/campaigns", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var created api.CampaignView
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("launch: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	waitStatus(t, first.api, created.ID, api.StatusWaitingApproval)
	t.Run("the CLI finds the token of a dev on its own data dir and port", func(t *testing.T) {
		cliFindsDevToken(t, first, dataDir, created.ID)
	})

	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()

	second := startDev(t, dataDir, addrs)
	v := waitStatus(t, second.api, created.ID, api.StatusWaitingApproval)
	if len(v.Approvals) != 1 || v.Approvals[0].Status != api.ApprovalPending {
		t.Fatalf("approval after restart: %+v", v.Approvals)
	}
	var out, errOut bytes.Buffer
	if code := cli.Execute(context.Background(), []string{"--api", second.api, "approve", v.Approvals[0].ID}, &out, &errOut, cli.Local{}); code != 0 {
		t.Fatalf("greenlight approve: exit %d: %s%s", code, out.String(), errOut.String())
	}
	done := waitStatus(t, second.api, created.ID, api.StatusCompleted)
	if n := len(done.Steps); n != 4 {
		t.Fatalf("steps after completion: %d, want 4", n)
	}

	// The UI of the restarted process serves too.
	uiResp, err := http.Get(second.ui + "/")
	if err != nil || uiResp.StatusCode != http.StatusOK {
		t.Fatalf("web UI after restart: %v %v", err, uiResp)
	}
	uiResp.Body.Close()

	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- second.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("greenlight dev did not exit cleanly on SIGTERM: %v\n%s", err, second.output.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal(fmt.Sprintf("greenlight dev still running 30s after SIGTERM\n%s", second.output.String()))
	}
}
