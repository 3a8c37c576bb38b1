package bench

import (
	"context"
	"fmt"
)

// startToReady starts o.Starts dev processes one after the other, each in a
// fresh data dir, and reports the median time from process start to its ready
// line (dev's SQLite files created and migrated, Temporal, UI, worker and API
// up). The main stack's own start counts as one more.
func startToReady(ctx context.Context, o *Options, dir string, mainStart float64, rep *Report) error {
	vals := []float64{mainStart}
	for i := range o.Starts - 1 {
		c, err := startChild(ctx, o, dir)
		if err != nil {
			return fmt.Errorf("bench: start-to-ready, start %d: %w", i+2, err)
		}
		vals = append(vals, c.ready.Seconds())
		c.stop()
	}
	o.progress("start to ready: %v s", vals)
	rep.add(Row{Key: "ready", Measure: fmt.Sprintf("greenlight dev: start to ready (median of %d)", len(vals)), Unit: UnitSeconds,
		Greenlight: []float64{Median(vals)}})
	return nil
}
