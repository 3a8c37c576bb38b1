package devserver

import (
	"context"
	"log/slog"
	"math"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

const (
	// temporalLogLevel is the least severe level of Temporal's own logs that
	// reach the caller's logger: below it the server is far too chatty.
	temporalLogLevel = slog.LevelWarn
	// silentLogLevel applies from Stop on. Shutdown routinely logs warnings
	// and "context canceled" errors about connections it closed itself, and
	// Temporal v1.32 never stops some system workers (task queue and history
	// scanners, parent close policy), which keep failing to poll the stopped
	// frontend. Nobody can act on those logs; real Stop failures are returned.
	silentLogLevel = slog.Level(math.MaxInt32)
)

// levelHandler drops records below min before they reach the wrapped handler.
// It also backs the slog.Logger that Temporal extracts through SLog(), so its
// slog-based components are filtered the same way.
type levelHandler struct {
	min   slog.Leveler
	inner slog.Handler
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min.Level() && h.inner.Enabled(ctx, l)
}

func (h levelHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.min.Level() {
		return nil
	}
	return h.inner.Handle(ctx, r)
}

func (h levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelHandler{min: h.min, inner: h.inner.WithAttrs(attrs)}
}

func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{min: h.min, inner: h.inner.WithGroup(name)}
}

// temporalLogger adapts slog to Temporal's log.Logger.
type temporalLogger struct {
	log *slog.Logger
}

var (
	_ log.Logger      = temporalLogger{}
	_ log.WithLogger  = temporalLogger{}
	_ log.SLogWrapper = temporalLogger{}
)

// newTemporalLogger returns Temporal's logger and the level that gates it.
func newTemporalLogger(l *slog.Logger) (temporalLogger, *slog.LevelVar) {
	level := new(slog.LevelVar)
	level.Set(temporalLogLevel)
	filtered := slog.New(levelHandler{min: level, inner: l.Handler()})
	return temporalLogger{log: filtered.With("component", "temporal")}, level
}

func (t temporalLogger) Debug(msg string, tags ...tag.Tag) { t.emit(slog.LevelDebug, msg, tags) }
func (t temporalLogger) Info(msg string, tags ...tag.Tag)  { t.emit(slog.LevelInfo, msg, tags) }
func (t temporalLogger) Warn(msg string, tags ...tag.Tag)  { t.emit(slog.LevelWarn, msg, tags) }
func (t temporalLogger) Error(msg string, tags ...tag.Tag) { t.emit(slog.LevelError, msg, tags) }

// DPanic, Panic and Fatal only log: an embedded dev server must never take the
// whole greenlight process down with it.
func (t temporalLogger) DPanic(msg string, tags ...tag.Tag) { t.emit(slog.LevelError, msg, tags) }
func (t temporalLogger) Panic(msg string, tags ...tag.Tag)  { t.emit(slog.LevelError, msg, tags) }
func (t temporalLogger) Fatal(msg string, tags ...tag.Tag)  { t.emit(slog.LevelError, msg, tags) }

func (t temporalLogger) With(tags ...tag.Tag) log.Logger {
	return temporalLogger{log: t.log.With(tagsToArgs(tags)...)}
}

func (t temporalLogger) SLog() *slog.Logger { return t.log }

func (t temporalLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !t.log.Enabled(ctx, level) {
		return
	}
	t.log.Log(ctx, level, msg, tagsToArgs(tags)...)
}

func tagsToArgs(tags []tag.Tag) []any {
	args := make([]any, len(tags))
	for i, tg := range tags {
		args[i] = slog.Any(tg.Key(), tg.Value())
	}
	return args
}
