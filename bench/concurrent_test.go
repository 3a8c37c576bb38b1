package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunConcurrentRunsEachItemOnceAtTheGivenConcurrency(t *testing.T) {
	const n, c = 40, 4
	var inFlight, peak atomic.Int32
	var mu sync.Mutex
	seen := map[int]int{}
	tm, err := runConcurrent(context.Background(), n, c, func(_ context.Context, i int) error {
		now := inFlight.Add(1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		inFlight.Add(-1)
		mu.Lock()
		seen[i]++
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Errorf("%d items ran, want %d", len(seen), n)
	}
	for i, k := range seen {
		if k != 1 {
			t.Errorf("item %d ran %d times", i, k)
		}
	}
	if p := peak.Load(); p > c || p < 2 {
		t.Errorf("peak concurrency %d, want 2..%d", p, c)
	}
	if len(tm.Latencies) != n || tm.Wall <= 0 {
		t.Errorf("timing %d latencies, wall %v", len(tm.Latencies), tm.Wall)
	}
	for i, l := range tm.Latencies {
		if l < 2*time.Millisecond {
			t.Errorf("latency %d is %v, below the 2 ms it slept", i, l)
		}
	}
}

func TestRunConcurrentStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	var ran atomic.Int32
	// Items after the failing one hold until the run is canceled, so no
	// scheduling can finish them all before item 3 fails.
	_, err := runConcurrent(context.Background(), 1000, 2, func(ctx context.Context, i int) error {
		ran.Add(1)
		switch {
		case i == 3:
			return boom
		case i > 3:
			<-ctx.Done()
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	if r := ran.Load(); r > 6 {
		t.Errorf("%d items ran after the error", r)
	}
}
