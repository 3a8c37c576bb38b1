package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Units of a row's values.
const (
	UnitPerSecond = "/s"
	UnitMillis    = "ms"
	UnitSeconds   = "s"
	UnitMB        = "MB"
	UnitCount     = ""
)

// Row is one line of the table: a measure with one value per round on each
// side. Raw is empty for measures without a raw baseline (memory at N waiting
// campaigns, history sizes); those have no ratio.
type Row struct {
	Key            string    `json:"key"`     // stable identifier, what --compare matches on
	Measure        string    `json:"measure"` // what the table shows
	Unit           string    `json:"unit"`
	HigherIsBetter bool      `json:"higher_is_better"`
	Raw            []float64 `json:"raw,omitempty"`
	Greenlight     []float64 `json:"greenlight"`
	// Ratio is the median over rounds of each round's Ratio, 0 without a
	// baseline: a round compares two runs made back to back, so its ratio
	// shrugs off what slows the whole machine between rounds.
	Ratio float64 `json:"ratio,omitempty"`
}

// Report is one run of the benchmark.
type Report struct {
	Machine Machine  `json:"machine"`
	Options Options  `json:"options"`
	Rows    []Row    `json:"rows"`
	Notes   []string `json:"notes,omitempty"` // what was skipped, and why
	Elapsed string   `json:"elapsed"`
}

// add appends a row and computes its ratio from rounds paired by index.
func (r *Report) add(row Row) {
	if len(row.Raw) > 0 {
		var ratios []float64
		for i := range min(len(row.Raw), len(row.Greenlight)) {
			ratios = append(ratios, Ratio(row.Raw[i], row.Greenlight[i], row.HigherIsBetter))
		}
		row.Ratio = Median(ratios)
	}
	r.Rows = append(r.Rows, row)
}

// note records why something was not measured.
func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Row returns the row with key, if there is one.
func (r *Report) Row(key string) (Row, bool) {
	for _, row := range r.Rows {
		if row.Key == key {
			return row, true
		}
	}
	return Row{}, false
}

// WriteJSON writes the report to path, for a later --compare.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: encode report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: write report: %w", err)
	}
	return nil
}

// ReadJSON reads a report WriteJSON wrote.
func ReadJSON(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: read report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("bench: report %s: %w", path, err)
	}
	return &r, nil
}

// since formats an elapsed time for the report.
func since(start time.Time) string { return time.Since(start).Round(time.Second).String() }
