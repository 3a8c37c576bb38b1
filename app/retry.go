package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/greenlight/greenlight/store"
)

// startRetry is how long a production process keeps trying to reach its
// database and Temporal at start, and how it backs off: in a fresh stack they
// come up in any order, and a process that gives up at the first refusal
// never starts.
var startRetry = struct {
	Within      time.Duration
	First, Most time.Duration
}{Within: 2 * time.Minute, First: 500 * time.Millisecond, Most: 10 * time.Second}

// untilReachable calls connect until it succeeds, ctx ends or startRetry's
// time is up, logging each refusal; the last error is returned.
func untilReachable(ctx context.Context, logger *slog.Logger, what string, connect func(context.Context) error) error {
	deadline := time.Now().Add(startRetry.Within)
	wait := startRetry.First
	for attempt := 1; ; attempt++ {
		err := connect(ctx)
		if err == nil {
			return nil
		}
		var stop stopRetrying
		if errors.As(err, &stop) {
			if stop.named {
				return stop.err
			}
			return fmt.Errorf("%s: %w", what, stop.err)
		}
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%s still unreachable after %s: %w", what, startRetry.Within, err)
		}
		logger.Warn(what+" not reachable yet; trying again", "attempt", attempt, "in", wait.String(), "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last error: %w)", what, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, startRetry.Most)
	}
}

// stopRetrying marks an error waiting cannot mend; named says its text
// already names what failed, so it is the whole line.
type stopRetrying struct {
	err   error
	named bool
}

func (s stopRetrying) Error() string { return s.err.Error() }
func (s stopRetrying) Unwrap() error { return s.err }

// retryableOpen retries only what may pass: a database refusing the
// credentials or missing altogether fails at once.
func retryableOpen(open func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		err := open(ctx)
		if err != nil && (store.Refused(err) || !store.Unavailable(err)) {
			return stopRetrying{err: err}
		}
		return err
	}
}

func orDefault(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		return slog.Default()
	}
	return logger
}
