package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Sections of the benchmark, for --only.
const (
	SectionLaunch    = "launch"
	SectionDecision  = "decision"
	SectionHistories = "histories"
	SectionWaiting   = "waiting"
	SectionStore     = "store"
	SectionReady     = "ready"
)

// Sections lists every section in the order they run.
var Sections = []string{SectionLaunch, SectionDecision, SectionHistories, SectionWaiting, SectionStore, SectionReady}

// Options are the benchmark's knobs; Defaults gives the documented ones.
type Options struct {
	Rounds             int      `json:"rounds"`
	N                  int      `json:"n"`
	Concurrency        []int    `json:"concurrency"`
	Waiting            int      `json:"waiting"`
	WaitingConcurrency int      `json:"waiting_concurrency"`
	Rows               int      `json:"rows"`
	Reads              int      `json:"reads"`
	Starts             int      `json:"starts"`
	Weeks              int      `json:"weeks,omitempty"`
	Only               []string `json:"only,omitempty"`

	// DatabaseURL is the PostgreSQL the store measure uses; empty skips it.
	DatabaseURL string `json:"-"`
	// Exe is the greenlight binary to run as `dev`; Env is added to its
	// environment (the test binary needs GREENLIGHT_TEST_MAIN=1).
	Exe string   `json:"-"`
	Env []string `json:"-"`
	// Progress receives a line per finished batch; nil for none.
	Progress io.Writer `json:"-"`
}

// Defaults are the documented defaults of `greenlight bench`.
func Defaults() Options {
	return Options{Rounds: 3, N: 200, Concurrency: []int{1, 20}, Waiting: 10000, WaitingConcurrency: 20,
		Rows: 100000, Reads: 300, Starts: 3}
}

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "bench: "+format+"\n", args...)
	}
}

// Validate refuses options that cannot measure anything meaningful.
func (o *Options) Validate() error {
	var errs []error
	if o.Rounds < 1 {
		errs = append(errs, fmt.Errorf("--rounds %d: want at least 1", o.Rounds))
	}
	if o.N < 1 {
		errs = append(errs, fmt.Errorf("--n %d: want at least 1", o.N))
	}
	if len(o.Concurrency) == 0 {
		errs = append(errs, errors.New("--concurrency: want at least one level"))
	}
	for _, c := range o.Concurrency {
		if c < 1 {
			errs = append(errs, fmt.Errorf("--concurrency %d: want at least 1", c))
		}
	}
	if o.Waiting < 0 || o.Rows < 0 {
		errs = append(errs, errors.New("--waiting and --rows: want 0 (skip) or more"))
	}
	if o.WaitingConcurrency < 1 || o.Reads < 1 || o.Starts < 1 {
		errs = append(errs, errors.New("--waiting-concurrency, --reads and --starts: want at least 1"))
	}
	for _, s := range o.Only {
		if !slices.Contains(Sections, s) {
			errs = append(errs, fmt.Errorf("--only %q: sections are %s", s, strings.Join(Sections, ", ")))
		}
	}
	return errors.Join(errs...)
}

func (o *Options) runs(section string) bool {
	return len(o.Only) == 0 || slices.Contains(o.Only, section)
}

// Run runs the benchmark and returns its report. An error means a measure
// failed (an operation errored, the dev stack did not start): a partial table
// would be misleading, so none is returned.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("bench: find the greenlight binary: %w", err)
		}
		o.Exe = exe
	}
	start := time.Now()
	rep := &Report{Machine: thisMachine(), Options: o}
	dir, err := os.MkdirTemp("", "greenlight-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)

	needStack := o.runs(SectionLaunch) || o.runs(SectionDecision) || o.runs(SectionHistories) ||
		(o.runs(SectionWaiting) && o.Waiting > 0) || o.runs(SectionReady)
	if needStack {
		mainReady, err := runOnStack(ctx, &o, dir, rep)
		if err != nil {
			return nil, err
		}
		// After the main stack stopped, so that its waiting campaigns do not
		// slow the other starts; its own start counts as one.
		if o.runs(SectionReady) {
			if err := startToReady(ctx, &o, dir, mainReady, rep); err != nil {
				return nil, err
			}
		}
	}
	if o.runs(SectionStore) {
		switch {
		case o.Rows == 0:
			rep.note("store: skipped (--rows 0)")
		case o.DatabaseURL == "":
			rep.note("store: skipped, it needs PostgreSQL: set DATABASE_URL")
		default:
			if err := storeMeasure(ctx, &o, rep); err != nil {
				return nil, err
			}
		}
	}
	rep.Elapsed = since(start)
	return rep, nil
}

// runOnStack runs every section that needs a dev stack on one child, and
// returns the seconds that child took to be ready.
func runOnStack(ctx context.Context, o *Options, dir string, rep *Report) (float64, error) {
	c, err := startChild(ctx, o, dir)
	if err != nil {
		return 0, err
	}
	defer c.stop()
	o.progress("greenlight dev ready in %s (pid %d, api %s, temporal %s)", c.ready.Round(time.Millisecond), c.cmd.Process.Pid, c.api, c.temporal)
	tc, err := dialTemporal(ctx, c.temporal)
	if err != nil {
		return 0, err
	}
	defer tc.Close()
	stopWorker, err := startRawWorker(tc)
	if err != nil {
		return 0, err
	}
	defer stopWorker()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	s := &stack{child: c, api: newAPIClient(c.api, c.token), tc: tc}
	s.watch = startWatcher(wctx, s.api)
	if err := s.register(ctx); err != nil {
		return 0, err
	}
	for _, cmp := range s.comparisons() {
		if o.runs(cmp.key) {
			if err := s.versus(ctx, o, cmp, rep); err != nil {
				return 0, err
			}
		}
	}
	if o.runs(SectionHistories) {
		if err := s.histories(ctx, o, rep); err != nil {
			return 0, err
		}
	}
	if o.runs(SectionWaiting) {
		if o.Waiting == 0 {
			rep.note("waiting: skipped (--waiting 0)")
		} else if err := s.waiting(ctx, o, rep); err != nil {
			return 0, err
		}
	}
	return c.ready.Seconds(), nil
}
