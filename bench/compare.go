package bench

import (
	"fmt"
	"slices"
)

// Regression is a ratio that fell by more than the tolerance.
type Regression struct {
	Key      string
	Measure  string
	Before   float64
	After    float64
	Fraction float64 // how much it fell: 0.2 is 20% worse
}

func (g Regression) String() string {
	return fmt.Sprintf("%s: ratio %.2f → %.2f (%.0f%% worse)", g.Measure, g.Before, g.After, g.Fraction*100)
}

// Compare checks cur's ratios against prev's: only ratios, because both sides
// of a ratio ran on the same machine in the same round, while absolute numbers
// change with the machine. A row is compared when both reports have a ratio
// for its key; missing lists the keys prev had a ratio for and cur did not
// measure, so a check never passes by measuring less unnoticed.
func Compare(prev, cur *Report, tolerance float64) (regressions []Regression, missing []string) {
	for _, p := range prev.Rows {
		if p.Ratio <= 0 {
			continue
		}
		c, ok := cur.Row(p.Key)
		if !ok || c.Ratio <= 0 {
			missing = append(missing, p.Key)
			continue
		}
		if fell := 1 - c.Ratio/p.Ratio; fell > tolerance {
			regressions = append(regressions, Regression{Key: p.Key, Measure: c.Measure, Before: p.Ratio, After: c.Ratio, Fraction: fell})
		}
	}
	slices.SortFunc(regressions, func(a, b Regression) int {
		switch {
		case a.Fraction > b.Fraction:
			return -1
		case a.Fraction < b.Fraction:
			return 1
		}
		return 0
	})
	return regressions, missing
}
