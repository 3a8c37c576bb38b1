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
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 72*time.Hour:
		s = fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		s = fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}
