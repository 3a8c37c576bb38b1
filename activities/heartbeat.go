package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// A platform call can take a while (rate limits, slow APIs), so a worker that dies
// in the middle of one must not leave the action waiting out its whole
// start-to-close timeout. RunAction heartbeats from a goroutine while the connector
// works: if the heartbeats stop, Temporal retries the action on another worker
// after the heartbeat timeout (seconds), and the idempotency key makes the retry
// act at most once. Deliver heartbeats the same way while it sends a message,
// and its delivery record keeps the retry from sending twice. A heartbeat is
// also how a running activity hears that it was canceled: the SDK then cancels
// ctx, which the connector receives.

// defaultHeartbeatEvery is the interval when the activity has no heartbeat timeout
// (scheduled by older code): heartbeats still carry cancellation.
const defaultHeartbeatEvery = 5 * time.Second

// heartbeatEvery is how often to heartbeat: a quarter of the heartbeat timeout,
// so that one late or lost heartbeat does not time the attempt out.
func (a *Activities) heartbeatEvery(ctx context.Context) time.Duration {
	if a.HeartbeatEvery > 0 {
		return a.HeartbeatEvery
	}
	if t := activity.GetInfo(ctx).HeartbeatTimeout; t > 0 {
		return max(t/4, 100*time.Millisecond)
	}
	return defaultHeartbeatEvery
}

// keepAlive heartbeats until stop is called or ctx ends; stop waits for the
// goroutine, so no heartbeat follows the activity's result.
func (a *Activities) keepAlive(ctx context.Context) (stop func()) {
	every := a.heartbeatEvery(ctx)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		activity.RecordHeartbeat(ctx)
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
