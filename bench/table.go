package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteMarkdown prints the report as Markdown: the machine, then one table.
func (r *Report) WriteMarkdown(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "Machine: %s, %d cores, %s, %s, %s", m.CPU, m.Cores, m.Go, m.OS, m.Date)
	if m.LoadAvg != "" {
		fmt.Fprintf(w, ", load average %s at start", m.LoadAvg)
	}
	fmt.Fprintf(w, "\n\n%d round(s), n=%d, concurrency %v, waiting=%d, rows=%d; took %s.\n",
		r.Options.Rounds, r.Options.N, r.Options.Concurrency, r.Options.Waiting, r.Options.Rows, r.Elapsed)
	fmt.Fprintf(w, "Each cell is the median over rounds (min–max); the ratio is the median of the rounds' ratios, 1 = parity, below 1 = Greenlight does worse.\n\n")
	fmt.Fprintln(w, "| measure | raw SDK (store: pgx) | Greenlight | ratio |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, row := range r.Rows {
		ratio := "—"
		if row.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f", row.Ratio)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", row.Measure, cell(row.Raw, row.Unit), cell(row.Greenlight, row.Unit), ratio)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n- %s", n)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w)
	}
}

// cell shows the median of values, with their range when rounds differ.
func cell(values []float64, unit string) string {
	if len(values) == 0 {
		return "—"
	}
	med := format(Median(values), unit)
	lo, hi := slices.Min(values), slices.Max(values)
	if len(values) == 1 || format(lo, unit) == format(hi, unit) {
		return med
	}
	// The unit once, after the range: "62.0/s (60.0–64.0/s)".
	low := strings.TrimSuffix(strings.TrimSuffix(format(lo, unit), unit), " ")
	return fmt.Sprintf("%s (%s–%s)", med, low, format(hi, unit))
}

func format(v float64, unit string) string {
	switch unit {
	case UnitPerSecond:
		return fmt.Sprintf("%.1f/s", v)
	case UnitMillis:
		if v >= 100 {
			return fmt.Sprintf("%.0f ms", v)
		}
		return fmt.Sprintf("%.1f ms", v)
	case UnitSeconds:
		return fmt.Sprintf("%.2f s", v)
	case UnitMB:
		return fmt.Sprintf("%.0f MB", v)
	}
	return fmt.Sprintf("%.0f", v)
}
