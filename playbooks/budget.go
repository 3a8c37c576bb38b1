package playbooks

import (
	"errors"
	"fmt"
	"reflect"
)

// budget is what one resolution may still spend (see MaxEvalBytes and
// MaxEvalOps). It counts sizes and operations only, so an evaluation that
// runs out does so at the same point on every replay. The first limit crossed
// sticks: an expression cannot catch the error and carry on.
type budget struct {
	bytes int // bytes built so far
	ops   int // operations spent so far
	err   *LimitError
}

func newBudget() *budget { return &budget{} }

// LimitError says an expression, or a playbook, asked for more than a limit in
// limits.go allows. It is deterministic: the same input crosses the same limit.
type LimitError struct{ msg string }

func (e *LimitError) Error() string { return e.msg }

// IsLimit reports whether err is, or wraps, a *LimitError.
func IsLimit(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}

func (b *budget) fail(format string, a ...any) error {
	if b.err == nil {
		b.err = &LimitError{msg: fmt.Sprintf(format, a...)}
	}
	return b.err
}

// spend charges n operations.
func (b *budget) spend(n int) error {
	if b.err != nil {
		return b.err
	}
	b.ops += n
	if b.ops > MaxEvalOps {
		return b.fail("the expression needs more than %d operations; simplify it or the data it reads", MaxEvalOps)
	}
	return nil
}

// build charges a value of n bytes that is about to be built, before it is.
func (b *budget) build(n int, what string) error {
	if b.err != nil {
		return b.err
	}
	if n > MaxValueBytes {
		// n is only known to be past the limit: the size walk stops there, at
		// an entry that depends on map order, so the message quotes the limit.
		return b.fail("%s would be more than %s; a value may be at most %s", what, byteSize(MaxValueBytes), byteSize(MaxValueBytes))
	}
	b.bytes += n
	if b.bytes > MaxEvalBytes {
		return b.fail("the expressions here build more than %s together", byteSize(MaxEvalBytes))
	}
	return nil
}

// scan charges the operations of reading v whole (comparing, searching,
// copying it) and returns them; it stops counting where the budget would end.
func (b *budget) scan(v any) error {
	if b.err != nil {
		return b.err
	}
	return b.spend(valueSize(v, MaxEvalOps-b.ops+1))
}

// remainingBytes is how much one more value may take.
func (b *budget) remainingBytes() int {
	return min(MaxValueBytes, MaxEvalBytes-b.bytes) + 1
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Sizes of values, in bytes, about what they take in memory: every element
// costs a word pair (an interface), a string its length on top. A list that
// holds the same big string a thousand times is a thousand strings here, as
// it is when it is rendered, compared or sent to an activity.
const (
	elemSize = 16
	keySize  = 16
)

// valueSize is v's size, counted up to limit: the walk stops at limit and
// returns more than it, so measuring costs at most limit steps whatever v is
// (lists that hold themselves, or each other many times over, included).
func valueSize(v any, limit int) int {
	m := measurer{limit: limit}
	m.add(v, 0)
	return m.size
}

// jsonSize is valueSize plus the indentation toJSON writes: two spaces per
// level in front of every element.
func jsonSize(v any, limit int) int {
	m := measurer{limit: limit, indent: true}
	m.add(v, 0)
	return m.size
}

type measurer struct {
	limit, size int
	indent      bool
}

func (m *measurer) full() bool { return m.size > m.limit }

func (m *measurer) add(v any, depth int) {
	if m.full() {
		return
	}
	m.size += elemSize
	if m.indent {
		m.size += 2 * depth
	}
	switch t := v.(type) {
	case nil, bool, int, int64, float64:
	case string:
		m.size += len(t)
	case []any:
		for _, e := range t {
			if m.full() {
				return
			}
			m.add(e, depth+1)
		}
	case map[string]any:
		// determinism:ok: a sum, the same in any order up to limit. Past limit
		// the walk stops at whichever entry crossed it: the size returned is
		// over limit in every order, which is all build reports.
		for k, e := range t {
			if m.full() {
				return
			}
			m.size += keySize + len(k)
			m.add(e, depth+1)
		}
	case []int:
		m.size += elemSize * len(t)
	case []float64:
		m.size += elemSize * len(t)
	case []string:
		for _, s := range t {
			m.size += elemSize + len(s)
			if m.full() {
				return
			}
		}
	default:
		m.reflected(reflect.ValueOf(v), depth)
	}
}

// reflected measures the other shapes expr builtins give (groupBy's map,
// typed slices).
func (m *measurer) reflected(rv reflect.Value, depth int) {
	switch rv.Kind() {
	case reflect.String:
		m.size += rv.Len()
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len() && !m.full(); i++ {
			m.add(rv.Index(i).Interface(), depth+1)
		}
	case reflect.Map:
		// determinism:ok: a sum, as for map[string]any in add.
		iter := rv.MapRange()
		for iter.Next() && !m.full() {
			m.size += keySize
			m.add(iter.Key().Interface(), depth+1)
			m.add(iter.Value().Interface(), depth+1)
		}
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			m.add(rv.Elem().Interface(), depth)
		}
	}
}
