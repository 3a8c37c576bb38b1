package bench

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		// Shuffled order: the percentile must sort, and not disturb the caller's slice.
		hundred[i] = time.Duration((i*37)%100+1) * time.Millisecond
	}
	first := hundred[0]
	cases := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"p50 of an odd count is the middle", ms(5, 1, 3), 50, 3 * time.Millisecond},
		{"p50 of an even count is the lower middle", ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{"p99 of five is the largest", ms(1, 2, 3, 4, 50), 99, 50 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p100 is the largest", hundred, 100, 100 * time.Millisecond},
	}
	for _, c := range cases {
		if got := Percentile(c.samples, c.p); got != c.want {
			t.Errorf("%s: Percentile(p%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
	if hundred[0] != first {
		t.Error("Percentile sorted the caller's samples in place")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestRatioIsOneAtParityAndBelowOneWhenGreenlightDoesWorse(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if got := Ratio(100, 50, true); !near(got, 0.5) {
		t.Errorf("throughput half of raw: ratio %v, want 0.5", got)
	}
	if got := Ratio(10, 20, false); !near(got, 0.5) {
		t.Errorf("latency twice raw: ratio %v, want 0.5", got)
	}
	if got := Ratio(10, 10, false); !near(got, 1) {
		t.Errorf("parity: ratio %v, want 1", got)
	}
	if got := Ratio(10, 5, false); !near(got, 2) {
		t.Errorf("latency half of raw: ratio %v, want 2", got)
	}
	for _, c := range [][2]float64{{0, 5}, {5, 0}, {-1, 5}} {
		if got := Ratio(c[0], c[1], true); got != 0 {
			t.Errorf("Ratio(%v, %v) = %v, want 0: a missing side is no ratio", c[0], c[1], got)
		}
	}
}

func TestRowRatioIsTheMedianOfEachRoundsRatio(t *testing.T) {
	var rep Report
	// Round 2 is slow on both sides (a busy machine): its ratio is still 0.5.
	rep.add(Row{Key: "k", Unit: UnitPerSecond, HigherIsBetter: true,
		Raw: []float64{100, 20, 110}, Greenlight: []float64{50, 10, 44}})
	row, ok := rep.Row("k")
	if !ok {
		t.Fatal("row not added")
	}
	if math.Abs(row.Ratio-0.5) > 1e-9 {
		t.Errorf("ratio %v, want the median of 0.5, 0.5, 0.4 = 0.5", row.Ratio)
	}
	rep.add(Row{Key: "memory", Unit: UnitMB, Greenlight: []float64{900}})
	if row, _ := rep.Row("memory"); row.Ratio != 0 {
		t.Errorf("a row without a baseline has ratio %v, want none", row.Ratio)
	}
}

func TestTimingPerSecond(t *testing.T) {
	tm := Timing{Latencies: make([]time.Duration, 50), Wall: 2 * time.Second}
	if got := tm.PerSecond(); got != 25 {
		t.Errorf("50 in 2 s: %v/s, want 25", got)
	}
	if got := (Timing{}).PerSecond(); got != 0 {
		t.Errorf("empty timing: %v/s, want 0", got)
	}
}

func TestScrapeGaugesReadsUnlabelledSamples(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 1234
go_memstats_heap_alloc_bytes 1.048576e+08
go_gc_duration_seconds{quantile="0.5"} 0.001
greenlight_http_requests_total{route="/v1/campaigns"} 7
`
	got := scrapeGauges(strings.NewReader(text), "go_goroutines", "go_memstats_heap_alloc_bytes", "go_gc_duration_seconds")
	if got["go_goroutines"] != 1234 || got["go_memstats_heap_alloc_bytes"] != 104857600 {
		t.Errorf("scraped %v", got)
	}
	if _, ok := got["go_gc_duration_seconds"]; ok {
		t.Error("a labelled sample was read as the metric's value")
	}
}
