// Package store is Greenlight's query side: GORM models kept in PostgreSQL
// (production) or SQLite (the embedded default). Temporal owns execution; the
// rows here are projections written idempotently by activities and read by the
// API and CLI.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Dialect names, as returned by Store.Dialect and passed to migrations.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: conflict")
	ErrInvalid  = errors.New("store: invalid argument")
)

// Config selects and configures the database.
type Config struct {
	// DatabaseURL "postgres://..." or "postgresql://..." selects PostgreSQL;
	// empty selects SQLite at SQLitePath.
	DatabaseURL string
	// SQLitePath is the SQLite database file; its directory is created if missing.
	SQLitePath string
	// Logger receives slow-query warnings; nil means slog.Default().
	Logger *slog.Logger
	// MaxConns caps PostgreSQL connections; 0 means 20.
	MaxConns int
}

// Store is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect string
}

// sqliteBusyTimeout bounds how long a writer waits for SQLite's single write
// lock. It is generous because waiting is always better than failing a
// projection: the workload is many short transactions, never long ones.
const sqliteBusyTimeout = 30 * time.Second

// Open connects and pings. It does not migrate: schema changes are an explicit
// step (Migrate) so that read-only tools never alter a production database.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	var (
		dialector gorm.Dialector
		dialect   string
	)
	switch {
	case strings.HasPrefix(cfg.DatabaseURL, "postgres://"), strings.HasPrefix(cfg.DatabaseURL, "postgresql://"):
		dialect = DialectPostgres
		dialector = postgres.New(postgres.Config{DSN: cfg.DatabaseURL})
	case cfg.DatabaseURL != "":
		return nil, fmt.Errorf("store: unable to open database: %w: unsupported database URL scheme (want postgres:// or postgresql://)", ErrInvalid)
	case cfg.SQLitePath == "":
		return nil, fmt.Errorf("store: unable to open database: %w: neither a database URL nor a SQLite path is set", ErrInvalid)
	default:
		dialect = DialectSQLite
		if err := os.MkdirAll(filepath.Dir(cfg.SQLitePath), 0o750); err != nil {
			return nil, fmt.Errorf("store: unable to create SQLite directory: %w", err)
		}
		dialector = sqlite.Open(sqliteDSN(cfg.SQLitePath))
	}

	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger: newGormLogger(log),
		// Stored times are UTC at microsecond precision (PostgreSQL's), so a
		// value written and read back compares equal on both dialects.
		NowFunc:        func() time.Time { return utc(time.Now()) },
		TranslateError: true,
		// Single statements need no wrapping transaction; the multi-statement
		// writes open their own.
		SkipDefaultTransaction: true,
		// GORM's own ping ignores ctx; Open pings below with it instead.
		DisableAutomaticPing: true,
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: unable to open %s database: %w", dialect, err)
	}
	switch dialect {
	case DialectPostgres:
		n := cfg.MaxConns
		if n <= 0 {
			n = 20
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(min(5, n))
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case DialectSQLite:
		// SQLite has one writer at a time whatever the pool size; a few
		// connections let WAL readers proceed while a write is in flight
		// without piling up waiters on the write lock.
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4)
	}
	s := &Store{db: db, sqlDB: sqlDB, dialect: dialect}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN builds the connection string for the modernc driver. WAL lets
// readers run beside the writer; _txlock=immediate takes the write lock at
// BEGIN, so a transaction never has to upgrade a read lock mid-way, which is
// the one SQLITE_BUSY case busy_timeout cannot wait out. _timezone=UTC makes
// the driver write and read every time in UTC, which keeps the text
// representation sortable. synchronous=NORMAL, as dev's Temporal database
// has it: in WAL mode a commit then survives the process dying (what dev must
// survive) without an fsync each; only a power cut may take the last few,
// which the workflows' next projections write again.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	q.Set("_timezone", "UTC")
	return path + "?" + q.Encode()
}

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: unable to ping %s database: %w", s.dialect, err)
	}
	return nil
}

// Close releases the connection pool.
func (s *Store) Close() error {
	if err := s.sqlDB.Close(); err != nil {
		return fmt.Errorf("store: unable to close database: %w", err)
	}
	return nil
}

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// DB exposes the GORM handle for callers that need a query the store does not
// offer; writes through it bypass the store's idempotency rules.
func (s *Store) DB() *gorm.DB { return s.db }

// conn is the per-call handle; every query goes through it so that
// cancellation reaches the driver.
func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// notFoundOr maps GORM's not-found to ErrNotFound and leaves other errors be.
func notFoundOr(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// conflictOr maps unique-constraint violations to ErrConflict, keeping the
// driver error in the chain for diagnosis.
func conflictOr(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}
