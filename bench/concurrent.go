package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// runConcurrent runs op for i in [0, n) on c workers and times each call and
// the whole batch. The first error cancels the rest and is returned: a
// benchmark of failing operations measures nothing.
func runConcurrent(ctx context.Context, n, c int, op func(ctx context.Context, i int) error) (Timing, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range max(1, min(c, n)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := op(ctx, i); err != nil {
					cancel(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return Timing{}, err
	}
	return Timing{Latencies: lat, Wall: wall}, nil
}
