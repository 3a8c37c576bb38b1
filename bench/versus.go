package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/greenlight/greenlight/api"
)

// side is one half of a comparison: set up (untimed), then the timed
// operation for item i, then (untimed, Greenlight only) the tail.
type side struct {
	setup func(ctx context.Context, n, c int) error
	op    func(ctx context.Context, i int) error
	tail  func(ctx context.Context) ([]time.Duration, error)
}

// comparison is a measure run on both sides.
type comparison struct {
	key   string // "launch", "decision"
	label string
	// sides builds fresh sides for one batch, so each batch has its own
	// campaigns or workflows.
	sides func() (gl, raw side)
}

func (s *stack) comparisons() []comparison {
	return []comparison{
		{key: "launch", label: "one-action campaign, launch → completed", sides: s.launchSides},
		{key: "decision", label: "decision → completed", sides: s.decisionSides},
	}
}

func (s *stack) launchSides() (gl, raw side) {
	var ids []string
	var run *glRun
	gl = side{
		setup: func(_ context.Context, n, _ int) error { run = newGLRun(n); return nil },
		op:    func(ctx context.Context, i int) error { return s.glOneAction(ctx, run, i) },
		tail:  func(ctx context.Context) ([]time.Duration, error) { return s.tail(ctx, run) },
	}
	raw = side{
		setup: func(_ context.Context, n, _ int) error { ids = s.rawIDs("launch", n); return nil },
		op:    func(ctx context.Context, i int) error { return s.rawOneAction(ctx, ids[i]) },
	}
	return gl, raw
}

func (s *stack) decisionSides() (gl, raw side) {
	var views []api.CampaignView
	var ids []string
	var run *glRun
	gl = side{
		setup: func(ctx context.Context, n, c int) (err error) {
			run = newGLRun(n)
			views, err = s.waitingCampaigns(ctx, n, max(c, 8))
			return err
		},
		op:   func(ctx context.Context, i int) error { return s.glDecide(ctx, run, views[i], i) },
		tail: func(ctx context.Context) ([]time.Duration, error) { return s.tail(ctx, run) },
	}
	raw = side{
		setup: func(ctx context.Context, n, c int) (err error) {
			ids, err = s.rawWaiting(ctx, n, max(c, 8))
			return err
		},
		op: func(ctx context.Context, i int) error { return s.rawDecide(ctx, ids[i]) },
	}
	return gl, raw
}

// batch sets a side up, times n operations at concurrency c, and then
// waits for its tail, if it has one.
func batch(ctx context.Context, sd side, n, c int) (Timing, []time.Duration, error) {
	if err := sd.setup(ctx, n, c); err != nil {
		return Timing{}, nil, err
	}
	t, err := runConcurrent(ctx, n, c, sd.op)
	if err != nil || sd.tail == nil {
		return t, nil, err
	}
	tail, err := sd.tail(ctx)
	return t, tail, err
}

// versus runs a comparison for every concurrency, rounds times, alternating
// which side goes first, after an untimed warm-up of both sides (connections,
// caches, the first workflow tasks of a fresh server), and adds throughput,
// p50 and p99 rows.
func (s *stack) versus(ctx context.Context, o *Options, cmp comparison, rep *Report) error {
	gl, raw := cmp.sides()
	warm := min(o.N, 10)
	if _, _, err := batch(ctx, gl, warm, 2); err != nil {
		return fmt.Errorf("bench: %s: warm-up, Greenlight: %w", cmp.key, err)
	}
	if _, _, err := batch(ctx, raw, warm, 2); err != nil {
		return fmt.Errorf("bench: %s: warm-up, raw SDK: %w", cmp.key, err)
	}
	for _, c := range o.Concurrency {
		var glT, rawT []Timing
		var tails []float64
		for r := range o.Rounds {
			gl, raw := cmp.sides()
			order := []string{"greenlight", "raw"}
			if r%2 == 1 {
				order = []string{"raw", "greenlight"}
			}
			for _, who := range order {
				sd := gl
				if who == "raw" {
					sd = raw
				}
				t, tail, err := batch(ctx, sd, o.N, c)
				if err != nil {
					return fmt.Errorf("bench: %s at concurrency %d, round %d, %s: %w", cmp.key, c, r+1, who, err)
				}
				if who == "raw" {
					rawT = append(rawT, t)
				} else {
					glT = append(glT, t)
					tails = append(tails, ms(Percentile(tail, 50)))
				}
				o.progress("%s c=%d round %d %s: %.1f/s p50 %.1f ms p99 %.1f ms", cmp.key, c, r+1, who,
					t.PerSecond(), ms(Percentile(t.Latencies, 50)), ms(Percentile(t.Latencies, 99)))
			}
		}
		key, label := fmt.Sprintf("%s.c%d", cmp.key, c), fmt.Sprintf("%s, %d concurrent", cmp.label, c)
		addTimingRows(rep, key, label, rawT, glT)
		rep.add(Row{Key: key + ".tail_p50", Measure: label + ": workflow closes after the API shows completed, p50", Unit: UnitMillis, Greenlight: tails})
	}
	return nil
}

// addTimingRows adds the throughput, p50 and p99 rows of a measure.
func addTimingRows(rep *Report, key, label string, raw, gl []Timing) {
	each := func(ts []Timing, f func(Timing) float64) []float64 {
		out := make([]float64, len(ts))
		for i, t := range ts {
			out[i] = f(t)
		}
		return out
	}
	p := func(q float64) func(Timing) float64 {
		return func(t Timing) float64 { return ms(Percentile(t.Latencies, q)) }
	}
	rep.add(Row{Key: key + ".throughput", Measure: label + ": throughput", Unit: UnitPerSecond, HigherIsBetter: true,
		Raw: each(raw, Timing.PerSecond), Greenlight: each(gl, Timing.PerSecond)})
	rep.add(Row{Key: key + ".p50", Measure: label + ": p50", Unit: UnitMillis, Raw: each(raw, p(50)), Greenlight: each(gl, p(50))})
	rep.add(Row{Key: key + ".p99", Measure: label + ": p99", Unit: UnitMillis, Raw: each(raw, p(99)), Greenlight: each(gl, p(99))})
}
