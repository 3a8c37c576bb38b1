package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/greenlight/greenlight/bench"
	"github.com/greenlight/greenlight/cli"
	"github.com/greenlight/greenlight/store/storetest"
)

// benchPostgres is the PostgreSQL the smoke run's store measure uses: the
// test server, or "" when it is unreachable outside CI, where the store
// measure must then say it was skipped.
func benchPostgres(t *testing.T) string {
	t.Helper()
	u := storetest.PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: PostgreSQL is mandatory: %v", err)
		}
		t.Logf("PostgreSQL unavailable (%v): the smoke run checks that the store measure says it skipped", err)
		return ""
	}
	_ = conn.Close(ctx)
	return u
}

// runBench runs `greenlight bench args…` as a user would, this test binary
// being greenlight for the dev process it starts.
func runBench(t *testing.T, databaseURL string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("GREENLIGHT_TEST_MAIN", "1")
	t.Setenv("DATABASE_URL", databaseURL)
	var out, errOut bytes.Buffer
	code = cli.Execute(context.Background(), append([]string{"bench"}, args...), &out, &errOut, local())
	return code, out.String(), errOut.String()
}

// TestBenchSmoke is the benchmark at toy sizes, in the default test run: every
// section runs against a real dev process and a real PostgreSQL, and the table
// and the JSON have every row with sane values. Its numbers mean nothing.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts greenlight dev twice")
	}
	pg := benchPostgres(t)
	jsonFile := filepath.Join(t.TempDir(), "bench.json")
	const rounds, n, waiting, reads = 2, 5, 20, 20
	code, out, errOut := runBench(t, pg, "--rounds", fmt.Sprint(rounds), "--n", fmt.Sprint(n), "--concurrency", "1,2",
		"--waiting", fmt.Sprint(waiting), "--rows", "200", "--reads", fmt.Sprint(reads), "--starts", "2", "--weeks", "1", "--json", jsonFile)
	if code != 0 {
		t.Fatalf("greenlight bench: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("smoke run (toy sizes, numbers meaningless):\n%s", out)
	var rep bench.Report
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Machine.Cores < 1 || rep.Machine.Go == "" || rep.Options.N != n || rep.Options.Rounds != rounds {
		t.Errorf("machine or options: %+v %+v", rep.Machine, rep.Options)
	}
	if !strings.Contains(out, "| measure | raw SDK (store: pgx) | Greenlight | ratio |") {
		t.Errorf("no table header:\n%s", out)
	}

	compared := []string{}
	for _, m := range []string{"launch", "decision"} {
		for _, c := range []int{1, 2} {
			for _, v := range []string{"throughput", "p50", "p99"} {
				compared = append(compared, fmt.Sprintf("%s.c%d.%s", m, c, v))
			}
		}
	}
	if pg != "" {
		for _, q := range []string{"store.campaigns", "store.campaigns_client", "store.inbox"} {
			compared = append(compared, q+".p50", q+".p99")
		}
	} else if !strings.Contains(out, "store: skipped, it needs PostgreSQL") {
		t.Errorf("without PostgreSQL the table does not say the store measure was skipped:\n%s", out)
	}
	for _, key := range compared {
		row, ok := rep.Row(key)
		if !ok {
			t.Errorf("no row %s", key)
			continue
		}
		// One value per round on each side, all measured, and a ratio: 1 is
		// parity, so a ratio far outside (0.001, 1000) is a broken measure.
		if len(row.Raw) != rounds || len(row.Greenlight) != rounds || row.Ratio <= 0.001 || row.Ratio >= 1000 {
			t.Errorf("row %s: %+v", key, row)
		}
		for _, v := range append(row.Raw, row.Greenlight...) {
			if v <= 0 {
				t.Errorf("row %s has a value %v", key, v)
			}
		}
		if !strings.Contains(out, "| "+row.Measure+" |") {
			t.Errorf("the table lacks %q", row.Measure)
		}
	}
	// A p99 is never below its p50.
	for _, m := range []string{"launch.c1", "launch.c2", "decision.c1", "decision.c2"} {
		p50, _ := rep.Row(m + ".p50")
		p99, _ := rep.Row(m + ".p99")
		for i := range p50.Greenlight {
			if p99.Greenlight[i] < p50.Greenlight[i] || p99.Raw[i] < p50.Raw[i] {
				t.Errorf("%s round %d: p99 below p50: %+v %+v", m, i, p50, p99)
			}
		}
	}

	greenlightOnly := []string{"launch.c1.tail_p50", "decision.c2.tail_p50",
		"waiting.launch", "waiting.all_waiting", "waiting.rss", "waiting.heap", "waiting.goroutines",
		"waiting.inbox.p50", "waiting.inbox.p99", "waiting.report.p50", "waiting.report.p99",
		"waiting.after_reads.rss", "waiting.after_reads.heap", "waiting.after_reads.goroutines", "ready",
		"history.reputation-repair", "history.audience-expansion", "history.crisis-triage"}
	for _, key := range greenlightOnly {
		row, ok := rep.Row(key)
		if !ok {
			t.Errorf("no row %s", key)
			continue
		}
		if len(row.Greenlight) == 0 || row.Greenlight[0] <= 0 || row.Ratio != 0 {
			t.Errorf("row %s: %+v", key, row)
		}
		if !strings.Contains(out, "| "+row.Measure+" |") {
			t.Errorf("the table lacks %q", row.Measure)
		}
	}
	// Memory in sane bounds for a dev stack with a few campaigns: more than
	// the Go runtime alone, less than any machine running this test has.
	if rss, _ := rep.Row("waiting.rss"); rss.Greenlight[0] < 20 || rss.Greenlight[0] > 8000 {
		t.Errorf("RSS %v MB", rss.Greenlight)
	}
	// The waiting campaigns are really waiting: each holds at least a few
	// goroutines in the worker's cache, and the child runs many more than that.
	if g, _ := rep.Row("waiting.goroutines"); g.Greenlight[0] < waiting {
		t.Errorf("goroutines %v with %d waiting campaigns", g.Greenlight, waiting)
	}
	// The decision campaign runs past an approval, so its history is larger
	// than nothing; a whole built-in run has tens of events at least.
	for _, key := range []string{"history.reputation-repair", "history.audience-expansion", "history.crisis-triage"} {
		if h, _ := rep.Row(key); h.Greenlight[0] < 20 {
			t.Errorf("%s: %v events", key, h.Greenlight)
		}
	}
	if ready, _ := rep.Row("ready"); ready.Greenlight[0] > 180 {
		t.Errorf("start to ready %v s", ready.Greenlight)
	}
	if len(rep.Rows) != len(compared)+len(greenlightOnly)+2 { // +2: launch.c2 and decision.c1 tails
		t.Errorf("%d rows, want %d: a row nobody checks", len(rep.Rows), len(compared)+len(greenlightOnly)+2)
	}

	t.Run("compare passes after a worse run and fails after a better one", func(t *testing.T) {
		if pg == "" {
			t.Skip("needs PostgreSQL: the store measure is the one fast enough to run twice")
		}
		// An earlier run 1000 times worse: nothing regressed, however noisy
		// this store-only run of toy size is.
		prev := filepath.Join(t.TempDir(), "prev.json")
		earlier := rep
		earlier.Rows = nil
		for _, row := range rep.Rows {
			if strings.HasPrefix(row.Key, "store.") {
				row.Ratio /= 1000
				earlier.Rows = append(earlier.Rows, row)
			}
		}
		if err := earlier.WriteJSON(prev); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runBench(t, pg, "--only", "store", "--rows", "200", "--reads", "20", "--rounds", "1", "--compare", prev)
		if code != 0 || !strings.Contains(out, "no ratio regressed") {
			t.Fatalf("after a worse run: exit %d\n%s\n%s", code, out, errOut)
		}
		// An earlier run 1000 times better: every ratio regressed.
		for i := range earlier.Rows {
			earlier.Rows[i].Ratio *= 1000 * 1000
		}
		if err := earlier.WriteJSON(prev); err != nil {
			t.Fatal(err)
		}
		code, out, errOut = runBench(t, pg, "--only", "store", "--rows", "200", "--reads", "20", "--rounds", "1", "--compare", prev)
		if code != 1 || !strings.Contains(out, "6 ratio(s) regressed") {
			t.Fatalf("regressed run: exit %d, want 1\n%s\n%s", code, out, errOut)
		}
	})
}

// TestBenchRefusesMeaninglessFlags checks the usage errors exit 2 before
// anything starts.
func TestBenchRefusesMeaninglessFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--only", "launch,speed"},
		{"--concurrency", "0"},
		{"--rounds", "0"},
		{"--tolerance", "1.5"},
	} {
		code, out, errOut := runBench(t, "", args...)
		if code != 2 {
			t.Errorf("bench %v: exit %d, want 2\n%s%s", args, code, out, errOut)
		}
	}
	code, _, errOut := runBench(t, "", "--only", "store", "--compare", filepath.Join(t.TempDir(), "none.json"))
	if code != 1 || !strings.Contains(errOut, "none.json") {
		t.Errorf("a missing --compare file: exit %d, want 1: %s", code, errOut)
	}
}
