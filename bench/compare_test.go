package bench

import (
	"path/filepath"
	"strings"
	"testing"
)

func reportWith(rows ...Row) *Report {
	r := &Report{}
	for _, row := range rows {
		r.add(row)
	}
	return r
}

func TestCompareFlagsOnlyRatiosThatFellPastTheTolerance(t *testing.T) {
	prev := reportWith(
		Row{Key: "launch.c1.throughput", Measure: "launch", HigherIsBetter: true, Raw: []float64{100}, Greenlight: []float64{80}}, // 0.8
		Row{Key: "launch.c1.p99", Measure: "launch p99", Raw: []float64{10}, Greenlight: []float64{20}},                           // 0.5
		Row{Key: "decision.c1.p50", Measure: "decision p50", Raw: []float64{10}, Greenlight: []float64{10}},                       // 1.0
		Row{Key: "store.inbox.p50", Measure: "inbox", Raw: []float64{1}, Greenlight: []float64{2}},                                // 0.5, gone below
		Row{Key: "waiting.rss", Measure: "rss", Greenlight: []float64{900}},                                                       // no ratio: never compared
	)
	cur := reportWith(
		// Twice as fast on both sides: a faster machine, same ratio. Not a regression.
		Row{Key: "launch.c1.throughput", Measure: "launch", HigherIsBetter: true, Raw: []float64{200}, Greenlight: []float64{160}},
		// 0.5 → 0.4: 20% worse.
		Row{Key: "launch.c1.p99", Measure: "launch p99", Raw: []float64{10}, Greenlight: []float64{25}},
		// 1.0 → 0.9: 10% worse, within 15%.
		Row{Key: "decision.c1.p50", Measure: "decision p50", Raw: []float64{9}, Greenlight: []float64{10}},
		// Absolute memory tripled: not a ratio, not compared.
		Row{Key: "waiting.rss", Measure: "rss", Greenlight: []float64{2700}},
	)
	regs, missing := Compare(prev, cur, 0.15)
	if len(regs) != 1 || regs[0].Key != "launch.c1.p99" {
		t.Fatalf("regressions %+v, want launch.c1.p99 alone", regs)
	}
	if f := regs[0].Fraction; f < 0.199 || f > 0.201 {
		t.Errorf("fraction %v, want 0.2", f)
	}
	if !strings.Contains(regs[0].String(), "0.50 → 0.40") {
		t.Errorf("regression reads %q", regs[0])
	}
	if len(missing) != 1 || missing[0] != "store.inbox.p50" {
		t.Errorf("missing %v, want store.inbox.p50", missing)
	}
	// A tighter tolerance catches the 10% too, worst first.
	regs, _ = Compare(prev, cur, 0.05)
	if len(regs) != 2 || regs[0].Key != "launch.c1.p99" || regs[1].Key != "decision.c1.p50" {
		t.Errorf("at 5%%: %+v", regs)
	}
	// A better ratio is never a regression.
	if regs, _ := Compare(cur, prev, 0.15); len(regs) != 0 {
		t.Errorf("improvements read as regressions: %+v", regs)
	}
}

func TestReportJSONRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.json")
	rep := reportWith(Row{Key: "launch.c1.p50", Measure: "p50", Unit: UnitMillis, Raw: []float64{10, 12}, Greenlight: []float64{20, 24}})
	rep.Options = Defaults()
	if err := rep.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	row, ok := got.Row("launch.c1.p50")
	if !ok || row.Ratio != 0.5 || len(row.Raw) != 2 || got.Options.N != 200 {
		t.Errorf("read back %+v", got)
	}
	if _, err := ReadJSON(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("a missing report read without error")
	}
}

func TestMarkdownHasEveryRowWithRangesAndRatios(t *testing.T) {
	rep := reportWith(
		Row{Key: "a", Measure: "launch throughput", Unit: UnitPerSecond, HigherIsBetter: true, Raw: []float64{60, 64, 62}, Greenlight: []float64{50, 47, 48}},
		Row{Key: "b", Measure: "RSS", Unit: UnitMB, Greenlight: []float64{1220}},
	)
	rep.note("store: skipped")
	var b strings.Builder
	rep.WriteMarkdown(&b)
	out := b.String()
	for _, want := range []string{
		"| measure | raw SDK (store: pgx) | Greenlight | ratio |",
		"| launch throughput | 62.0/s (60.0–64.0/s) | 48.0/s (47.0–50.0/s) | 0.77 |",
		"| RSS | — | 1220 MB | — |",
		"- store: skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateRefusesMeaninglessOptions(t *testing.T) {
	o := Defaults()
	if err := o.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mut := range map[string]func(*Options){
		"no rounds":         func(o *Options) { o.Rounds = 0 },
		"zero concurrency":  func(o *Options) { o.Concurrency = []int{1, 0} },
		"no concurrency":    func(o *Options) { o.Concurrency = nil },
		"negative waiting":  func(o *Options) { o.Waiting = -1 },
		"unknown section":   func(o *Options) { o.Only = []string{"launch", "speed"} },
		"no reads":          func(o *Options) { o.Reads = 0 },
		"no launches":       func(o *Options) { o.N = 0 },
		"no waiting launch": func(o *Options) { o.WaitingConcurrency = 0 },
	} {
		o := Defaults()
		mut(&o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
