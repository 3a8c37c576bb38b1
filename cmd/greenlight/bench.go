package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/bench"
	"github.com/greenlight/greenlight/cli"
)

// newBenchCmd is `greenlight bench`: Greenlight against the raw Temporal SDK on
// its own dev stack, as a Markdown table (docs/benchmarks.md).
func newBenchCmd(stdout io.Writer) *cobra.Command {
	o := bench.Defaults()
	var only, jsonFile, compareFile string
	tolerance := 0.15
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Greenlight against the raw Temporal SDK on a dev stack of its own",
		Long: `Start a greenlight dev of its own (this binary, on free ports, in a temporary
folder) and print, as a Markdown table: launch and decision throughput and
latency against a raw SDK worker on the same embedded server, in alternating
rounds, with ratios; memory, inbox and report latency with N waiting campaigns;
the campaign list and inbox on PostgreSQL through the store against pgx
(DATABASE_URL, else skipped); start-to-ready; the history size of each
built-in playbook over a whole run. --compare checks the ratios against an
earlier --json and exits 1 when one fell by more than --tolerance.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if only != "" {
				o.Only = strings.Split(only, ",")
			}
			if tolerance < 0 || tolerance >= 1 {
				return cli.UsageError(fmt.Errorf("--tolerance %v: want a fraction in [0, 1), e.g. 0.15", tolerance))
			}
			if err := o.Validate(); err != nil {
				return cli.UsageError(err)
			}
			var prev *bench.Report
			if compareFile != "" {
				// Read first: a typo should not cost a whole run.
				var err error
				if prev, err = bench.ReadJSON(compareFile); err != nil {
					return err
				}
			}
			o.DatabaseURL = os.Getenv("DATABASE_URL")
			o.Progress = cmd.ErrOrStderr()
			rep, err := bench.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			rep.WriteMarkdown(stdout)
			if jsonFile != "" {
				if err := rep.WriteJSON(jsonFile); err != nil {
					return err
				}
			}
			if prev == nil {
				return nil
			}
			regressions, missing := bench.Compare(prev, rep, tolerance)
			fmt.Fprintf(stdout, "\nCompared with %s (tolerance %.0f%%): ", compareFile, tolerance*100)
			if len(regressions) == 0 {
				fmt.Fprintln(stdout, "no ratio regressed.")
			} else {
				fmt.Fprintf(stdout, "%d ratio(s) regressed:\n", len(regressions))
				for _, g := range regressions {
					fmt.Fprintf(stdout, "- %s\n", g)
				}
			}
			if len(missing) > 0 {
				fmt.Fprintf(stdout, "Not measured this time, so not compared: %s\n", strings.Join(missing, ", "))
			}
			if len(regressions) > 0 {
				return errors.New("bench: ratios regressed")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Rounds, "rounds", o.Rounds, "rounds of each comparison, alternating which side goes first")
	f.IntVar(&o.N, "n", o.N, "launches and decisions per batch")
	f.IntSliceVar(&o.Concurrency, "concurrency", o.Concurrency, "concurrency levels of the launch and decision measures")
	f.IntVar(&o.Waiting, "waiting", o.Waiting, "campaigns left waiting on approval for the memory and read measures; 0 skips them")
	f.IntVar(&o.WaitingConcurrency, "waiting-concurrency", o.WaitingConcurrency, "launches in flight while filling the waiting campaigns")
	f.IntVar(&o.Rows, "rows", o.Rows, "campaigns and approvals in the PostgreSQL store measure (needs DATABASE_URL); 0 skips it")
	f.IntVar(&o.Reads, "reads", o.Reads, "reads per read measure (inbox, report, store queries)")
	f.IntVar(&o.Starts, "starts", o.Starts, "dev starts whose start-to-ready is the median")
	f.IntVar(&o.Weeks, "weeks", 0, "max_weeks of the weekly built-ins in the history measure; 0 keeps their default")
	f.StringVar(&only, "only", "", "comma-separated sections to run: "+strings.Join(bench.Sections, ", ")+" (default all)")
	f.StringVar(&jsonFile, "json", "", "also write the results as JSON to this file, for a later --compare")
	f.StringVar(&compareFile, "compare", "", "compare the ratios with this earlier --json and exit 1 if one fell by more than --tolerance")
	f.Float64Var(&tolerance, "tolerance", tolerance, "how much a ratio may fall before --compare fails, as a fraction")
	return cmd
}
