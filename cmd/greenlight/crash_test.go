package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
)

// The crash tests re-execute the test binary as `greenlight dev` with a hook
// (crashingDev): work that reaches the hook waits there, as work in flight
// does, and the arrival that brings the count to the one asked for SIGKILLs
// the process. The test then restarts `greenlight dev` on the same data dir
// and checks what the crash left.

const (
	// envCrashAfterRows holds launches between their campaign row and their
	// workflow start; its value is how many to hold.
	envCrashAfterRows = "GREENLIGHT_TEST_CRASH_AFTER_ROWS"
	// envCrashAtDelivery holds deliveries at a stage of the Deliver activity:
	// "begun:N" (recorded, nothing sent) or "sent:N" (sent and recorded, the
	// activity not completed).
	envCrashAtDelivery = "GREENLIGHT_TEST_CRASH_AT_DELIVERY"
)

// crashOption is the hook the environment asks for; nil when it asks none.
func crashOption() (app.Option, error) {
	if rows := os.Getenv(envCrashAfterRows); rows != "" {
		kill, err := killAt(envCrashAfterRows, rows)
		if err != nil {
			return nil, err
		}
		return app.WithAfterCampaignRow(func(context.Context, string) { kill() }), nil
	}
	if v := os.Getenv(envCrashAtDelivery); v != "" {
		stage, count, _ := strings.Cut(v, ":")
		if stage != "begun" && stage != "sent" {
			return nil, fmt.Errorf("%s=%q: the stage is begun or sent", envCrashAtDelivery, v)
		}
		kill, err := killAt(envCrashAtDelivery, count)
		if err != nil {
			return nil, err
		}
		return app.WithDeliveryHook(func(_ context.Context, at, _ string) {
			if at == stage {
				kill()
			}
		}), nil
	}
	return nil, nil
}

// killAt returns a hook body that never returns: each call waits, and the
// count-th SIGKILLs the process.
func killAt(name, count string) (func(), error) {
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%s: %q is not a positive count", name, count)
	}
	var mu sync.Mutex
	seen := 0
	return func() {
		mu.Lock()
		seen++
		last := seen >= n
		mu.Unlock()
		if last {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		select {} // in flight until the kill
	}, nil
}

// crashingDev is `greenlight dev` with the hook opt. It reads the same
// environment and flags as the real command (the hook is the only difference)
// and prints the same ready line.
func crashingDev(opt app.Option) int {
	if len(os.Args) < 2 || os.Args[1] != "dev" {
		fmt.Fprintln(os.Stderr, "a crash hook needs the dev command")
		return 2
	}
	cfg := config.Load()
	fs := pflag.NewFlagSet("dev", pflag.ContinueOnError)
	cfg.BindFlags(fs, config.FlagDataDir, config.FlagHTTP, config.FlagDevTemporal, config.FlagUI,
		config.FlagPlaybooks, config.FlagLogLevel, config.FlagLaunchGrace)
	if err := fs.Parse(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := app.Dev(ctx, cfg, cfg.Logger(), func(d *app.DevInstance) {
		fmt.Printf("greenlight ready: api=%s ui=%s temporal=%s data=%s\n", d.APIURL, d.UIURL, d.TemporalAddr, d.DataDir)
	}, opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// freeAddrs are the API, Temporal and Web UI addresses of a dev process,
// kept across its restarts.
func freeAddrs(t *testing.T) [3]string {
	t.Helper()
	var addrs [3]string
	for i := range addrs {
		a, err := devserver.FreeAddr()
		require.NoError(t, err)
		addrs[i] = a
	}
	return addrs
}

// waitKilled waits for p to kill itself at its hook.
func waitKilled(t *testing.T, p *devProcess) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("the dev process did not kill itself at the hook\n%s", p.output.String())
	}
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "exit: %v\n%s", p.cmd.ProcessState, p.output.String())
}

// postJSON posts body to url (with an Idempotency-Key when key is set) and
// returns the status, the decoded body and the header.
func postJSON(url, body, key string) (int, map[string]any, http.Header, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, resp.Header, err
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, resp.Header, nil
}
