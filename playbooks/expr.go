package playbooks

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// Expressions are github.com/expr-lang/expr source. They appear inside strings as
// ${ EXPR } templates, or bare (or as one ${…}) in conditions, repeat.max and
// parallel.for_each. Everything here is a pure function of its inputs: workflow
// code evaluates expressions, and a replay must get the same answer.

// Variables an expression can read.
const (
	varParams    = "params"
	varSteps     = "steps"
	varCampaign  = "campaign"
	varItem      = "item"
	varIteration = "iteration"
)

// disabledBuiltins are expr builtins that would make a replay differ from the
// first run, each with the reason given to the playbook author.
var disabledBuiltins = map[string]string{
	"now":      "playbooks are replayed, so an expression cannot read the clock",
	"date":     "dates depend on the worker's time-zone database",
	"timezone": "time zones depend on the worker's time-zone database",
	"keys":     "the order of a map's keys changes from run to run",
	"values":   "the order of a map's values changes from run to run",
	"toPairs":  "the order of a map's pairs changes from run to run",
}

// exprOptions are the compile options every expression gets. A program that
// will run (run time, and constants during validation) also charges a budget
// for its costly operations (exprbudget.go); one compiled against the declared
// types only checks them and never runs.
func exprOptions(env types.Map, runs bool, maxNodes uint) []expr.Option {
	opts := []expr.Option{expr.Env(env), expr.MaxNodes(maxNodes)}
	for _, name := range slices.Sorted(maps.Keys(disabledBuiltins)) {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	if runs {
		opts = append(opts, budgetOptions()...)
	}
	return opts
}

// segment is a piece of a templated string: literal text, or the source of one
// ${…} expression.
type segment struct {
	text   string
	isExpr bool
}

// splitTemplate cuts s into text and ${…} expressions. The closing brace is found
// by expr's own rules (braces nest, string literals are skipped), so
// ${ {"a": 1}.a } and ${ x == "}" } work. A literal "${" is written ${"${"}.
func splitTemplate(s string) ([]segment, error) {
	var out []segment
	rest := s
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			if rest != "" {
				out = append(out, segment{text: rest})
			}
			return out, nil
		}
		if i > 0 {
			out = append(out, segment{text: rest[:i]})
		}
		end, ok := closingBrace(rest, i+2)
		if !ok {
			return nil, fmt.Errorf("%q has a ${ without its closing } (write a literal ${ as ${\"${\"})", s)
		}
		out = append(out, segment{text: rest[i+2 : end], isExpr: true})
		rest = rest[end+1:]
	}
}

// closingBrace returns the index of the } that closes an expression starting at
// from, skipping nested braces and string literals.
func closingBrace(s string, from int) (int, bool) {
	depth := 0
	for i := from; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			j, ok := skipString(s, i)
			if !ok {
				return 0, false
			}
			i = j
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i, true
			}
			depth--
		}
	}
	return 0, false
}

// skipString returns the index of the quote closing the literal that opens at i.
func skipString(s string, i int) (int, bool) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && q != '`':
			j++
		case s[j] == q:
			return j, true
		}
	}
	return 0, false
}

// exprSource returns the expression in a condition, repeat.max or for_each
// string, which may be bare or wrapped in exactly one ${…}, and how to show it
// in a message (a bare one between backquotes, so it reads apart from prose).
func exprSource(s string) (src, shown string) {
	t := strings.TrimSpace(s)
	if segs, err := splitTemplate(t); err == nil && len(segs) == 1 && segs[0].isExpr {
		return segs[0].text, t
	}
	return t, "`" + t + "`"
}

// rewriteNames turns steps.draft-batch and params.max-posts into
// steps["draft-batch"] and params["max-posts"]. Step ids and parameter names may
// hold dashes (and start with a digit), which expr would read as a subtraction
// (or a number); playbooks written before expressions used the dotted form, and
// it must keep meaning what it meant. String literals are left alone.
func rewriteNames(src string) string {
	if !strings.Contains(src, varSteps+".") && !strings.Contains(src, varParams+".") {
		return src
	}
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\'' || c == '"' || c == '`' {
			j, ok := skipString(src, i)
			if !ok {
				b.WriteString(src[i:])
				return b.String()
			}
			b.WriteString(src[i : j+1])
			i = j
			continue
		}
		if root := rootAt(src, i); root != "" {
			start := i + len(root) + 1
			end := start
			for end < len(src) && isNameByte(src[end]) {
				end++
			}
			name := src[start:end]
			if name != "" && !isIdentifier(name) {
				fmt.Fprintf(&b, "%s[%q]", root, name)
				i = end - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// rootAt reports "steps" or "params" when src has that variable followed by a dot
// at i, as a whole word (not x.steps. or mysteps.).
func rootAt(src string, i int) string {
	if i > 0 {
		p := src[i-1]
		if isNameByte(p) || p == '.' || p == '$' || p == '#' {
			return ""
		}
	}
	for _, root := range []string{varSteps, varParams} {
		if strings.HasPrefix(src[i:], root+".") {
			return root
		}
	}
	return ""
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isIdentifier reports whether expr reads name as one identifier.
func isIdentifier(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	return !strings.Contains(name, "-")
}

// parseExpr parses src (already rewritten) into expr's syntax tree. expr is
// trusted not to panic, but validation must never panic on any input, so a
// panic becomes an error.
func parseExpr(src string) (tree *parser.Tree, err error) {
	defer func() {
		if r := recover(); r != nil {
			tree, err = nil, fmt.Errorf("expression parser failed: %v", r)
		}
	}()
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("the expression is empty")
	}
	return parser.Parse(src)
}

// compiled is an expression ready to run, with what it reads.
type compiled struct {
	program *vm.Program
	info    exprInfo
}

// compileExpr compiles src against env, caching by source and environment shape.
func compileExpr(src string, env types.Map, shape string) (*compiled, error) {
	legacy := shape == legacyRuntimeShape
	if !legacy && len(src) > MaxExprBytes {
		return nil, &LimitError{msg: fmt.Sprintf("the expression is %d bytes; the limit is %d", len(src), MaxExprBytes)}
	}
	key := cacheKey{src: src, shape: shape}
	if c, ok := programs.get(key); ok {
		return c, nil
	}
	rewritten := rewriteNames(src)
	tree, err := parseExpr(rewritten)
	if err != nil {
		return nil, err
	}
	info := analyze(tree)
	nodes := uint(MaxExprNodes)
	if legacy {
		nodes = legacyExprNodes
	}
	program, err := safeCompile(rewritten, exprOptions(env, shape == runtimeShape || legacy, nodes))
	if err != nil {
		return nil, err
	}
	c := &compiled{program: program, info: info}
	programs.put(key, c)
	return c, nil
}

func safeCompile(src string, opts []expr.Option) (p *vm.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("expression compiler failed: %v", r)
		}
	}()
	return expr.Compile(src, opts...)
}

// exprMessage is the first line of an expr error, without the source snippet
// and position that expr appends (the problem's field and line say where).
func exprMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) && fe.Message != "" {
		return fe.Message
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// runtimeShape is the environment run-time compilation uses. Run time does not
// know the declared parameter types (validation checked them), so every
// variable is dynamic; expr's operators handle mixed ints and floats.
const runtimeShape = "run"

// legacyRuntimeShape is run time for a campaign started before the limits on an
// expression's size (Scope.Legacy): its history must replay as it ran.
const legacyRuntimeShape = "run-legacy"

var runtimeEnv = types.Map{
	varParams:    types.Map{types.Extra: types.Any},
	varSteps:     types.Map{types.Extra: types.Any},
	varCampaign:  types.Map{types.Extra: types.Any},
	varItem:      types.Any,
	varIteration: types.Int,
	budgetVar:    types.Any,
}

// evaluate runs src, bare, against s within b and returns its value in JSON's
// shapes. Errors do not repeat src; callers say which expression failed. A
// crossed limit is a *LimitError, reachable with errors.As.
func evaluate(src string, s Scope, b *budget) (any, error) {
	shape := runtimeShape
	if s.Legacy {
		shape = legacyRuntimeShape
	}
	c, err := compileExpr(src, runtimeEnv, shape)
	if err != nil {
		return nil, &exprError{msg: "does not compile: " + exprMessage(err), err: err}
	}
	env, err := s.env(c.info, b)
	if err != nil {
		return nil, err
	}
	return runBudgeted(c.program, env, b)
}

// runBudgeted runs a program compiled to charge b, and copies its value out
// once b has paid for the copy.
func runBudgeted(p *vm.Program, env map[string]any, b *budget) (any, error) {
	env[budgetVar] = b
	out, err := runProgram(p, env)
	if b.err != nil {
		// The limit is the cause, whatever expr made of the error on its way out.
		return nil, &exprError{msg: b.err.Error(), err: b.err}
	}
	if err != nil {
		if strings.Contains(err.Error(), "memory budget exceeded") {
			le := &LimitError{msg: "the expression builds more list elements than its budget allows"}
			return nil, &exprError{msg: le.Error(), err: le}
		}
		return nil, &exprError{msg: exprMessage(err), err: err}
	}
	if err := b.build(valueSize(out, b.remainingBytes()), "the value it gives"); err != nil {
		return nil, &exprError{msg: err.Error(), err: err}
	}
	return jsonValue(out), nil
}

// exprError is an expr error told in one line; the full error, with its source
// snippet, stays reachable through errors.Unwrap.
type exprError struct {
	msg string
	err error
}

func (e *exprError) Error() string { return e.msg }
func (e *exprError) Unwrap() error { return e.err }

// evalMemoryBudget is expr's own count of list elements a run may allocate
// (array and map literals, sort). Ranges are charged to the budget instead;
// this is the backstop for literals built inside loops.
const evalMemoryBudget = MaxEvalBytes / elemSize

func runProgram(p *vm.Program, env map[string]any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("expression failed: %v", r)
		}
	}()
	machine := vm.VM{MemoryBudget: evalMemoryBudget}
	return machine.Run(p, env)
}

// env builds the variables an expression reads. Only the steps it names are
// included, so a step that has not run is reported rather than read as nothing.
// Numbers arrive from JSON as float64; whole ones are handed to expr as ints,
// as validation typed them, so that % and integer builtins work.
//
// Copying is charged to b: a block of many templates that each read a large
// output copies it each time.
func (s Scope) env(info exprInfo, b *budget) (map[string]any, error) {
	steps := map[string]any{}
	copyOut := func(id string, out map[string]any) error {
		if err := b.scan(out); err != nil {
			return &exprError{msg: err.Error(), err: err}
		}
		steps[id] = map[string]any{"output": envValue(mapAny(out))}
		return nil
	}
	if info.dynamicSteps {
		for _, id := range slices.Sorted(maps.Keys(s.Steps)) {
			if err := copyOut(id, s.Steps[id]); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range info.steps {
		out, ok := s.Steps[r.id]
		if !ok {
			return nil, fmt.Errorf("step %q has not produced output yet", r.id)
		}
		if err := copyOut(r.id, out); err != nil {
			return nil, err
		}
	}
	for _, v := range []any{s.Params, s.Campaign, s.Item} {
		if err := b.scan(v); err != nil {
			return nil, &exprError{msg: err.Error(), err: err}
		}
	}
	if info.item && !s.HasItem {
		return nil, errors.New("item is only set inside a parallel for_each")
	}
	if info.iteration && s.Iteration < 1 {
		return nil, errors.New("iteration is only set inside a repeat")
	}
	var item any
	if s.HasItem {
		item = envValue(s.Item)
	}
	return map[string]any{
		varParams:    envValue(mapAny(s.Params)),
		varSteps:     steps,
		varCampaign:  envValue(mapAny(s.Campaign)),
		varItem:      item,
		varIteration: s.Iteration,
	}, nil
}

// mapAny keeps a nil map from reading as a nil interface.
func mapAny(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// maxExact is the largest whole number a float64 holds exactly.
const maxExact = 1 << 53

// envValue copies a JSON value for expr, turning whole numbers into ints.
func envValue(v any) any {
	switch t := v.(type) {
	case float64:
		if t == math.Trunc(t) && math.Abs(t) <= maxExact {
			return int(t)
		}
		return t
	case int64:
		return int(t)
	case uint64:
		if t <= maxExact {
			return int(t)
		}
		return float64(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = envValue(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = envValue(e)
		}
		return out
	}
	return v
}

// jsonValue turns an expression's result into the shapes encoding/json decodes
// into (float64, string, bool, nil, []any, map[string]any), so workflow code
// sees the same value before and after a history round trip.
func jsonValue(v any) any {
	switch t := v.(type) {
	case nil, bool, string, float64:
		return v
	case int:
		return float64(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = jsonValue(e)
		}
		return out
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.Bool:
		return rv.Bool()
	case reflect.String:
		return rv.String()
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = jsonValue(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		// Keys that render alike (groupBy's 1 and "1", or 1 and 1.0) collide;
		// which one stays must not depend on the visiting order, or a replay
		// could see another value: the smallest (key type, value text) wins.
		won := make(map[string][2]string, rv.Len())
		// determinism:ok: building a map; collisions are settled by the rule above.
		iter := rv.MapRange()
		for iter.Next() {
			k := Text(jsonValue(iter.Key().Interface()))
			v := jsonValue(iter.Value().Interface())
			rank := [2]string{fmt.Sprintf("%T", iter.Key().Interface()), Text(v)}
			if prev, taken := won[k]; taken && (prev[0] < rank[0] || prev[0] == rank[0] && prev[1] <= rank[1]) {
				continue
			}
			won[k], out[k] = rank, v
		}
		return out
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return jsonValue(rv.Elem().Interface())
	}
	return fmt.Sprint(v)
}
