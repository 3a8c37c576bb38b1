package playbooks

import (
	"errors"
	"strings"
	"testing"
)

// Bounds on any one fuzz input, accepted or refused: twice those of a refusal,
// since a playbook within every limit may be accepted after the full work.
const (
	fuzzTime  = 2 * refuseTime
	fuzzAlloc = 2 * refuseAlloc
)

// FuzzParse feeds arbitrary YAML to the parser and validator: they must never
// panic, a refusal is always an *InvalidError with at least one problem, and
// no input may take more than fuzzTime or allocate more than fuzzAlloc.
func FuzzParse(f *testing.F) {
	srcs, err := Builtins()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range srcs {
		f.Add(s.YAML)
	}
	for _, seed := range []string{
		"", "{}", "[]", "name: x\nversion: 1\nsteps: []\n", "name: x\nversion: 1\nsteps:\n  - id: a\n    wait: 7d\n",
		"steps:\n  - approval: {timeout: 1d, on_timeout: approve, title: '${params.}'}\n",
		"a: &x [*x]\n", "name: x\nversion: 99999999999999999999\n",
	} {
		f.Add([]byte(seed))
	}
	// Nested kinds and expressions: the walk over nested steps, scopes, constant
	// folding and position lookup for deep paths.
	for _, seed := range []string{
		nestedSeed,
		"name: x\nversion: 1\nsteps:\n  - id: p\n    parallel:\n      for_each: ${[1, 2][0:1]}\n      steps:\n        - id: a\n          action: notify\n          with: {message: '${item} ${ {\"a\": \"}\"}.a }'}\n",
		"name: x\nversion: 1\nsteps:\n  - id: r\n    repeat: {every: 1d, max: '${0}', until: 'iteration > 2', steps: [{id: w, wait: 1d}]}\n",
		"name: x\nversion: 1\nsteps:\n  - id: b\n    branch: {if: 'true', then: [{id: w, wait: 1d}], else: [{id: v, wait: 1d, needs: w}]}\n",
		"name: x\nversion: 1\nsteps:\n  - id: a\n    approval: {title: '${now()} ${keys($env)}', timeout: 1h, on_timeout: escalate, escalate: {to: lead, timeout: 1h, on_timeout: escalate}}\n",
		"name: x\nversion: 1\nsteps:\n  - id: a\n    action: notify\n    with: {message: '${let steps = 1; steps} ${steps[\"a\"].output} ${steps.x-y.output} ${\"${\"}'}\n",
		"name: x\nversion: 1\nsteps:\n  - id: p\n    parallel: {branches: [{id: a, steps: []}, {id: a, steps: [{id: p, wait: 1d}]}], on_failure: maybe}\n",
	} {
		f.Add([]byte(seed))
	}
	for _, h := range hostileSources() {
		// Larger ones are refused on their size alone (TestHostilePlaybooks…),
		// and would only slow the mutator down.
		if len(h.src) <= MaxSourceBytes/8 {
			f.Add([]byte(h.src))
		}
	}
	for _, h := range hostileExpressions() {
		f.Add([]byte(attackHeader() + "steps: [{id: a, action: notify, with: {message: '" + strings.ReplaceAll(h.src, "'", "''") + "'}}]\n"))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var pb *Playbook
		var err error
		took, alloc := cost(func() { pb, err = Parse(src) })
		if took > fuzzTime || alloc > fuzzAlloc {
			t.Fatalf("%d bytes took %s and allocated %d MB: %.200q", len(src), took, alloc>>20, src)
		}
		if err == nil {
			if pb == nil || len(pb.Steps) == 0 {
				t.Fatalf("accepted a playbook without steps: %q", src)
			}
			return
		}
		var inv *InvalidError
		if !errors.As(err, &inv) || len(inv.Problems) == 0 {
			t.Fatalf("refusal without problems: %v", err)
		}
	})
}

const nestedSeed = `name: nested
version: 1
params:
  - name: brand
    type: string
    default: Acme
  - name: weeks
    type: int
    default: 4
  - name: platforms
    type: list
    default: [x, linkedin]
steps:
  - id: audit
    action: audit_search_presence
    with: {brand: "${params.brand}"}
  - id: per-platform
    parallel:
      for_each: ${params.platforms}
      on_failure: continue
      steps:
        - id: optimize
          action: optimize_profile
          with: {brand: "${params.brand}", platforms: ["${item}"]}
  - id: weekly
    repeat:
      every: 7d
      max: ${params.weeks}
      until: steps.measure.output.best_rank <= 10 || iteration >= params.weeks
      steps:
        - id: measure
          action: measure_rank
          with: {brand: "${params.brand} week ${iteration}"}
        - id: check
          branch:
            if: steps.measure.output.best_rank > 20
            then:
              - id: ask
                approval:
                  title: Keep going with ${params.brand}?
                  timeout: 4h
                  on_timeout: escalate
                  escalate: {to: agency-lead, timeout: 2h, on_timeout: skip}
  - id: report
    action: report
    with: {title: "Rank ${steps.measure.output.best_rank} after ${steps.weekly.output.iterations} weeks"}
`

// FuzzExpression feeds arbitrary text to the template and expression paths that
// validation and the workflow take: splitting ${…}, rewriting dashed names,
// analysing, compiling, evaluating. None may panic, whatever the text, and
// together they stay within fuzzTime and fuzzAlloc: validation's budget and
// each evaluation's budget are sizes and counts, whatever the expression.
func FuzzExpression(f *testing.F) {
	for _, seed := range []string{
		"${params.brand}", "${steps.draft-batch.output.posts}", "Week ${iteration}: ${item}",
		`${ {"a": "}"}.a }`, "${", "${}", "steps.a.output.x <= params.n", "${now()}", "${keys($env)}",
		"${let steps = 1; steps}", "${steps[params.brand].output}", `${"${"}`, "${1..3 | map(# * iteration)}",
		"${params.n % 0}", "${filter(params.l, # > 'a')}",
	} {
		f.Add(seed)
	}
	for _, h := range hostileExpressions() {
		f.Add(h.src)
	}
	scope := runScope()
	scope.Item, scope.HasItem, scope.Iteration = "x", true, 2
	f.Fuzz(func(t *testing.T, src string) {
		pb := &Playbook{
			Name: "f", Version: 1,
			Params: []Param{{Name: "brand", Type: TypeString}, {Name: "n", Type: TypeInt}, {Name: "l", Type: TypeList}},
			Steps: []Step{
				{ID: "a", Action: "notify", With: map[string]any{"message": "hi"}},
				{ID: "loop", Repeat: &Repeat{Every: Duration{1}, Max: src, Until: src, Steps: []Step{
					{ID: "b", Action: "notify", With: map[string]any{"message": src}},
					{ID: "c", Branch: &Branch{If: src, Then: []Step{{ID: "d", Wait: &Duration{1}}}}},
					{ID: "p", Parallel: &Parallel{ForEach: src, Steps: []Step{{ID: "e", Action: "notify", With: map[string]any{"message": src}}}}},
				}}},
			},
		}
		took, alloc := cost(func() {
			_ = Validate(pb)
			_, _ = Resolve(src, scope)
			_, _ = Condition(src, scope)
			_, _ = IntValue(src, scope)
			_, _ = ListValue(src, scope)
		})
		if took > fuzzTime || alloc > fuzzAlloc {
			t.Fatalf("took %s and allocated %d MB: %.200q", took, alloc>>20, src)
		}
	})
}
