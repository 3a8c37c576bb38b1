package playbooks

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Templates are strings with ${ EXPR } in them. A string that is exactly one
// ${…} takes the expression's value with its type (a list stays a list); ${…}
// inside longer text is rendered as text. Everything here is a pure function of
// its inputs, so workflow code may call it: no clock, no randomness, no map order.

// Scope is what expressions can read at one point of a run. Values are as JSON
// decodes them (numbers are float64).
type Scope struct {
	Params map[string]any
	// Steps maps the id of every step visible from here to its output: steps
	// before this one in its own sequence and in the sequences enclosing it; in
	// a parallel branch, that branch's own steps; in a repeat, this iteration's.
	Steps    map[string]map[string]any
	Campaign map[string]any // id, client, playbook, version
	// Item is the current element of a parallel for_each; HasItem says whether
	// there is one (an item may itself be null).
	Item    any
	HasItem bool
	// Iteration counts a repeat's iterations from 1; 0 outside any repeat.
	Iteration int
	// Legacy is set for a campaign started before the limits on an expression's
	// size and a for_each's branches (limits.go): its history was recorded
	// without them and must replay the same way, so those two stay as they were.
	Legacy bool
}

// Resolve returns v with every ${…} replaced. Maps and lists are copied; values
// produced by expressions have JSON's shapes (numbers are float64, lists []any,
// objects map[string]any); other values are returned as they are.
//
// All the templates in v share one evaluation budget (limits.go); a template
// that would cross it fails with a *LimitError naming the expression, the same
// way on every replay.
func Resolve(v any, s Scope) (any, error) {
	return resolve(v, s, newBudget())
}

func resolve(v any, s Scope, b *budget) (any, error) {
	switch t := v.(type) {
	case string:
		return resolveString(t, s, b)
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range slices.Sorted(maps.Keys(t)) {
			r, err := resolve(t[k], s, b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			r, err := resolve(e, s, b)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// ResolveMap is Resolve for a step's `with` or `preview` block.
func ResolveMap(m map[string]any, s Scope) (map[string]any, error) {
	if m == nil {
		return map[string]any{}, nil
	}
	r, err := Resolve(m, s)
	if err != nil {
		return nil, err
	}
	return r.(map[string]any), nil
}

func resolveString(str string, s Scope, b *budget) (any, error) {
	if !strings.Contains(str, "${") {
		return str, nil
	}
	segs, err := splitTemplate(str)
	if err != nil {
		return nil, err
	}
	if len(segs) == 1 && segs[0].isExpr {
		return evalTemplate(segs[0].text, s, b)
	}
	var out strings.Builder
	for _, seg := range segs {
		text := seg.text
		if seg.isExpr {
			val, err := evalTemplate(seg.text, s, b)
			if err != nil {
				return nil, err
			}
			// The value is within MaxValueBytes, so rendering it is too; the
			// rendered text is charged like any other string built.
			text = Text(val)
			if err := b.build(len(text), "the text ${"+seg.text+"} renders"); err != nil {
				return nil, fmt.Errorf("${%s}: %w", seg.text, err)
			}
		}
		if out.Len()+len(text) > MaxValueBytes {
			return nil, &LimitError{msg: fmt.Sprintf("the rendered text would be over %s; a template may render at most that", byteSize(MaxValueBytes))}
		}
		out.WriteString(text)
	}
	return out.String(), nil
}

func evalTemplate(src string, s Scope, b *budget) (any, error) {
	v, err := evaluate(src, s, b)
	if err != nil {
		return nil, fmt.Errorf("${%s}: %w", src, err)
	}
	return v, nil
}

// Text renders a value for interpolation into prose: lists joined with ", ",
// whole numbers without decimals.
func Text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = Text(e)
		}
		return strings.Join(parts, ", ")
	case float64:
		if t == float64(int64(t)) {
			return fmt.Sprintf("%d", int64(t))
		}
	}
	return fmt.Sprint(v)
}

// Condition evaluates a branch's `if` or a repeat's `until`, written bare or as
// one ${…}. Anything but true or false is an error.
func Condition(src string, s Scope) (bool, error) {
	e, _ := exprSource(src)
	v, err := evaluate(e, s, newBudget())
	if err != nil {
		return false, fmt.Errorf("%s: %w", e, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%s: gives %s, not true or false", e, describe(v))
	}
	return b, nil
}

// IntValue reads a repeat's max: a whole number, or an expression giving one.
func IntValue(v any, s Scope) (int, error) {
	if str, ok := v.(string); ok {
		e, _ := exprSource(str)
		r, err := evaluate(e, s, newBudget())
		if err != nil {
			return 0, fmt.Errorf("%s: %w", e, err)
		}
		n, err := wholeNumber(r)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", e, err)
		}
		return n, nil
	}
	return wholeNumber(v)
}

// wholeNumber accepts the integer shapes YAML and JSON decode into.
func wholeNumber(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		if n >= math.MinInt && n <= math.MaxInt {
			return int(n), nil
		}
	case uint64:
		if n <= math.MaxInt {
			return int(n), nil
		}
	case float64:
		if n == math.Trunc(n) && math.Abs(n) <= maxExact {
			return int(n), nil
		}
		if !math.IsInf(n, 0) && !math.IsNaN(n) && math.Abs(n) <= maxExact {
			return 0, fmt.Errorf("must be a whole number, not %v", n)
		}
	case nil:
		return 0, errors.New("is missing: give a whole number")
	default:
		return 0, fmt.Errorf("must be a whole number, not %s", describe(v))
	}
	return 0, fmt.Errorf("%v is too large", v)
}

// ListValue reads a parallel's for_each: a list (whose elements may be
// templates), or an expression giving one.
func ListValue(v any, s Scope) ([]any, error) {
	switch t := v.(type) {
	case []any:
		if len(t) > MaxForEachItems && !s.Legacy {
			return nil, tooManyItems(len(t))
		}
		r, err := Resolve(t, s)
		if err != nil {
			return nil, err
		}
		return r.([]any), nil
	case string:
		e, _ := exprSource(t)
		r, err := evaluate(e, s, newBudget())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e, err)
		}
		l, ok := r.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: gives %s, not a list", e, describe(r))
		}
		if len(l) > MaxForEachItems && !s.Legacy {
			return nil, fmt.Errorf("%s: %w", e, tooManyItems(len(l)))
		}
		return l, nil
	}
	return nil, fmt.Errorf("must be a list or an expression giving one, not %s", describe(v))
}

func tooManyItems(n int) error {
	return &LimitError{msg: fmt.Sprintf("gives %d items; a parallel for_each runs at most %d branches", n, MaxForEachItems)}
}
