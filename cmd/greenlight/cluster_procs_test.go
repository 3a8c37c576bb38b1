package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// child is one process of the cluster test: a Temporal node or a greenlight
// process. Its output goes to a file in the test's temporary folder, whose
// tail the test prints when it fails.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string // path of its combined stdout and stderr
	done chan struct{}
	err  error // how it ended, once done is closed
}

// children are the processes a test started, killed when it ends.
type children struct {
	t   *testing.T
	dir string
	mu  sync.Mutex
	all []*child
	// after are cleanups that must wait for every process to be gone:
	// dropping their databases, closing the load balancer.
	after []func()
}

// newChildren kills every process it starts when t ends, and prints the tail
// of each one's log if t failed.
func newChildren(t *testing.T) *children {
	cs := &children{t: t, dir: t.TempDir()}
	t.Cleanup(func() {
		cs.mu.Lock()
		all := append([]*child(nil), cs.all...)
		after := cs.after
		cs.mu.Unlock()
		for _, c := range all {
			c.kill()
		}
		defer func() {
			for i := len(after) - 1; i >= 0; i-- {
				after[i]()
			}
		}()
		if t.Failed() {
			for _, c := range all {
				t.Logf("---- %s (%s), last lines of %s:\n%s", c.name, c.state(), c.log, tail(c.log, 40))
			}
		}
	})
	return cs
}

// cleanup registers f to run when the test ends, once every process is
// killed; cleanups run in reverse order.
func (cs *children) cleanup(f func()) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.after = append(cs.after, f)
}

// start runs name as a separate process group (so that a kill takes its
// children too) with env added to the test's environment.
func (cs *children) start(name string, env []string, path string, args ...string) *child {
	cs.t.Helper()
	logPath := filepath.Join(cs.dir, name+".log")
	out, err := os.Create(logPath)
	if err != nil {
		cs.t.Fatalf("log file of %s: %v", name, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = cs.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		cs.t.Fatalf("start %s: %v", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		_ = out.Close()
		close(c.done)
	}()
	cs.mu.Lock()
	cs.all = append(cs.all, c)
	cs.mu.Unlock()
	return c
}

// greenlight starts this test binary as the greenlight command.
func (cs *children) greenlight(name string, env []string, args ...string) *child {
	cs.t.Helper()
	return cs.start(name, append([]string{"GREENLIGHT_TEST_MAIN=1"}, env...), os.Args[0], args...)
}

// run starts a greenlight command and waits for it to exit 0, returning its
// standard output.
func (cs *children) runGreenlight(name string, env []string, args ...string) string {
	cs.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GREENLIGHT_TEST_MAIN=1"), env...)
	cmd.Dir = cs.dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		cs.t.Fatalf("greenlight %s: %v\n%s%s", name, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// kill SIGKILLs c's process group and waits for it to end.
func (c *child) kill() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
	}
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *child) state() string {
	if !c.exited() {
		return "running"
	}
	var ee *exec.ExitError
	if errors.As(c.err, &ee) {
		return ee.ProcessState.String()
	}
	return fmt.Sprint("exited: ", c.err)
}

// waitLog polls c's log until it holds want, failing if c exits first or
// within limit.
func (c *child) waitLog(t *testing.T, want string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		b, _ := os.ReadFile(c.log)
		if bytes.Contains(b, []byte(want)) {
			return
		}
		if c.exited() {
			t.Fatalf("%s ended (%s) before logging %q:\n%s", c.name, c.state(), want, tail(c.log, 40))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q within %s:\n%s", c.name, want, limit, tail(c.log, 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tail is the last n lines of a file, each cut to 500 bytes.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 500 {
			lines[i] = l[:500] + "…"
		}
	}
	return strings.Join(lines, "\n")
}
