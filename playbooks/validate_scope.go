package playbooks

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr/types"
)

// What an expression may read depends on where it sits. A step sees the outputs
// of the steps before it in its own sequence and in every sequence enclosing it.
// A finished repeat also leaves its steps' outputs (from the last iteration)
// to the steps after it: it always runs at least once. A parallel's branches
// and a branch's arms keep theirs: a for_each step runs once per item, and an
// arm may not have run, so later steps read the parallel's own output instead.
// item is set inside a for_each body; iteration inside a repeat and its until.

// frame is one sequence of steps being checked.
type frame struct {
	parent    *frame
	seen      map[string]bool // ids whose outputs exist here, from earlier siblings
	item      types.Type      // the type of item; nil outside a for_each body
	iteration bool
}

func (f *frame) child() *frame {
	return &frame{parent: f, seen: map[string]bool{}, item: f.item, iteration: f.iteration}
}

func (f *frame) sees(id string) bool {
	for g := f; g != nil; g = g.parent {
		if g.seen[id] {
			return true
		}
	}
	return false
}

// place is where an expression or a needs sits: what it sees, and the path and
// document position used to explain what it does not.
type place struct {
	fr   *frame
	path string // the step's field path (for until, the until's)
	pos  int    // steps with a lower order come earlier in the document
}

// exports are the ids whose outputs a finished step leaves to the steps after it.
func exports(s *Step) []string {
	var out []string
	if s.ID != "" {
		out = append(out, s.ID)
	}
	if s.Kind() == KindRepeat && len(setKinds(s)) == 1 {
		for i := range s.Repeat.Steps {
			out = append(out, exports(&s.Repeat.Steps[i])...)
		}
	}
	return out
}

// body is one nested sequence of a composite step.
type body struct {
	suffix string // field path below the step, such as ".repeat.steps"
	steps  []Step
}

func bodies(s *Step) []body {
	if len(setKinds(s)) != 1 {
		return nil
	}
	switch s.Kind() {
	case KindParallel:
		out := []body{{".parallel.steps", s.Parallel.Steps}}
		for i, b := range s.Parallel.Branches {
			out = append(out, body{fmt.Sprintf(".parallel.branches[%d].steps", i), b.Steps})
		}
		return out
	case KindRepeat:
		return []body{{".repeat.steps", s.Repeat.Steps}}
	case KindBranch:
		return []body{{".branch.then", s.Branch.Then}, {".branch.else", s.Branch.Else}}
	}
	return nil
}

// stepIndex knows every step of the playbook before the walk starts, so a
// reference to a step that is not visible can say why: unknown, later, or
// inside a parallel or a branch arm.
type stepIndex struct {
	byPath map[string]*stepInfo
	byID   map[string]*stepInfo // the first step with each id
}

type stepInfo struct {
	id, kind, path string
	action         string // an action step's action
	order, last    int    // document order of the step and of the last step inside it
	grants         bool   // an approval with a grant
	sensitive      bool   // an approval marked sensitive
}

func indexSteps(steps []Step) stepIndex {
	ix := stepIndex{byPath: map[string]*stepInfo{}, byID: map[string]*stepInfo{}}
	n := 0
	var walk func(path string, steps []Step)
	walk = func(path string, steps []Step) {
		for i := range steps {
			s := &steps[i]
			p := fmt.Sprintf("%s[%d]", path, i)
			info := &stepInfo{id: s.ID, kind: s.Kind(), path: p, order: n, action: s.Action,
				grants: s.Approval != nil && s.Approval.Grant != nil, sensitive: s.Approval != nil && s.Approval.Sensitive}
			n++
			ix.byPath[p] = info
			if _, dup := ix.byID[s.ID]; !dup && s.ID != "" {
				ix.byID[s.ID] = info
			}
			for _, b := range bodies(s) {
				walk(p+b.suffix, b.steps)
			}
			info.last = n - 1
		}
	}
	walk("steps", steps)
	return ix
}

func (ix stepIndex) order(path string) int {
	if info := ix.byPath[path]; info != nil {
		return info.order
	}
	return 0
}

func (ix stepIndex) end(path string) int {
	if info := ix.byPath[path]; info != nil {
		return info.last
	}
	return 0
}

// unseen says why step id is not visible at.
func (v *validator) unseen(id string, at place) string {
	info := v.index.byID[id]
	switch {
	case info == nil:
		return fmt.Sprintf("no step has id %q", id)
	case info.path == at.path:
		return "a step cannot read its own output"
	case strings.HasPrefix(at.path, info.path+"."):
		return fmt.Sprintf("step %q has not finished here: this is inside it", id)
	case info.order >= at.pos:
		return fmt.Sprintf("step %q comes later, so it has no output here", id)
	}
	// Earlier, but inside a parallel or a branch arm that does not enclose at,
	// or in a sibling branch or arm of one that does.
	var shared *stepInfo
	for _, q := range v.index.ancestors(info.path) {
		if strings.HasPrefix(at.path, q.path+".") {
			shared = q
			continue
		}
		switch q.kind {
		case KindParallel:
			return fmt.Sprintf("step %q runs inside parallel step %q, whose branches keep their outputs; read %s.output.branches instead", id, q.id, stepExpr(q.id))
		case KindBranch:
			return fmt.Sprintf("step %q runs only in one arm of branch step %q, so it may not have run", id, q.id)
		}
	}
	switch {
	case shared != nil && shared.kind == KindParallel:
		return fmt.Sprintf("step %q runs in another branch of parallel step %q; branches run side by side and cannot read each other's steps", id, shared.id)
	case shared != nil && shared.kind == KindBranch:
		return fmt.Sprintf("step %q runs in the other arm of branch step %q, so it has not run here", id, shared.id)
	}
	return fmt.Sprintf("step %q is not visible here", id)
}

// ancestors lists the composite steps enclosing path, outermost first.
func (ix stepIndex) ancestors(path string) []*stepInfo {
	var out []*stepInfo
	for i := 0; i < len(path); i++ {
		if path[i] != ']' || i+1 == len(path) {
			continue
		}
		if info := ix.byPath[path[:i+1]]; info != nil {
			out = append(out, info)
		}
	}
	return out
}

// stepExpr is how an expression names a step: steps.audit, or steps["draft-batch"].
func stepExpr(id string) string {
	if isIdentifier(id) {
		return "steps." + id
	}
	return fmt.Sprintf("steps[%q]", id)
}

// want is the type a place needs from its expression.
type want int

const (
	anyValue want = iota
	boolValue
	intValue
	listValue
)

// checked is what checking one expression found.
type checked struct {
	ok       bool // it compiles, type-checks and reads only what it may
	info     exprInfo
	constant bool // it reads no variable, so value is what it always gives
	value    any
}

// templates checks every ${…} inside val (a string, or maps and lists of them).
func (v *validator) templates(f string, val any, at place) {
	switch t := val.(type) {
	case string:
		if !strings.Contains(t, "${") {
			return
		}
		segs, err := splitTemplate(t)
		if err != nil {
			v.addf(f, "%v", err)
			return
		}
		for _, seg := range segs {
			if seg.isExpr {
				v.expression(f, "${"+seg.text+"}", seg.text, at, anyValue)
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			v.templates(fieldKey(f, k), t[k], at)
		}
	case []any:
		for i, e := range t {
			v.templates(fmt.Sprintf("%s[%d]", f, i), e, at)
		}
	}
}

// expression parses src, checks what it reads against what is visible at, then
// compiles it against the declared types and checks that it gives what w wants.
// shown is how the author wrote it, for messages.
func (v *validator) expression(f, shown, src string, at place, w want) checked {
	if v.stop() {
		return checked{}
	}
	if v.exprs++; v.exprs == MaxExpressions+1 {
		v.addf(f, "the playbook has more than %d expressions; the rest are not checked", MaxExpressions)
	}
	if v.exprs > MaxExpressions {
		return checked{}
	}
	if len(src) > MaxExprBytes {
		v.addf(f, "an expression is %d bytes here; the limit is %d", len(src), MaxExprBytes)
		return checked{}
	}
	tree, err := parseExpr(rewriteNames(src))
	if err != nil {
		v.addf(f, "%s does not compile: %s", shown, exprMessage(err))
		return checked{}
	}
	info := analyze(tree)
	before := len(v.probs)
	v.references(f, shown, info, at)
	if len(v.probs) > before {
		return checked{info: info}
	}
	env, shape := v.typedEnv(info, at)
	c, err := compileExpr(src, env, shape)
	if err != nil {
		v.addf(f, "%s does not type-check: %s", shown, exprMessage(err))
		return checked{info: info}
	}
	if got := c.program.Node().Type(); !fits(got, w) {
		v.addf(f, "%s gives %s, not %s", shown, typeWord(got), wantWord(w))
		return checked{info: info}
	}
	out := checked{ok: true, info: info, constant: !info.variables}
	if out.constant {
		// It reads nothing, so it runs now, as it will run in the workflow:
		// compiled to charge the budget, here the one all of the playbook's
		// constants share.
		val, err := evaluate(src, Scope{}, v.budget)
		if err != nil {
			v.addf(f, "%s fails: %s", shown, err)
			return checked{info: info}
		}
		out.value = val
	}
	return out
}

// references reports each thing src reads that does not exist, or is not
// visible, where it sits.
func (v *validator) references(f, shown string, info exprInfo, at place) {
	said := map[string]bool{}
	say := func(format string, args ...any) {
		msg := shown + ": " + fmt.Sprintf(format, args...)
		if !said[msg] {
			said[msg] = true
			v.addf(f, "%s", msg)
		}
	}
	if info.env {
		say("$env is not available; read params, steps, campaign, item or iteration")
	}
	for _, name := range info.shadowed {
		say("let cannot reuse the name %q", name)
	}
	for _, name := range info.disabled {
		say("%s() is not available: %s", name, disabledBuiltins[name])
	}
	for _, name := range info.unknown {
		say("unknown name %q; expressions read params, steps, campaign, item and iteration", name)
	}
	for _, p := range info.params {
		if _, ok := v.params[p.name]; !ok {
			say("no parameter %q is declared", p.name)
		}
	}
	for _, c := range info.campaign {
		if !campaignFacts[c.name] {
			say("campaign facts are id, client, playbook and version, not %q", c.name)
		}
	}
	if info.wholeSteps {
		say("name a step, as in steps.ID.output")
	}
	if info.dynamicSteps {
		say("name the step itself, as in steps.ID.output or steps[\"ID\"].output")
	}
	for _, r := range info.steps {
		switch {
		case !at.fr.sees(r.id):
			say("%s", v.unseen(r.id, at))
		case v.index.byID[r.id] != nil && v.index.byID[r.id].kind == KindWait:
			say("step %q is a wait, which has no output", r.id)
		case r.field != "output":
			say("read a step's output, as in %s.output.FIELD", stepExpr(r.id))
		}
	}
	if info.item && at.fr.item == nil {
		say("item is only set inside a parallel for_each")
	}
	if info.iteration && !at.fr.iteration {
		say("iteration is only set inside a repeat")
	}
}

// paramType is how a declared parameter is typed in expressions: as the value
// BindParams gives it (a duration is its text).
func paramType(t string) types.Type {
	switch t {
	case TypeString, TypeDuration:
		return types.String
	case TypeInt:
		return types.Int
	case TypeBool:
		return types.Bool
	case TypeList:
		return types.Array(types.Any)
	}
	return types.Any
}

var campaignType = types.Map{"id": types.String, "client": types.String, "playbook": types.String, "version": types.Int}

// typedEnv is the environment an expression at `at` is compiled against, and a
// key naming its shape for the program cache. Only the steps it reads are in it.
func (v *validator) typedEnv(info exprInfo, at place) (types.Map, string) {
	var shape strings.Builder
	params := types.Map{}
	for _, name := range slices.Sorted(maps.Keys(v.params)) {
		t := v.params[name].Type
		params[name] = paramType(t)
		fmt.Fprintf(&shape, "%s:%s,", name, t)
	}
	steps := types.Map{}
	shape.WriteString("|")
	for _, r := range info.steps {
		if _, dup := steps[r.id]; !dup {
			steps[r.id] = types.Map{"output": types.Map{types.Extra: types.Any}}
			fmt.Fprintf(&shape, "%q,", r.id)
		}
	}
	env := types.Map{varParams: params, varSteps: steps, varCampaign: campaignType}
	if at.fr.item != nil {
		env[varItem] = at.fr.item
		fmt.Fprintf(&shape, "|item:%s", at.fr.item)
	}
	if at.fr.iteration {
		env[varIteration] = types.Int
		shape.WriteString("|iteration")
	}
	return env, shape.String()
}

func fits(t reflect.Type, w want) bool {
	if t == nil || t.Kind() == reflect.Interface || w == anyValue {
		return true
	}
	switch w {
	case boolValue:
		return t.Kind() == reflect.Bool
	case intValue:
		return isNumberKind(t.Kind())
	case listValue:
		return t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	}
	return true
}

func isNumberKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func typeWord(t reflect.Type) string {
	switch k := t.Kind(); {
	case k == reflect.Bool:
		return "true or false"
	case k == reflect.String:
		return "text"
	case isNumberKind(k):
		return "a number"
	case k == reflect.Slice || k == reflect.Array:
		return "a list"
	case k == reflect.Map || k == reflect.Struct:
		return "an object"
	}
	return t.String()
}

func wantWord(w want) string {
	switch w {
	case boolValue:
		return "true or false"
	case intValue:
		return "a whole number"
	case listValue:
		return "a list"
	}
	return "a value"
}
