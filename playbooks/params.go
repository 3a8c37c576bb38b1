package playbooks

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/greenlight/greenlight/guardrails/competitors"
)

// BindParams checks launch parameters against the playbook's declarations and
// returns the full set with defaults filled in. Values are normalised to JSON's
// shapes (int → float64 whole number, duration → its string, list → []any) so the
// workflow sees the same values whether they came from a request or a default.
// A returned error is an *InvalidError naming each bad field. Parameters are
// bounded (MaxParamsBytes), and every expression that reads only parameters is
// run with them (preflight), so a launch whose parameters would make one cross
// an evaluation limit is refused rather than failing in the worker.
func BindParams(pb *Playbook, given map[string]any) (map[string]any, error) {
	out := map[string]any{}
	var probs []Problem
	declared := map[string]bool{}
	for _, p := range pb.Params {
		declared[p.Name] = true
		raw, ok := given[p.Name]
		if !ok || raw == nil {
			switch {
			case p.Default != nil:
				raw = p.Default
			case p.Required:
				probs = append(probs, Problem{Field: "params." + p.Name, Message: fmt.Sprintf("is required (%s)", p.Type)})
				continue
			default:
				continue
			}
		}
		v, err := coerce(p.Type, raw)
		if err != nil {
			probs = append(probs, Problem{Field: "params." + p.Name, Message: err.Error()})
			continue
		}
		if p.Name == pb.Guardrails.CompetitorsParam {
			if ps := competitorProblems("params."+p.Name, v); len(ps) > 0 {
				probs = append(probs, ps...)
				continue
			}
		}
		out[p.Name] = v
	}
	for _, k := range slices.Sorted(maps.Keys(given)) {
		if !declared[k] {
			probs = append(probs, Problem{Field: "params." + k, Message: fmt.Sprintf("playbook %s v%d declares no parameter %q", pb.Name, pb.Version, k)})
		}
	}
	if len(probs) > 0 {
		return nil, &InvalidError{What: "params", Problems: probs}
	}
	// Parameters are copied into the workflow's input and into every
	// expression that reads them, for the life of the campaign.
	if n := valueSize(out, MaxParamsBytes); n > MaxParamsBytes {
		return nil, &InvalidError{What: "params", Problems: []Problem{{Field: "params", Message: fmt.Sprintf("take more than %s together; the limit is %s", byteSize(MaxParamsBytes), byteSize(MaxParamsBytes))}}}
	}
	if probs := preflight(pb, out); len(probs) > 0 {
		return nil, &InvalidError{What: "params", Problems: probs}
	}
	return out, nil
}

// coerce converts v to the normal form of type t, or says why it cannot.
func coerce(t string, v any) (any, error) {
	switch t {
	case TypeString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("must be a string, not %s", describe(v))
	case TypeInt:
		switch n := v.(type) {
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		case uint64:
			return float64(n), nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				return n, nil
			}
			return nil, fmt.Errorf("must be a whole number, not %v", n)
		case string:
			if i, err := strconv.ParseInt(n, 10, 64); err == nil {
				return float64(i), nil
			}
		}
		return nil, fmt.Errorf("must be a whole number, not %s", describe(v))
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("must be true or false, not %s", describe(v))
	case TypeDuration:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be a duration such as 48h or 7d, not %s", describe(v))
		}
		d, err := ParseDuration(s)
		if err != nil {
			return nil, err
		}
		return d.String(), nil
	case TypeList:
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("must be a list, not %s", describe(v))
		}
		return l, nil
	}
	return nil, fmt.Errorf("unknown type %q", t)
}

func describe(v any) string { return competitors.Describe(v) }
