// Package storetest gives tests fresh, migrated stores on both dialects, so
// that every package whose behaviour depends on the store is tested against
// SQLite and PostgreSQL alike.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/greenlight/greenlight/store"
)

const (
	// EnvPostgresURL names the variable holding the test PostgreSQL server.
	EnvPostgresURL = "GREENLIGHT_TEST_DATABASE_URL"
	// DefaultPostgresURL is used when EnvPostgresURL is unset.
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// Dialects runs fn once per dialect, as subtests "sqlite" and "postgres", each
// with its own fresh, migrated store.
func Dialects(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a fresh, migrated SQLite store in t.TempDir(), closed when the
// test ends.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, store.Config{
		SQLitePath: filepath.Join(t.TempDir(), "greenlight.db"),
		Logger:     logger(),
	})
	if err != nil {
		t.Fatalf("storetest: open SQLite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate SQLite: %v", err)
	}
	return s
}

// Postgres returns a fresh, migrated PostgreSQL store in a schema of its own,
// dropped when the test ends, so tests and test packages running in parallel
// against one server never see each other's rows. Without a reachable server
// the test is skipped, unless CI=true, where PostgreSQL coverage is mandatory.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	isolated := PostgresSchemaURL(t)
	if isolated == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, store.Config{DatabaseURL: isolated, Logger: logger()})
	if err != nil {
		t.Fatalf("storetest: open PostgreSQL at %s: %v", isolated, err)
	}
	// Registered after the schema's cleanup, so it runs first: the schema is
	// dropped once no connection of the store uses it.
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate PostgreSQL: %v", err)
	}
	return s
}

// PostgresSchemaURL makes an empty schema of its own, dropped when the test
// ends, and returns the test server's URL pointed at it: for a test that
// runs whole processes (a server, a worker) against PostgreSQL as a
// deployment does. "" when the test was skipped.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	admin, err := store.Open(ctx, store.Config{DatabaseURL: base, Logger: logger()})
	if err != nil {
		unavailable(t, err)
		return ""
	}
	schema := "greenlight_test_" + randomHex(t, 8)
	if err := admin.DB().WithContext(ctx).Exec(`CREATE SCHEMA "` + schema + `"`).Error; err != nil {
		_ = admin.Close()
		t.Fatalf("storetest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.DB().WithContext(ctx).Exec(`DROP SCHEMA "` + schema + `" CASCADE`).Error; err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	isolated, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return isolated
}

// PostgresURL is the test server's URL: EnvPostgresURL, else
// DefaultPostgresURL. Tests that need a database of their own beyond Postgres
// (for instance to race two migrations) start from it.
func PostgresURL() string {
	if u := os.Getenv(EnvPostgresURL); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// unavailable skips a test that needs PostgreSQL, except in CI, where skipping
// would quietly drop half the coverage.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: PostgreSQL tests are mandatory: %v", err)
	}
	t.Skipf("PostgreSQL unavailable (set %s to a reachable server): %v", EnvPostgresURL, err)
}

// withSearchPath points every connection of the pool at schema: pgx sends
// unknown URL parameters as run-time settings when it connects.
func withSearchPath(rawURL, schema string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", EnvPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storetest: random schema name: %v", err)
	}
	return hex.EncodeToString(b)
}

// logger surfaces the store's warnings (slow queries) in test output; the
// store logs nothing else.
func logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
