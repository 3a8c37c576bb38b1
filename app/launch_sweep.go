package app

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/metrics"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
)

// startLaunchSweep runs the sweep that fails interrupted launches
// (server.LaunchSweep) in the background of an API process and returns its
// stop, which waits for a sweep under way to end. Every API replica runs one:
// they guard each row the same way, so running several is safe, and the
// processes that launch are the ones that can leave launches behind.
func startLaunchSweep(st *store.Store, c client.Client, logger *slog.Logger, reg *metrics.Registry, grace time.Duration) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	sweep := &server.LaunchSweep{Store: st, Temporal: c, Logger: logger, Metrics: reg, Grace: grace}
	go func() {
		defer close(done)
		sweep.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
