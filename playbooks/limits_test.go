package playbooks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHostilePlaybooksAreRefusedCheaply replays holes 5 and 7 and their
// variants: each is refused with a problem naming a line, within refuseTime and
// refuseAlloc. Before the limits these took seconds to minutes and up to 24 GB.
func TestHostilePlaybooksAreRefusedCheaply(t *testing.T) {
	for _, h := range hostileSources() {
		t.Run(h.name, func(t *testing.T) {
			var err error
			took, alloc := cost(func() { _, err = Parse([]byte(h.src)) })
			var inv *InvalidError
			require.True(t, errors.As(err, &inv), "accepted, or refused without problems: %v", err)
			require.Contains(t, inv.Error(), h.want)
			require.Positive(t, inv.Problems[0].Line, "a refusal says where")
			require.Less(t, took, refuseTime, "took %s", took)
			require.Less(t, alloc, uint64(refuseAlloc), "allocated %d MB", alloc>>20)
			t.Logf("%d bytes refused in %s, %d KB allocated: %s", len(h.src), took, alloc>>10, inv.Problems[0])
		})
	}
}

func TestNULAndInvalidUTF8AreRefusedWithTheirLine(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
	}{
		{"NUL", "name: x\nversion: 1\ndescription: a\x00b\n", 3, 15},
		{"invalid UTF-8", "name: x\nversion: 1\nsteps: []\ndescription: \xc3\x28\n", 4, 14},
		{"truncated rune", "name: x\nversion: 1\ndescription: \xe2\x82", 3, 14},
		{"an escaped NUL", "name: x\nversion: 1\nsteps:\n  - id: a\n    action: notify\n    with: {message: \"Ac\\0me\"}\n", 6, 21},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			var inv *InvalidError
			require.True(t, errors.As(err, &inv), "%v", err)
			require.Equal(t, tc.line, inv.Problems[0].Line, "%v", inv)
			require.Equal(t, tc.col, inv.Problems[0].Column, "%v", inv)
		})
	}
}

// The prescan counts what go-yaml will build; on real playbooks it must agree
// with the tree exactly, or the limits would refuse what they should accept.
func TestPrescanCountsLikeTheTree(t *testing.T) {
	srcs, err := Builtins()
	require.NoError(t, err)
	for _, s := range srcs {
		sc := &scanner{src: s.YAML, blockParent: -1}
		require.Nil(t, sc.run())
		file, err := parseYAML(s.YAML)
		require.NoError(t, err)
		tc := &treeCounter{anchors: map[string]treeSize{}}
		size := tc.measure(file.Docs[0].Body, 1)
		require.Equal(t, size.nodes, sc.nodes, s.Playbook.Name)
		require.Less(t, size.nodes*10, MaxYAMLNodes, "%s: the limit leaves room", s.Playbook.Name)
		require.Less(t, size.height*2, MaxYAMLDepth, "%s: the limit leaves room", s.Playbook.Name)
	}
}

// Parsing was quadratic in the number of steps: go-yaml re-rendered the whole
// file for every duration. What it allocates must now grow in step with the
// input. Allocation, unlike time, does not depend on the machine's load.
func TestParsingIsLinearInTheSteps(t *testing.T) {
	decode := func(n int) uint64 {
		src := []byte(flowSteps(n))
		_, alloc := cost(func() {
			file, err := parseYAML(src)
			require.NoError(t, err)
			var pb Playbook
			require.NoError(t, decodeYAML(file.Docs[0].Body, &pb))
			require.Len(t, pb.Steps, n)
		})
		return alloc
	}
	small, large := decode(500), decode(4_000)
	ratio := float64(large) / float64(small)
	t.Logf("decoding 500 steps allocated %d KB, 4,000 steps %d KB: ×%.1f for ×8 the steps", small>>10, large>>10, ratio)
	require.Less(t, ratio, 12.0, "quadratic would be ×64")

	parse := func(n int) uint64 {
		src := []byte(flowSteps(n))
		_, alloc := cost(func() {
			_, err := Parse(src)
			require.NoError(t, err)
		})
		return alloc
	}
	small, large = parse(50), parse(400)
	ratio = float64(large) / float64(small)
	t.Logf("parsing and validating 50 steps allocated %d KB, 400 steps %d KB: ×%.1f", small>>10, large>>10, ratio)
	require.Less(t, ratio, 12.0, "quadratic would be ×64")
}

// BenchmarkParseSteps shows the time per step staying flat as steps grow
// (go test -bench ParseSteps ./playbooks). Past MaxSteps Parse refuses, so the
// larger sizes time the YAML stage alone, which is what hole 7 measured.
func BenchmarkParseSteps(b *testing.B) {
	for _, n := range []int{50, 100, 200, 400} {
		src := []byte(flowSteps(n))
		b.Run(fmt.Sprintf("parse/steps=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Parse(src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/step")
		})
	}
	for _, n := range []int{1_000, 2_000, 4_000, 8_000} {
		src := []byte(flowSteps(n))
		b.Run(fmt.Sprintf("yaml/steps=%d", n), func(b *testing.B) {
			for b.Loop() {
				file, err := parseYAML(src)
				if err != nil {
					b.Fatal(err)
				}
				var pb Playbook
				if err := decodeYAML(file.Docs[0].Body, &pb); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/step")
		})
	}
}

// TestHostileExpressionsRunOutOfBudget replays hole 6 and its variants where a
// workflow evaluates them: each fails with a LimitError that names the
// expression, the same way every time, within refuseTime and refuseAlloc.
func TestHostileExpressionsRunOutOfBudget(t *testing.T) {
	for _, h := range hostileExpressions() {
		t.Run(h.name, func(t *testing.T) {
			var err error
			took, alloc := cost(func() { _, err = Resolve(h.src, Scope{}) })
			require.Error(t, err)
			require.True(t, IsLimit(err), "not a limit: %v", err)
			require.Contains(t, err.Error(), h.want)
			require.Contains(t, err.Error(), strings.TrimPrefix(strings.SplitN(h.src, "${", 2)[1][:10], " "), "the error names the expression")
			require.Less(t, took, refuseTime, "took %s", took)
			require.Less(t, alloc, uint64(refuseAlloc), "allocated %d MB", alloc>>20)
			_, again := Resolve(h.src, Scope{})
			require.Equal(t, err.Error(), again.Error(), "a replay fails the same way")
		})
	}
}

// The same expressions in a playbook are constants, which validation runs: the
// playbook is refused, cheaply, with the expression's line.
func TestHostileConstantsAreRefusedAtValidation(t *testing.T) {
	for _, h := range hostileExpressions() {
		t.Run(h.name, func(t *testing.T) {
			src := attackHeader() + "steps:\n  - id: a\n    action: notify\n    with:\n      message: '" + strings.ReplaceAll(h.src, "'", "''") + "'\n"
			var err error
			took, alloc := cost(func() { _, err = Parse([]byte(src)) })
			var inv *InvalidError
			require.True(t, errors.As(err, &inv), "%v", err)
			require.Equal(t, "steps[0].with.message", inv.Problems[0].Field, "%v", inv)
			require.Equal(t, 7, inv.Problems[0].Line)
			require.Contains(t, inv.Problems[0].Message, h.want)
			require.Less(t, took, refuseTime, "took %s", took)
			require.Less(t, alloc, uint64(refuseAlloc), "allocated %d MB", alloc>>20)
		})
	}
}

// Ordinary expressions give what they gave before the budget was added.
func TestBudgetedExpressionsKeepTheirValues(t *testing.T) {
	sc := Scope{
		Params:   map[string]any{"brand": "Acme", "n": 3.0, "l": []any{"b", "a", "c"}},
		Steps:    map[string]map[string]any{"s": {"rank": 12.0, "posts": []any{map[string]any{"t": "x"}, map[string]any{"t": "y"}}}},
		Campaign: map[string]any{"id": "c1"},
	}
	for _, tc := range []struct {
		src  string
		want any
	}{
		{"${params.brand + ' Inc'}", "Acme Inc"},
		{"${params.n + 1}", 4.0},
		{"${params.n * 2 - 1}", 5.0},
		{"${params.n / 2}", 1.5},
		{"${1..3}", []any{1.0, 2.0, 3.0}},
		{"${map(1..3, # * params.n)}", []any{3.0, 6.0, 9.0}},
		{"${filter(params.l, # > 'a')}", []any{"b", "c"}},
		{"${sort(params.l)}", []any{"a", "b", "c"}},
		{"${sortBy(params.l, #)}", []any{"a", "b", "c"}},
		{"${reduce(1..4, #acc + #, 0)}", 10.0},
		{"${'a' in params.l}", true},
		{"${'z' in params.l}", false},
		{"${params.brand contains 'cm'}", true},
		{"${params.brand startsWith 'Ac' && params.brand endsWith 'me'}", true},
		{"${params.brand matches '^A.m'}", true},
		{"${params.brand == 'Acme' ? 'yes' : 'no'}", "yes"},
		{"${steps.s.output.rank <= 10}", false},
		{"${len(steps.s.output.posts)}", 2.0},
		{"${map(steps.s.output.posts, .t)}", []any{"x", "y"}},
		{"${join(params.l, '-')}", "b-a-c"},
		{"${upper(params.brand)}", "ACME"},
		{"${repeat('ab', 3)}", "ababab"},
		{"${replace('a-b-c', '-', '+')}", "a+b+c"},
		{"${split('a,b', ',')}", []any{"a", "b"}},
		{"${toJSON({'a': 1})}", "{\n  \"a\": 1\n}"},
		{"${fromJSON('[1, 2]')}", []any{1.0, 2.0}},
		{"${string(params.n)}", "3"},
		{"${concat([1], [2])}", []any{1.0, 2.0}},
		{"${flatten([[1], [2, [3]]])}", []any{1.0, 2.0, 3.0}},
		{"${max(1, params.n)}", 3.0},
		{"${all(params.l, len(#) == 1)}", true},
		{"${count(params.l, # != 'a')}", 2.0},
		{"${groupBy(['a', 'bb'], len(#))[2]}", []any{"bb"}},
		{"${campaign.id + '/' + string(params.n)}", "c1/3"},
		{"Week ${params.n}: ${params.l}", "Week 3: b, a, c"},
		{"${params.missing ?? 'none'}", "none"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			got, err := Resolve(tc.src, sc)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// A parameter can make an expression blow up only at launch, so launching
// runs the expressions that read only parameters, and refuses.
func TestLaunchParamsAreBounded(t *testing.T) {
	pb, err := Parse([]byte(attackHeader() + `params:
  - {name: brand, type: string, required: true}
  - {name: l, type: list, default: []}
steps:
  - id: a
    action: notify
    with:
      message: '${ let a = repeat(params.brand, 999999); let b = a+a+a+a+a+a+a+a; len(b) }'
`))
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"a parameter-built string that would blow up in the worker", map[string]any{"brand": "x"}, "with these parameters"},
		{"a 100 KB parameter", map[string]any{"brand": strings.Repeat("x", 100<<10)}, "64 KB"},
		{"a list of 10,000 items", map[string]any{"brand": "", "l": make([]any, 10_000)}, "64 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			took, alloc := cost(func() { _, err = BindParams(pb, tc.params) })
			var inv *InvalidError
			require.True(t, errors.As(err, &inv), "%v", err)
			require.Contains(t, inv.Error(), tc.want)
			require.Less(t, took, refuseTime)
			require.Less(t, alloc, uint64(refuseAlloc), "allocated %d MB", alloc>>20)
		})
	}
	_, err = BindParams(pb, map[string]any{"brand": ""})
	require.NoError(t, err, "an empty brand builds nothing")
}

// countdown is a context whose Err turns to Canceled after n calls: a caller
// that went away, at a point the test chooses.
type countdown struct {
	context.Context
	left, calls atomic.Int64
}

func (c *countdown) Err() error {
	c.calls.Add(1)
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// Validation stops when the request's context ends, rather than finishing the
// work for a client that gave up (hole 7: 12 minutes of CPU after the client left).
func TestParseContextStopsWhenTheCallerGoesAway(t *testing.T) {
	src := []byte(flowSteps(MaxSteps - 1))
	_, err := ParseContext(context.Background(), src)
	require.NoError(t, err)

	ctx := &countdown{Context: context.Background()}
	ctx.left.Store(20)
	_, err = ParseContext(ctx, src)
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, ctx.calls.Load(), int64(25), "kept working after the caller left")

	done, cancel := context.WithCancel(context.Background())
	cancel()
	var inv *InvalidError
	_, err = ParseContext(done, src)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, errors.As(err, &inv), "a caller that left is not a playbook problem")
}
