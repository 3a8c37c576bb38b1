package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err means the database could not be reached or
// did not answer in time, rather than that a request was wrong: callers answer
// 503 with Retry-After for these, so clients and load balancers wait and retry
// instead of treating the failure as a defect.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr *net.OpError
	var connErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &pgErr):
		// Class 08 is connection exceptions; 57P0x is the server shutting down
		// or refusing connections; 53300 is too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P0") || pgErr.Code == "53300"
	}
	// SQLite reports a held write lock and a closed pool only as text.
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "failed to connect")
}

// Refused reports whether err is the database turning the connection down
// for good: bad credentials (class 28) or a database that does not exist
// (3D000). Waiting does not mend those, so a process starting up says so at
// once instead of retrying.
func Refused(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "28") || pgErr.Code == "3D000")
}
