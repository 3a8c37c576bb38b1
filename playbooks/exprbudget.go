package playbooks

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"
)

// expr's own memory budget counts list elements (ranges, literals, sort) but
// not the bytes of strings: repeat, + and join build strings of any size, and
// nothing bounds the time a loop over a large list takes. So every program that
// runs (in a workflow, or a constant during validation) is compiled with its
// costly operations rewritten into calls that charge the resolution's budget
// first, then do what expr would have done:
//
//   - a + b is #add(budget, a, b): a string's length is charged before it is built;
//   - a .. b is #range(budget, a, b): the list is charged before it is built;
//   - a matches b is #matches(budget, a, b): the work is charged first;
//   - comparisons, in, contains, startsWith and endsWith read their operands
//     through #scan(budget, x), which charges reading x whole;
//   - a builtin such as repeat(s, n) is #call(budget, "repeat", s, n): reading
//     the arguments is charged, then what the builtin will build (known from its
//     arguments for the builtins that can build more than they read), then the
//     builtin runs;
//   - a loop builtin (map, filter, all, reduce, …) reads its list through
//     #scan, and each iteration of its body charges the size of the body.
//
// The names start with #, which expr's lexer never reads as part of a name, so
// no expression can call these functions, or reach or shadow the budget.
const (
	budgetVar = "#budget"
	fnAdd     = "#add"
	fnRange   = "#range"
	fnMatches = "#matches"
	fnScan    = "#scan"
	fnCall    = "#call"
	fnTick    = "#tick"
)

// budgetOptions are the compile options that make a program charge a budget.
func budgetOptions() []expr.Option {
	return []expr.Option{
		expr.Patch(budgetPatch{}),
		expr.Function(fnAdd, budgetAdd),
		expr.Function(fnRange, budgetRange),
		expr.Function(fnMatches, budgetMatches),
		expr.Function(fnScan, budgetScan),
		expr.Function(fnCall, budgetCall),
		expr.Function(fnTick, budgetTick),
	}
}

// budgetPatch rewrites a syntax tree as described above. ast.Walk visits
// children first, so a node's operands are rewritten before the node.
type budgetPatch struct{}

func (budgetPatch) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "+":
			ast.Patch(node, budgetCallNode(fnAdd, n.Left, n.Right))
		case "..":
			ast.Patch(node, budgetCallNode(fnRange, n.Left, n.Right))
		case "matches":
			ast.Patch(node, budgetCallNode(fnMatches, n.Left, n.Right))
		case "==", "!=", "<", ">", "<=", ">=", "in", "contains", "startsWith", "endsWith":
			n.Left = budgetCallNode(fnScan, n.Left)
			n.Right = budgetCallNode(fnScan, n.Right)
		}
	case *ast.BuiltinNode:
		if !isLoopBuiltin(n.Name) {
			args := append([]ast.Node{&ast.StringNode{Value: n.Name}}, n.Arguments...)
			ast.Patch(node, budgetCallNode(fnCall, args...))
			return
		}
		if len(n.Arguments) > 0 {
			n.Arguments[0] = budgetCallNode(fnScan, n.Arguments[0])
		}
		for _, a := range n.Arguments {
			if p, ok := a.(*ast.PredicateNode); ok {
				p.Node = budgetCallNode(fnTick, &ast.IntegerNode{Value: nodeCount(p.Node)}, p.Node)
			}
		}
	}
}

// budgetCallNode is a call of one of the functions above with the budget first.
func budgetCallNode(fn string, args ...ast.Node) ast.Node {
	return &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: fn},
		Arguments: append([]ast.Node{&ast.IdentifierNode{Value: budgetVar}}, args...),
	}
}

// isLoopBuiltin reports whether expr compiles the builtin into a loop over a
// list with a predicate body, rather than calling a function.
func isLoopBuiltin(name string) bool {
	if i, ok := builtin.Index[name]; ok {
		return builtin.Builtins[i].Predicate
	}
	return false
}

// nodeCount is the size of a predicate body: what one iteration costs.
func nodeCount(n ast.Node) int {
	c := &counter{}
	ast.Walk(&n, c)
	return max(c.n, 1)
}

type counter struct{ n int }

func (c *counter) Visit(*ast.Node) { c.n++ }

func budgetOf(args []any, want int) (*budget, error) {
	if len(args) != want {
		return nil, fmt.Errorf("expected %d arguments, got %d", want-1, len(args)-1)
	}
	b, ok := args[0].(*budget)
	if !ok || b == nil {
		// Only reachable through a program compiled for validation being run,
		// which never happens; refuse rather than run without a budget.
		return nil, errors.New("the expression has no evaluation budget")
	}
	return b, nil
}

func budgetAdd(args ...any) (any, error) {
	b, err := budgetOf(args, 3)
	if err != nil {
		return nil, err
	}
	x, y := args[1], args[2]
	if xs, ok := x.(string); ok {
		if ys, ok := y.(string); ok {
			if err := b.build(len(xs)+len(ys), "the text it builds with +"); err != nil {
				return nil, err
			}
			return xs + ys, nil
		}
	}
	if err := b.spend(1); err != nil {
		return nil, err
	}
	return runtime.Add(x, y), nil
}

func budgetRange(args ...any) (any, error) {
	b, err := budgetOf(args, 3)
	if err != nil {
		return nil, err
	}
	from, to := runtime.ToInt(args[1]), runtime.ToInt(args[2])
	n := 0
	if to >= from {
		n = to - from + 1
		if n <= 0 { // overflow
			n = MaxValueBytes
		}
	}
	if err := b.build(saturatingMul(n, elemSize), fmt.Sprintf("the range %d..%d", from, to)); err != nil {
		return nil, err
	}
	return runtime.MakeRange(from, to), nil
}

func budgetMatches(args ...any) (any, error) {
	b, err := budgetOf(args, 3)
	if err != nil {
		return nil, err
	}
	s, re := args[1], args[2]
	if runtime.IsNil(s) || runtime.IsNil(re) {
		return false, nil
	}
	text, ok1 := s.(string)
	pattern, ok2 := re.(string)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("matches needs text on both sides, not %T and %T", s, re)
	}
	// Go's regexp runs in time linear in the text for a given pattern, and in
	// the worst case proportional to text times pattern.
	if err := b.spend(len(text) + len(pattern) + saturatingMul(len(text), len(pattern))/64); err != nil {
		return nil, err
	}
	r, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	return r.MatchString(text), nil
}

func budgetScan(args ...any) (any, error) {
	b, err := budgetOf(args, 2)
	if err != nil {
		return nil, err
	}
	if err := b.scan(args[1]); err != nil {
		return nil, err
	}
	return args[1], nil
}

func budgetTick(args ...any) (any, error) {
	b, err := budgetOf(args, 3)
	if err != nil {
		return nil, err
	}
	cost, _ := args[1].(int)
	if err := b.spend(max(cost, 1)); err != nil {
		return nil, err
	}
	return args[2], nil
}

// budgetCall runs a builtin after charging for it.
func budgetCall(args ...any) (any, error) {
	if len(args) < 2 {
		return nil, errors.New("expected a builtin name")
	}
	b, err := budgetOf(args[:2], 2)
	if err != nil {
		return nil, err
	}
	name, _ := args[1].(string)
	i, ok := builtin.Index[name]
	if !ok {
		return nil, fmt.Errorf("unknown builtin %q", name)
	}
	fn, in := builtin.Builtins[i], args[2:]
	for _, a := range in {
		if err := b.scan(a); err != nil {
			return nil, err
		}
	}
	grows, err := chargeGrowth(b, name, in)
	if err != nil {
		return nil, err
	}
	var out any
	switch {
	case fn.Fast != nil:
		if len(in) != 1 {
			return nil, fmt.Errorf("%s takes 1 argument, not %d", name, len(in))
		}
		out = fn.Fast(in[0])
	case fn.Safe != nil:
		out, _, err = fn.Safe(in...)
	case fn.Func != nil:
		out, err = fn.Func(in...)
	default:
		return nil, fmt.Errorf("builtin %s cannot be called here", name)
	}
	if err != nil {
		return nil, err
	}
	if !grows {
		if err := b.build(shallowSize(out), "the value "+name+" gives"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// chargeGrowth charges, before it runs, what a builtin that can build more than
// it reads is about to build; grows reports that it did. Other builtins build
// at most about what they read, and are charged for their result afterwards.
func chargeGrowth(b *budget, name string, in []any) (grows bool, err error) {
	str := func(i int) string {
		if i < len(in) {
			s, _ := in[i].(string)
			return s
		}
		return ""
	}
	limit := b.remainingBytes()
	what := "the value " + name + " builds"
	switch name {
	case "repeat":
		n := 0
		if len(in) == 2 {
			n = max(runtime.ToInt(in[1]), 0)
		}
		return true, b.build(saturatingMul(len(str(0)), n), "the text repeat builds")
	case "join":
		need := 0
		if len(in) > 0 {
			need = valueSize(in[0], limit)
			if n := runtime.Len(in[0]); n > 1 {
				need += saturatingMul(n-1, len(str(1)))
			}
		}
		return true, b.build(need, "the text join builds")
	case "replace":
		s, old, repl := str(0), str(1), str(2)
		count := utf8.RuneCountInString(s) + 1
		if old != "" {
			count = strings.Count(s, old)
		}
		if len(in) == 4 {
			if n := runtime.ToInt(in[3]); n >= 0 {
				count = min(count, n)
			}
		}
		return true, b.build(len(s)+saturatingMul(count, max(len(repl)-len(old), 0)), "the text replace builds")
	case "toJSON":
		if len(in) > 0 {
			return true, b.build(jsonSize(in[0], limit), "the JSON toJSON writes")
		}
	case "string":
		if len(in) > 0 {
			return true, b.build(valueSize(in[0], limit), "the text string() writes")
		}
	case "concat", "flatten":
		need := 0
		for _, a := range in {
			need = min(need+valueSize(a, limit), limit)
		}
		return true, b.build(need, what)
	case "split", "splitAfter":
		s, sep := str(0), str(1)
		count := utf8.RuneCountInString(s)
		if sep != "" {
			count = strings.Count(s, sep) + 1
		}
		return true, b.build(len(s)+saturatingMul(count, elemSize), what)
	case "fromJSON":
		s := str(0)
		count := 1
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case ',', ':', '[', '{':
				count++
			}
		}
		return true, b.build(len(s)+saturatingMul(count, elemSize), what)
	}
	return false, nil
}

// shallowSize is what a builtin's result takes beyond what it shares with its
// arguments, at most.
func shallowSize(v any) int {
	switch t := v.(type) {
	case string:
		return len(t)
	case nil, bool, int, float64:
		return 0
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.String:
		return rv.Len()
	case reflect.Slice, reflect.Array, reflect.Map:
		return saturatingMul(rv.Len(), elemSize)
	}
	return 0
}

func saturatingMul(a, b int) int {
	const ceiling = 1 << 62
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > ceiling/b {
		return ceiling
	}
	return a * b
}
