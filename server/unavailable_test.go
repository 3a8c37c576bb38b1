package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
