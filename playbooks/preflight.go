package playbooks

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// preflight runs, at launch, every expression that reads nothing but the
// parameters, and refuses the launch when one crosses a limit with these
// parameters. Such an expression gives the same value whenever the campaign
// reaches it, so a parameter that makes it blow up would otherwise fail the
// campaign midway, in the worker, after it has asked people for approvals.
// Other failures (a division by zero, a missing field) are left to the run,
// which reports them where they happen, as before.
//
// Each expression gets a fresh budget, as at run time; all of them together
// may spend preflightOps, past which the rest are left to the run.
func preflight(pb *Playbook, params map[string]any) []Problem {
	p := &preflighter{scope: Scope{Params: params}}
	p.steps("steps", pb.Steps)
	return p.probs
}

const preflightOps = 4 * MaxEvalOps

type preflighter struct {
	scope Scope
	spent int
	probs []Problem
}

func (p *preflighter) steps(path string, steps []Step) {
	for i := range steps {
		s := &steps[i]
		f := fmt.Sprintf("%s[%d]", path, i)
		p.templates(f+".name", s.Name)
		p.templates(f+".with", s.With)
		if a := s.Approval; a != nil {
			p.templates(f+".approval.title", a.Title)
			p.templates(f+".approval.preview", a.Preview)
		}
		if par := s.Parallel; par != nil {
			if src, ok := par.ForEach.(string); ok {
				p.forEach(f+".parallel.for_each", src)
			} else {
				p.templates(f+".parallel.for_each", par.ForEach)
			}
		}
		if r := s.Repeat; r != nil {
			if src, ok := r.Max.(string); ok {
				p.bare(f+".repeat.max", src)
			}
			p.bare(f+".repeat.until", r.Until)
		}
		if b := s.Branch; b != nil {
			p.bare(f+".branch.if", b.If)
		}
		for _, b := range bodies(s) {
			p.steps(f+b.suffix, b.steps)
		}
	}
}

// templates runs the ${…} expressions inside v.
func (p *preflighter) templates(f string, v any) {
	switch t := v.(type) {
	case string:
		segs, err := splitTemplate(t)
		if err != nil {
			return
		}
		for _, seg := range segs {
			if seg.isExpr {
				p.run(f, "${"+seg.text+"}", seg.text)
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			p.templates(fieldKey(f, k), t[k])
		}
	case []any:
		for i, e := range t {
			p.templates(fmt.Sprintf("%s[%d]", f, i), e)
		}
	}
}

// bare runs a condition or repeat.max expression.
func (p *preflighter) bare(f, s string) {
	if s == "" {
		return
	}
	src, shown := exprSource(s)
	p.run(f, shown, src)
}

// forEach runs a for_each expression and checks how many branches it gives.
func (p *preflighter) forEach(f, s string) {
	src, shown := exprSource(s)
	if l, ok := p.run(f, shown, src).([]any); ok && len(l) > MaxForEachItems {
		p.probs = append(p.probs, Problem{Field: f, Message: fmt.Sprintf("with these parameters, %s fails: %s", shown, tooManyItems(len(l)))})
	}
}

// run evaluates an expression that reads only the parameters, recording a
// crossed limit, and returns its value (nil when it was not run or failed).
func (p *preflighter) run(f, shown, src string) any {
	if p.spent > preflightOps || len(src) > MaxExprBytes {
		return nil
	}
	tree, err := parseExpr(rewriteNames(src))
	if err != nil {
		return nil
	}
	info := analyze(tree)
	if !readsOnlyParams(info) {
		return nil
	}
	b := newBudget()
	v, err := evaluate(src, p.scope, b)
	p.spent += b.ops
	var le *LimitError
	if errors.As(err, &le) {
		p.probs = append(p.probs, Problem{Field: f, Message: fmt.Sprintf("with these parameters, %s fails: %s", shown, le)})
	}
	if err != nil {
		return nil
	}
	return v
}

// readsOnlyParams reports whether an expression's value depends on the
// parameters alone (an expression that reads nothing was run at validation).
func readsOnlyParams(info exprInfo) bool {
	return info.variables && len(info.campaign) == 0 && len(info.steps) == 0 &&
		!info.dynamicSteps && !info.wholeSteps && !info.item && !info.iteration && !info.env
}
