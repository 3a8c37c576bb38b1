package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/store/storetest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fastRetries(t *testing.T, within time.Duration) {
	saved := startRetry
	startRetry.Within, startRetry.First, startRetry.Most = within, 10*time.Millisecond, 40*time.Millisecond
	t.Cleanup(func() { startRetry = saved })
}

func TestUntilReachableWaitsForAStartingDependency(t *testing.T) {
	fastRetries(t, 5*time.Second)
	calls := 0
	err := untilReachable(context.Background(), quiet(), "PostgreSQL", func(context.Context) error {
		calls++
		if calls < 3 {
			return errors.New("connection refused")
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)

	fastRetries(t, 100*time.Millisecond)
	err = untilReachable(context.Background(), quiet(), "Temporal at 127.0.0.1:1", func(context.Context) error { return errors.New("connection refused") })
	assert.ErrorContains(t, err, "Temporal at 127.0.0.1:1 still unreachable after 100ms: connection refused")

	calls = 0
	err = untilReachable(context.Background(), quiet(), "PostgreSQL", func(context.Context) error {
		calls++
		return stopRetrying{err: errors.New("password authentication failed")}
	})
	assert.ErrorContains(t, err, "PostgreSQL: password authentication failed")
	assert.Equal(t, 1, calls, "what waiting cannot mend fails at once")
}

// A server started before its PostgreSQL waits for it; a database that does
// not exist fails at once, with one clear line.
func TestOpenStoreWaitsForPostgreSQLButNotForAMistake(t *testing.T) {
	fastRetries(t, 300*time.Millisecond)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	ln.Close()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = "postgres://postgres@" + closed + "/test?sslmode=disable"
	start := time.Now()
	_, err = OpenStore(context.Background(), cfg, quiet())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PostgreSQL at postgres://"+closed+"/test still unreachable")
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "it kept trying")

	base := storetest.PostgresSchemaURL(t) // skips, or fails under CI=true, without PostgreSQL
	missing := strings.Replace(base, "/test?", "/greenlight_no_such_db?", 1)
	require.NotEqual(t, base, missing, "the test database is called test")
	fastRetries(t, time.Minute)
	start = time.Now()
	cfg.DatabaseURL = missing
	_, err = OpenStore(context.Background(), cfg, quiet())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "greenlight_no_such_db")
	assert.Less(t, time.Since(start), 10*time.Second, "a missing database is not waited for")
}

// A TLS file that is not there fails start-up at once, naming its setting
// and file; the TLS tests against a real server are in temporal_tls_e2e_test.go.
func TestMissingTemporalTLSFileIsNotWaitedFor(t *testing.T) {
	fastRetries(t, time.Minute)
	cfg := config.Defaults()
	cfg.TemporalAddr = "127.0.0.1:1"
	cfg.TemporalTLS.CAFile = "/nonexistent/ca.pem"
	var s stack
	defer s.stop()
	start := time.Now()
	cfg.DatabaseURL = ""
	cfg.DataDir = t.TempDir()
	_, _, err := openBackends(context.Background(), cfg, quiet(), &s, nil, nil)
	require.Error(t, err)
	assert.Equal(t, "Temporal TLS: GREENLIGHT_TEMPORAL_TLS_CA (--temporal-tls-ca) /nonexistent/ca.pem: no such file or directory", err.Error())
	assert.Less(t, time.Since(start), 10*time.Second)
}
