package playbooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// problems parses src and returns its problems; it fails the test if src is valid.
func problems(t *testing.T, src string) []Problem {
	t.Helper()
	_, err := Parse([]byte(src))
	var inv *InvalidError
	require.True(t, errors.As(err, &inv), "want problems, got %v", err)
	return inv.Problems
}

type wantProblem struct {
	field string
	line  int
	text  string
}

// requireProblems checks that got holds exactly the wanted problems, each at its line.
func requireProblems(t *testing.T, got []Problem, want []wantProblem) {
	t.Helper()
	require.Len(t, got, len(want), "problems:\n%s", listProblems(got))
	for _, w := range want {
		found := false
		for _, p := range got {
			if p.Field == w.field && strings.Contains(p.Message, w.text) {
				found = true
				if w.line > 0 {
					require.Equal(t, w.line, p.Line, "line of %s: %s", w.field, p.Message)
				}
				require.Positive(t, p.Column)
			}
		}
		require.True(t, found, "no problem %s ~ %q in:\n%s", w.field, w.text, listProblems(got))
	}
}

func listProblems(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

const header = `name: t
version: 1
params:
  - name: brand
    type: string
    default: Acme
  - name: target_rank
    type: int
    default: 10
  - name: flag
    type: bool
    default: false
  - name: platforms
    type: list
    default: [x]
`

func TestNestedMistakesEachWithTheirLine(t *testing.T) {
	src := header + `steps:
  - id: audit
    action: audit_search_presence
    with: {brand: "${params.brand}"}
  - id: profiles
    parallel:
      branches:
        - id: x
          steps:
            - id: audit
              action: optimize_profile
              with: {brand: Acme, platforms: [x]}
  - id: weekly
    repeat:
      every: 7d
      max: 0
      until: params.brand
      steps:
        - id: measure
          action: measure_rank
          with:
            brand: ${params.brand}
            target_rank: ${params.target_rank + "st"}
  - id: check
    branch:
      if: "true"
      then:
        - id: settle
          wait: 1d
      else:
        - id: hurry
          wait: 1h
`
	requireProblems(t, problems(t, src), []wantProblem{
		{"steps[1].parallel.branches[0].steps[0].id", 25, `step id "audit" is already used by steps[0]`},
		{"steps[2].repeat.max", 31, "is 0, so the steps never run"},
		{"steps[2].repeat.until", 32, "`params.brand` gives text, not true or false"},
		{"steps[2].repeat.steps[0].with.target_rank", 38, "does not type-check"},
		{"steps[3].branch.else", 46, "is unreachable: the condition `true` is always true"},
	})
}

func TestExpressionTypeErrorsAtValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		step  string
		field string
		text  string
	}{
		"compare text with a number": {
			"action: notify\n    with: {message: \"${params.brand > 3}\"}",
			"steps[0].with.message", "${params.brand > 3} does not type-check: invalid operation: > (mismatched types string and int)",
		},
		"condition is not boolean": {
			"branch:\n      if: params.target_rank + 1\n      then: [{id: w, wait: 1d}]",
			"steps[0].branch.if", "`params.target_rank + 1` gives a number, not true or false",
		},
		"wrapped condition is not boolean": {
			"branch:\n      if: ${params.brand}\n      then: [{id: w, wait: 1d}]",
			"steps[0].branch.if", "${params.brand} gives text, not true or false",
		},
		"max is not a number": {
			"repeat:\n      every: 1d\n      max: ${params.brand}\n      steps: [{id: w, wait: 1d}]",
			"steps[0].repeat.max", "${params.brand} gives text, not a whole number",
		},
		"for_each is not a list": {
			"parallel:\n      for_each: params.flag\n      steps: [{id: w, wait: 1d}]",
			"steps[0].parallel.for_each", "`params.flag` gives true or false, not a list",
		},
		"syntax": {
			"action: notify\n    with: {message: \"${params.brand +}\"}",
			"steps[0].with.message", "${params.brand +} does not compile",
		},
		"unclosed": {
			"action: notify\n    with: {message: \"Hello ${params.brand\"}",
			"steps[0].with.message", "without its closing }",
		},
		"unknown function": {
			"action: notify\n    with: {message: \"${shout(params.brand)}\"}",
			"steps[0].with.message", "does not type-check: unknown name shout",
		},
		"name templates are checked too": {
			"name: Week ${params.week}\n    wait: 1d",
			"steps[0].name", `no parameter "week" is declared`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			src := header + "steps:\n  - id: s\n    " + tc.step + "\n"
			ps := problems(t, src)
			require.Len(t, ps, 1, listProblems(ps))
			require.Equal(t, tc.field, ps[0].Field)
			require.Contains(t, ps[0].Message, tc.text)
			require.Greater(t, ps[0].Line, 16, "points into the steps")
		})
	}
}

func TestNowIsRefused(t *testing.T) {
	for _, expr := range []string{"${now()}", "${date('2024-01-01')}", "${keys(params)}", "${values(params)}", "${toPairs(params)}", "${timezone('UTC')}"} {
		src := header + "steps:\n  - id: s\n    action: notify\n    with: {message: \"" + expr + "\"}\n"
		ps := problems(t, src)
		require.Len(t, ps, 1, listProblems(ps))
		require.Contains(t, ps[0].Message, "is not available", expr)
		require.Equal(t, 19, ps[0].Line)
	}
	ps := problems(t, header+"steps:\n  - id: b\n    branch:\n      if: now().Year() > 2000\n      then: [{id: w, wait: 1d}]\n")
	require.Len(t, ps, 1, listProblems(ps))
	require.Contains(t, ps[0].Message, "now() is not available: playbooks are replayed")
}

func TestReferencesOutOfScope(t *testing.T) {
	src := header + `steps:
  - id: first
    action: notify
    with: {message: "${item} ${iteration} ${params.nope} ${campaign.owner} ${steps.later.output.x}"}
  - id: fan
    parallel:
      branches:
        - id: a
          steps:
            - id: in_a
              action: notify
              with: {message: hi}
        - id: b
          steps:
            - id: in_b
              action: notify
              with: {message: "${steps.in_a.output.x}"}
  - id: check
    branch:
      if: params.flag
      then:
        - id: gate
          approval: {title: ok?, timeout: 1h, on_timeout: skip}
      else: [{id: other, needs: gate, wait: 1d}]
  - id: later
    needs: gate
    action: notify
    with: {message: "${steps.fan.output.branches} ${steps.in_b.output} ${steps.first} ${steps[params.brand].output} ${$env}"}
  - id: pause
    wait: 1d
  - id: last
    action: notify
    with: {message: "${steps.pause.output}"}
`
	requireProblems(t, problems(t, src), []wantProblem{
		{"steps[0].with.message", 19, "${item}: item is only set inside a parallel for_each"},
		{"steps[0].with.message", 19, "${iteration}: iteration is only set inside a repeat"},
		{"steps[0].with.message", 19, `${params.nope}: no parameter "nope" is declared`},
		{"steps[0].with.message", 19, `${campaign.owner}: campaign facts are id, client, playbook and version`},
		{"steps[0].with.message", 19, `${steps.later.output.x}: step "later" comes later`},
		{"steps[1].parallel.branches[1].steps[0].with.message", 32, `step "in_a" runs in another branch of parallel step "fan"`},
		{"steps[2].branch.else[0].needs", 39, `step "gate" runs in the other arm of branch step "check"`},
		{"steps[3].needs", 41, `step "gate" runs only in one arm of branch step "check"`},
		{"steps[3].with.message", 43, `${steps.in_b.output}: step "in_b" runs inside parallel step "fan"`},
		{"steps[3].with.message", 43, "${steps.first}: read a step's output, as in steps.first.output.FIELD"},
		{"steps[3].with.message", 43, "${steps[params.brand].output}: name the step itself"},
		{"steps[3].with.message", 43, "${$env}: $env is not available"},
		{"steps[5].with.message", 48, `${steps.pause.output}: step "pause" is a wait, which has no output`},
	})
}

func TestScopesThatAreAllowed(t *testing.T) {
	src := header + `steps:
  - id: audit
    action: audit_search_presence
    with: {brand: "${params.brand}"}
  - id: per-platform
    parallel:
      for_each: ${params.platforms}
      steps:
        - id: plan
          approval: {title: "Optimise ${item}?", timeout: 1h, on_timeout: approve}
        - id: optimize
          needs: plan
          action: optimize_profile
          with: {brand: "${steps.audit.output.summary}", platforms: ["${item}"]}
  - id: weekly
    repeat:
      every: 7d
      max: ${params.target_rank - 2}
      until: steps.measure.output.best_rank <= params.target_rank
      steps:
        - id: draft-batch
          action: draft_posts
          with: {brand: "${params.brand}", count: "${iteration}"}
        - id: measure
          action: measure_rank
          with: {brand: "${len(steps.draft-batch.output.posts)} ${steps.per-platform.output.failed}"}
        - id: inner
          parallel:
            for_each: [a, b]
            steps:
              - id: each
                action: notify
                with: {message: "${upper(item)} in week ${iteration}"}
  - id: report
    action: report
    with: {title: "${steps.measure.output.best_rank} after ${steps.weekly.output.iterations} weeks; posts ${steps.draft-batch.output.posts}"}
`
	_, err := Parse([]byte(src))
	require.NoError(t, err)
}

func TestUnreachableSteps(t *testing.T) {
	for name, tc := range map[string]struct {
		step, field, text string
	}{
		"if always false": {
			"branch:\n      if: 1 > 2\n      then: [{id: w, wait: 1d}]",
			"steps[0].branch.then", "is unreachable: the condition `1 > 2` is always false",
		},
		"if always true with else": {
			"branch:\n      if: ${true}\n      then: [{id: w, wait: 1d}]\n      else: [{id: v, wait: 1d}]",
			"steps[0].branch.else", "is unreachable: the condition ${true} is always true",
		},
		"if always true without else": {
			"branch:\n      if: len('ab') == 2\n      then: [{id: w, wait: 1d}]",
			"steps[0].branch.if", "is always true, so the branch always runs then",
		},
		"max zero": {
			"repeat: {every: 1d, max: 0, steps: [{id: w, wait: 1d}]}",
			"steps[0].repeat.max", "is 0, so the steps never run",
		},
		"max negative": {
			"repeat: {every: 1d, max: -2, steps: [{id: w, wait: 1d}]}",
			"steps[0].repeat.max", "is -2, so the steps never run",
		},
		"max constant expression": {
			"repeat: {every: 1d, max: '${2 - 2}', steps: [{id: w, wait: 1d}]}",
			"steps[0].repeat.max", "is 0, so the steps never run",
		},
		"until always holds": {
			"repeat: {every: 1d, max: 3, until: 'true', steps: [{id: w, wait: 1d}]}",
			"steps[0].repeat.until", "always holds, so the steps run once",
		},
		"until never changes": {
			"repeat: {every: 1d, max: 3, until: 'params.flag', steps: [{id: w, wait: 1d}]}",
			"steps[0].repeat.until", "reads nothing that changes between iterations",
		},
		"empty for_each": {
			"parallel: {for_each: [], steps: [{id: w, wait: 1d}]}",
			"steps[0].parallel.for_each", "is an empty list, so the steps never run",
		},
		"for_each always empty": {
			"parallel: {for_each: '${filter([1], # > 1)}', steps: [{id: w, wait: 1d}]}",
			"steps[0].parallel.for_each", "is always empty, so the steps never run",
		},
	} {
		t.Run(name, func(t *testing.T) {
			ps := problems(t, header+"steps:\n  - id: s\n    "+tc.step+"\n")
			require.Len(t, ps, 1, listProblems(ps))
			require.Equal(t, tc.field, ps[0].Field)
			require.Contains(t, ps[0].Message, tc.text)
			require.Greater(t, ps[0].Line, 16)
		})
	}
}

func TestCompositeShapes(t *testing.T) {
	src := header + `steps:
  - id: p1
    parallel:
      for_each: [a]
      branches: [{id: x, steps: [{id: w1, wait: 1d}]}]
      steps: [{id: w2, wait: 1d}]
  - id: p2
    parallel: {on_failure: ignore}
  - id: p3
    parallel:
      branches:
        - id: dup
          steps: []
        - id: dup
          steps: [{id: w3, wait: 1d}]
        - id: Bad
          steps: [{id: w4, wait: 1d}]
  - id: p4
    parallel: {for_each: 3, steps: [{id: w5, wait: 1d}]}
  - id: r
    repeat: {steps: []}
  - id: b
    branch: {then: []}
  - id: two
    wait: 1d
    repeat: {every: 1d, max: 1, steps: [{id: w6, wait: 1d}]}
  - id: w
    wait: 1d
    with: {a: 1}
    retry: {max_attempts: 2}
`
	requireProblems(t, problems(t, src), []wantProblem{
		{"steps[0].parallel", 19, "has both for_each and branches"},
		{"steps[1].parallel", 23, "needs for_each with steps"},
		{"steps[1].parallel.on_failure", 23, `"ignore" is not a choice`},
		{"steps[2].parallel.branches[0].steps", 28, "a branch needs at least one step"},
		{"steps[2].parallel.branches[1].id", 29, `branch id "dup" is already used by branches[0]`},
		{"steps[2].parallel.branches[2].id", 31, `"Bad" must be lower-case`},
		{"steps[3].parallel.for_each", 34, "must be a list, or an expression giving one, not a number"},
		{"steps[4].repeat.every", 36, "is required: how long to wait"},
		{"steps[4].repeat.max", 36, "is required: the most iterations"},
		{"steps[4].repeat.steps", 36, "a repeat needs at least one step"},
		{"steps[5].branch.if", 38, "is required"},
		{"steps[5].branch.then", 38, "needs at least one step"},
		{"steps[6]", 39, "a step has exactly one kind, but this one has wait and repeat"},
		{"steps[7].with", 44, "only action steps take inputs"},
		{"steps[7].retry", 45, "only action steps are retried"},
	})
}

func TestEscalation(t *testing.T) {
	approval := func(body string) string {
		return header + "steps:\n  - id: ask\n    approval:\n      title: Answer?\n      timeout: 4h\n" + body
	}
	_, err := Parse([]byte(approval("      on_timeout: escalate\n      escalate: {to: agency-lead, timeout: 2h, on_timeout: reject}\n")))
	require.NoError(t, err, "escalate with a complete second tier is valid")

	for name, tc := range map[string]struct {
		body string
		want []wantProblem
	}{
		"escalate without tier": {
			"      on_timeout: escalate\n",
			[]wantProblem{{"steps[0].approval.escalate", 19, "is required with on_timeout: escalate"}},
		},
		"tier without escalate": {
			"      on_timeout: approve\n      escalate: {to: lead, timeout: 1h, on_timeout: skip}\n",
			[]wantProblem{{"steps[0].approval.escalate", 22, "is only used with on_timeout: escalate"}},
		},
		"incomplete tier": {
			"      on_timeout: escalate\n      escalate:\n        to: ''\n        on_timeout: escalate\n",
			[]wantProblem{
				{"steps[0].approval.escalate.to", 23, "is required: who decides"},
				{"steps[0].approval.escalate.timeout", 23, "is required: the escalated deadline"},
				{"steps[0].approval.escalate.on_timeout", 24, "cannot escalate again"},
			},
		},
		"bad tier policy and template": {
			"      on_timeout: escalate\n      escalate: {to: '${params.brand}', timeout: 1h, on_timeout: later}\n",
			[]wantProblem{
				{"steps[0].approval.escalate.to", 22, "is a plain name"},
				{"steps[0].approval.escalate.on_timeout", 22, `"later" is not a policy`},
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			requireProblems(t, problems(t, approval(tc.body)), tc.want)
		})
	}
}

func TestStepIDsAreUniqueAcrossNesting(t *testing.T) {
	src := header + `steps:
  - id: a
    repeat:
      every: 1d
      max: 2
      steps:
        - id: b
          wait: 1d
        - id: c
          branch:
            if: iteration > 1
            then: [{id: b, wait: 1d}]
            else: [{id: a, wait: 1d}]
  - id: c
    wait: 1d
`
	requireProblems(t, problems(t, src), []wantProblem{
		{"steps[0].repeat.steps[1].branch.then[0].id", 27, "already used by steps[0].repeat.steps[0]"},
		{"steps[0].repeat.steps[1].branch.else[0].id", 28, `step id "a" is already used by steps[0]`},
		{"steps[1].id", 29, "already used by steps[0].repeat.steps[1]"},
	})
}

func TestNeedsMustBeAnEarlierVisibleApproval(t *testing.T) {
	src := header + `steps:
  - id: early
    needs: ask
    wait: 1d
  - id: ask
    approval: {title: ok?, timeout: 1h, on_timeout: skip}
  - id: pause
    wait: 1d
  - id: loop
    repeat:
      every: 1d
      max: 2
      steps:
        - id: inner-ask
          approval: {title: again?, timeout: 1h, on_timeout: reject}
        - id: act
          needs: inner-ask
          wait: 1d
  - id: after
    needs: inner-ask
    wait: 1d
  - id: bad
    needs: pause
    wait: 1d
  - id: ghost
    needs: nobody
    wait: 1d
`
	requireProblems(t, problems(t, src), []wantProblem{
		{"steps[0].needs", 18, `step "ask" comes later`},
		{"steps[5].needs", 38, `step "pause" is not an approval`},
		{"steps[6].needs", 41, `no step has id "nobody"`},
	})
}

func TestPositionsOfQuotedKeys(t *testing.T) {
	src := header + `steps:
  - id: ask
    approval:
      title: ok?
      timeout: 1h
      on_timeout: skip
      preview:
        "the plan": ${params.nope}
        list: [fine, "${params.nope2}"]
`
	requireProblems(t, problems(t, src), []wantProblem{
		{`steps[0].approval.preview["the plan"]`, 23, `no parameter "nope"`},
		{"steps[0].approval.preview.list[1]", 24, `no parameter "nope2"`},
	})
}

func TestRiskBoundsWhatSilenceMayDecide(t *testing.T) {
	approval := func(risk, onTimeout, escTo string) string {
		esc := ""
		if onTimeout == "escalate" {
			esc = "\n      escalate: {to: agency-lead, timeout: 2h, on_timeout: " + escTo + "}"
		}
		return "name: r\nversion: 1\nsteps:\n  - id: ask\n    approval:\n      title: Reply?\n      risk: " + risk +
			"\n      timeout: 4h\n      on_timeout: " + onTimeout + esc + "\n"
	}
	for _, tc := range []struct {
		src   string
		field string
	}{
		{approval("routine", "approve", ""), ""},
		{approval("high", "approve", ""), "steps[0].approval.on_timeout"},
		{approval("sensitive", "approve", ""), "steps[0].approval.on_timeout"},
		{approval("high", "escalate", "approve"), "steps[0].approval.escalate.on_timeout"},
		{approval("high", "escalate", "reject"), ""},
		{approval("extreme", "reject", ""), "steps[0].approval.risk"},
		// A playbook may loosen or tighten the defaults for a risk level.
		{"guardrails:\n  silence: {routine: [reject, fail]}\n" + approval("routine", "approve", ""), "steps[0].approval.on_timeout"},
	} {
		_, err := Parse([]byte(tc.src))
		if tc.field == "" {
			if err != nil {
				t.Errorf("refused: %v\n%s", err, tc.src)
			}
			continue
		}
		var inv *InvalidError
		if !errors.As(err, &inv) || len(inv.Problems) != 1 || inv.Problems[0].Field != tc.field {
			t.Errorf("want one problem at %s, got %v\n%s", tc.field, err, tc.src)
		}
	}
}
