package worker

import (
	"sync"

	sdkworker "go.temporal.io/sdk/worker"
)

// DefaultWorkflowCache is how many campaigns a worker process keeps in
// memory between their workflow tasks (the SDK's sticky cache; its own
// default is 10,000). A campaign waiting on a person for days gains nothing
// from staying in memory: evicted, it is rebuilt from its history when it
// wakes, a replay of at most one run's history. Held, it keeps three
// coroutines and its state: with 2,000 campaigns waiting in dev, caching all
// of them held 371 MB of Go heap and 9,627 goroutines, a cache of 1,000 held
// 160 MB and 6,550 (docs/benchmarks.md).
const DefaultWorkflowCache = 1000

var cacheOnce sync.Once

// SetWorkflowCache sizes the process's sticky cache once, before its first
// worker starts (the SDK's setting is process-wide and fixed after that);
// n <= 0 keeps DefaultWorkflowCache.
func SetWorkflowCache(n int) {
	if n <= 0 {
		n = DefaultWorkflowCache
	}
	cacheOnce.Do(func() { sdkworker.SetStickyWorkflowCacheSize(n) })
}
