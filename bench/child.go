package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
)

// child is a `greenlight dev` the benchmark started: a process of its own, so
// that its memory is the dev stack's alone.
type child struct {
	cmd      *exec.Cmd
	api      string
	temporal string
	dataDir  string
	token    string
	// ready is the time from starting the process to its ready line.
	ready  time.Duration
	stderr *tail
	exited chan struct{}
}

// readyPrefix starts the line `greenlight dev` prints once everything serves.
const readyPrefix = "greenlight ready:"

// childNamespace is passed explicitly so that a GREENLIGHT_NAMESPACE in the
// user's environment cannot point the raw side somewhere else.
const childNamespace = "default"

// startChild runs `<exe> dev` on free ports in a fresh data dir under dir and
// waits for its ready line.
func startChild(ctx context.Context, o *Options, dir string) (*child, error) {
	dataDir, err := os.MkdirTemp(dir, "dev-")
	if err != nil {
		return nil, fmt.Errorf("bench: data dir: %w", err)
	}
	var addrs [3]string
	for i := range addrs {
		if addrs[i], err = devserver.FreeAddr(); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(o.Exe, "dev", "--data-dir", dataDir, "--http", addrs[0], "--temporal", addrs[1], "--ui", addrs[2],
		"--namespace", childNamespace, "--log-level", "error")
	cmd.Env = childEnv(append(os.Environ(), o.Env...), dataDir)
	dieWithParent(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: dev stdout: %w", err)
	}
	c := &child{cmd: cmd, dataDir: dataDir, stderr: &tail{max: 64 << 10}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s dev: %w", o.Exe, err)
	}
	readyLine := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), readyPrefix) {
				readyLine <- sc.Text()
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(c.exited)
	}()
	select {
	case line := <-readyLine:
		c.ready = time.Since(start)
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "api="); ok {
				c.api = v
			}
			if v, ok := strings.CutPrefix(f, "temporal="); ok {
				c.temporal = v
			}
		}
	case <-c.exited:
		return nil, fmt.Errorf("bench: greenlight dev exited before its ready line: %s", c.stderr.String())
	case <-ctx.Done():
		c.stop()
		return nil, fmt.Errorf("bench: waiting for greenlight dev: %w", ctx.Err())
	case <-time.After(3 * time.Minute):
		c.stop()
		return nil, fmt.Errorf("bench: greenlight dev printed no ready line in 3 minutes: %s", c.stderr.String())
	}
	if c.api == "" || c.temporal == "" {
		c.stop()
		return nil, fmt.Errorf("bench: unexpected ready line from greenlight dev (no api= or temporal=)")
	}
	tok, err := os.ReadFile(filepath.Join(dataDir, config.AdminTokenFile))
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("bench: greenlight dev wrote no admin token: %w", err)
	}
	c.token = strings.TrimSpace(string(tok))
	return c, nil
}

// childEnv is env for the child: its own XDG_CONFIG_HOME, so that dev records
// its CLI context in the data dir and never in the user's configuration, and
// none of the user's Greenlight settings (a DATABASE_URL would move its store
// to PostgreSQL, a GREENLIGHT_TEMPORAL_ADDRESS elsewhere): the benchmark
// measures the defaults. GREENLIGHT_TEST_MAIN stays, for the test binary that
// doubles as greenlight.
func childEnv(env []string, dataDir string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "GREENLIGHT_TEST_MAIN", k == "GREENLIGHT_PPROF": // profiling changes nothing measured
		case k == "DATABASE_URL", k == "XDG_CONFIG_HOME", strings.HasPrefix(k, "GREENLIGHT_"):
			continue
		}
		out = append(out, kv)
	}
	return append(out, "XDG_CONFIG_HOME="+filepath.Join(dataDir, "config"))
}

// stop ends the child with SIGTERM, as Ctrl-C would, and kills it if it has
// not exited within 30 seconds; then removes its data dir.
func (c *child) stop() {
	if c == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	_ = os.RemoveAll(c.dataDir)
}

// rssMB is the child's resident set size, from /proc (Linux).
func (c *child) rssMB() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("bench: RSS of the dev process: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v) // "123456 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseFloat(f[0], 64)
				if err != nil {
					return 0, fmt.Errorf("bench: VmRSS %q: %w", v, err)
				}
				return kb / 1024, nil
			}
		}
	}
	return 0, errors.New("bench: no VmRSS in /proc status of the dev process")
}

// tail keeps the last max bytes written to it: the child's log, for errors.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
