package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// TestDatabaseDownAnswers503: with the database out of reach every /v1 call
// answers 503 with Retry-After as a problem document, never 500, so clients and
// load balancers wait and retry. PostgreSQL is reached through a proxy the test
// cuts, so the failure is a real refused connection.
func TestDatabaseDownAnswers503(t *testing.T) {
	t.Run("postgres unreachable", func(t *testing.T) {
		storetest.Postgres(t) // skips, or in CI fails, without a server
		p := newCutProxy(t, "127.0.0.1:5432")
		u, err := url.Parse(storetest.PostgresURL())
		require.NoError(t, err)
		u.Host = p.addr()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := store.Open(ctx, store.Config{DatabaseURL: u.String()})
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		p.cut()
		expect503(t, st)
	})
	t.Run("sqlite closed", func(t *testing.T) {
		st := storetest.SQLite(t)
		require.NoError(t, st.Close())
		expect503(t, st)
	})
}

func expect503(t *testing.T, st *store.Store) {
	t.Helper()
	h := server.New(server.Deps{Store: st, Namespace: "default", Auth: true}).Handler()
	for _, path := range []string{"/v1/campaigns", "/v1/approvals", "/v1/playbooks"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer glt_anything")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s: %s", path, rec.Body.String())
		assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), path)
		assert.NotEmpty(t, rec.Header().Get("Retry-After"), path)
		assert.Contains(t, rec.Body.String(), "the database is not reachable", path)
	}
	// Without the database the open API still answers what it can decide alone.
	open := server.New(server.Deps{Store: st, Namespace: "default"}).Handler()
	rec := httptest.NewRecorder()
	open.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/campaigns", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
}

// cutProxy forwards TCP to a target until cut, then refuses and drops everything.
type cutProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &cutProxy{ln: ln}
	t.Cleanup(p.cut)
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) cut() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// TestReadyzNamesTheCheckNotItsCause: /readyz answers anyone who reaches the
// port, so a failing check says which, while its cause (an address, a driver's
// words) goes to the log under the request id the answer carries.
func TestReadyzNamesTheCheckNotItsCause(t *testing.T) {
	st := storetest.SQLite(t)
	require.NoError(t, st.Close())
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	temporalAddr := closed.Addr().String()
	require.NoError(t, closed.Close()) // nothing answers there
	tc, err := client.NewLazyClient(client.Options{HostPort: temporalAddr, Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	h := server.New(server.Deps{Store: st, Temporal: tc, Namespace: "default", Logger: logger}).Handler()

	req := httptest.NewRequest("GET", "/readyz", nil)
	req.Header.Set("X-Request-Id", "probe-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	var body struct {
		Checks    map[string]string `json:"checks"`
		RequestID string            `json:"request_id"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, map[string]string{"store": "not reachable; see the log", "temporal": "not reachable; see the log"}, body.Checks)
	assert.Equal(t, "probe-1", body.RequestID)
	assert.NotContains(t, rec.Body.String(), temporalAddr)
	assert.Contains(t, logs.String(), temporalAddr, "the cause is in the log")
	assert.Contains(t, logs.String(), "request_id=probe-1")
}

// syncWriter serialises writes from the handler's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
