package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile is the nearest-rank percentile p (0 < p <= 100) of samples: the
// smallest sample at least p% of the samples are at or below. Nearest rank
// never invents a value between two samples, so a p99 of 5 samples is their
// maximum, as it should be with so few. 0 for no samples.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// Median of values: the middle one, or the mean of the two middle ones. 0 for
// none.
func Median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Ratio is Greenlight's result relative to the raw baseline, oriented so that
// 1 is parity and below 1 means Greenlight does worse: gl/raw when higher is
// better (throughput), raw/gl when lower is better (latency, memory). 0 when
// either side is missing or zero, so a broken measure never reads as parity.
func Ratio(raw, gl float64, higherIsBetter bool) float64 {
	if raw <= 0 || gl <= 0 {
		return 0
	}
	if higherIsBetter {
		return gl / raw
	}
	return raw / gl
}

// Timing is one batch of timed operations: each operation's latency and the
// wall time of the whole batch.
type Timing struct {
	Latencies []time.Duration
	Wall      time.Duration
}

// PerSecond is the batch's throughput.
func (t Timing) PerSecond() float64 {
	if t.Wall <= 0 {
		return 0
	}
	return float64(len(t.Latencies)) / t.Wall.Seconds()
}

// ms is d in milliseconds, the unit every latency row uses.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
