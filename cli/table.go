package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// table writes aligned columns; every client subcommand prints through it so the
// tables look alike.
type table struct{ tw *tabwriter.Writer }

// newTable starts a table; header may be empty for key/value blocks.
func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cols ...string) {
	cells := make([]string, len(cols))
	for i, c := range cols {
		// A tab or newline inside a cell (a comment, an error) would break the columns.
		cells[i] = strings.Join(strings.Fields(c), " ")
		if cells[i] == "" {
			cells[i] = "-"
		}
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

// field writes a "Key  value" line, leaving out empty values so headers stay short.
func (t *table) field(key, value string) {
	if value != "" {
		t.row(key, value)
	}
}

func (t *table) flush() error { return t.tw.Flush() }

// shorten fits s, its whitespace collapsed as a cell shows it, in n characters,
// marking a cut with an ellipsis: for a column that would otherwise push the
// table past the terminal's width.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// timeLayout is used for absolute times: campaigns run for weeks, so the date
// matters and seconds do not.
const timeLayout = "2006-01-02 15:04 MST"

// absTime formats t in local time, or "" when unset.
func absTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Local().Format(timeLayout)
}

// relTime says how far t is from now: "in 47h", "5m ago". Hours are kept up to three
// days because approval deadlines are set in hours; beyond that days read better.
// Each unit is rounded to the nearest, never down: a deadline four hours away
// reads "in 4h" a second after it was set, not "in 3h".
func relTime(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now)
	future := d >= 0
	if !future {
		d = -d
	}
	var s string
	// A unit is chosen after rounding, so 59m45s reads "1h", not "60m".
	switch m, h := d.Round(time.Minute), d.Round(time.Hour); {
	case d < time.Minute:
		return "now"
	case m < time.Hour:
		s = fmt.Sprintf("%dm", int(m/time.Minute))
	case h < 72*time.Hour:
		s = fmt.Sprintf("%dh", int(h/time.Hour))
	default:
		s = fmt.Sprintf("%dd", int(d.Round(24*time.Hour)/(24*time.Hour)))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}
