package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	gormlogger "gorm.io/gorm/logger"
)

// slowQueryThreshold is the only reason a query is logged: errors are returned
// to the caller, which knows whether a conflict or a missing row is expected.
const slowQueryThreshold = 500 * time.Millisecond

// gormLogger keeps GORM quiet: no per-query logging, no "record not found"
// noise, and no query parameters (they may carry campaign content) in logs.
type gormLogger struct {
	log *slog.Logger
}

func newGormLogger(log *slog.Logger) gormlogger.Interface {
	return gormLogger{log: log.With(slog.String("component", "store"))}
}

func (l gormLogger) LogMode(gormlogger.LogLevel) gormlogger.Interface { return l }

func (l gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(msg, args...))
}

func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
}

func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	// gorm.Open reports a failed connection here and returns it too; Open
	// hands it to the caller, so logging it would say it twice.
	if strings.HasPrefix(msg, "failed to initialize database") {
		return
	}
	l.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
}

func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	elapsed := time.Since(begin)
	if elapsed <= slowQueryThreshold {
		return
	}
	sql, rows := fc()
	l.log.WarnContext(ctx, "slow query",
		slog.Duration("elapsed", elapsed),
		slog.String("sql", sql),
		slog.Int64("rows", rows))
}

// ParamsFilter drops bound values so that the SQL in a slow-query warning
// shows placeholders instead of data.
func (l gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
