package playbooks

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// runScope is what the workflow hands over: values as JSON decodes them.
func runScope() Scope {
	return Scope{
		Params: map[string]any{
			"brand": "Acme", "target_rank": float64(10), "weeks": float64(5),
			"platforms": []any{"x", "linkedin"}, "max-posts": float64(3),
		},
		Steps: map[string]map[string]any{
			"draft-batch": {"posts": []any{map[string]any{"text": "hi", "n": float64(2)}}},
			"measure":     {"best_rank": float64(7), "share": 0.25},
		},
		Campaign: map[string]any{"id": "c1", "client": "acme", "playbook": "p", "version": float64(1)},
	}
}

func TestResolveKeepsTheDottedFormOfDashedIDs(t *testing.T) {
	s := runScope()
	posts := s.Steps["draft-batch"]["posts"]
	for _, src := range []string{
		"${steps.draft-batch.output.posts}",
		"${ steps.draft-batch.output.posts }",
		`${steps["draft-batch"].output.posts}`,
	} {
		got, err := Resolve(src, s)
		require.NoError(t, err, src)
		require.Equal(t, posts, got, src)
	}
	got, err := Resolve("${params.max-posts} posts", s)
	require.NoError(t, err)
	require.Equal(t, "3 posts", got)
	// Inside a string literal nothing is rewritten.
	got, err = Resolve(`${"steps.draft-batch"}`, s)
	require.NoError(t, err)
	require.Equal(t, "steps.draft-batch", got)
}

func TestResolveGivesJSONShapes(t *testing.T) {
	s := runScope()
	for src, want := range map[string]any{
		"${params.weeks}":         float64(5),
		"${params.weeks % 2}":     float64(1), // whole numbers reach expr as ints
		"${params.weeks / 2}":     2.5,
		"${1..3}":                 []any{float64(1), float64(2), float64(3)},
		"${split('a,b', ',')}":    []any{"a", "b"},
		"${params.platforms}":     []any{"x", "linkedin"},
		"${campaign.version + 1}": float64(2),
		"${params.unset}":         nil, // an optional parameter without default
		"${steps.measure.output}": map[string]any{"best_rank": float64(7), "share": 0.25},
		"week ${params.weeks}: ${params.platforms} (${steps.measure.output.share})": "week 5: x, linkedin (0.25)",
		`${"${"}literal`: "${literal",
		"no template":    "no template",
	} {
		got, err := Resolve(src, s)
		require.NoError(t, err, src)
		require.Equal(t, want, got, src)
	}
}

func TestResolveItemAndIteration(t *testing.T) {
	s := runScope()
	s.Item, s.HasItem, s.Iteration = "linkedin", true, 3
	got, err := ResolveMap(map[string]any{
		"platforms": []any{"${item}"},
		"title":     "Week ${iteration} on ${upper(item)}",
		"n":         "${iteration * 2}",
		"count":     3,
	}, s)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"platforms": []any{"linkedin"}, "title": "Week 3 on LINKEDIN", "n": float64(6), "count": 3,
	}, got)

	_, err = Resolve("${item}", runScope())
	require.ErrorContains(t, err, "item is only set inside a parallel for_each")
	_, err = Resolve("${iteration}", runScope())
	require.ErrorContains(t, err, "iteration is only set inside a repeat")
}

func TestResolveErrors(t *testing.T) {
	s := runScope()
	_, err := Resolve("${steps.later.output}", s)
	require.ErrorContains(t, err, `step "later" has not produced output yet`)
	_, err = Resolve("x ${params.brand", s)
	require.ErrorContains(t, err, "without its closing }")
	_, err = Resolve("${params.brand +}", s)
	require.ErrorContains(t, err, "does not compile")
	_, err = ResolveMap(map[string]any{"a": []any{"${params.brand * 2}"}}, s)
	require.ErrorContains(t, err, "a: [0]: ${params.brand * 2}")
}

func TestConditionMixesIntsAndFloats(t *testing.T) {
	s := runScope()
	s.Iteration = 2
	for src, want := range map[string]bool{
		"steps.measure.output.best_rank <= params.target_rank":     true,
		"${steps.measure.output.best_rank <= params.target_rank}":  true,
		"steps.measure.output.share < 0.5 && params.weeks == 5":    true,
		"steps.measure.output.best_rank == 7.0":                    true,
		"iteration >= params.weeks":                                false,
		"  ${ iteration == 2 }  ":                                  true,
		`steps["draft-batch"].output.posts[0].n > 1`:               true,
		"steps.draft-batch.output.posts[0].text == 'hi'":           true,
		"len(steps.draft-batch.output.posts) < params.target_rank": true,
	} {
		got, err := Condition(src, s)
		require.NoError(t, err, src)
		require.Equal(t, want, got, src)
	}
	_, err := Condition("params.weeks", s)
	require.ErrorContains(t, err, "gives a number, not true or false")
	_, err = Condition("now() > 1", s)
	require.ErrorContains(t, err, "does not compile")
}

func TestIntValue(t *testing.T) {
	s := runScope()
	for _, tc := range []struct {
		in   any
		want int
	}{
		{uint64(12), 12}, {float64(4), 4}, {int64(3), 3}, {7, 7},
		{"${params.weeks}", 5}, {"params.weeks * 2", 10}, {"${max(params.weeks, 8)}", 8},
	} {
		got, err := IntValue(tc.in, s)
		require.NoError(t, err, "%v", tc.in)
		require.Equal(t, tc.want, got, "%v", tc.in)
	}
	for in, msg := range map[any]string{
		2.5: "whole number", "params.weeks / 2": "not 2.5", "params.brand": "not the text", true: "not a boolean",
	} {
		_, err := IntValue(in, s)
		require.ErrorContains(t, err, msg, "%v", in)
	}
	_, err := IntValue(nil, s)
	require.Error(t, err)
}

func TestListValue(t *testing.T) {
	s := runScope()
	s.Item, s.HasItem = "outer", true
	got, err := ListValue("${params.platforms}", s)
	require.NoError(t, err)
	require.Equal(t, []any{"x", "linkedin"}, got)
	got, err = ListValue("filter(params.platforms, # != 'x')", s)
	require.NoError(t, err)
	require.Equal(t, []any{"linkedin"}, got)
	got, err = ListValue([]any{"a", "${item}", float64(1)}, s)
	require.NoError(t, err)
	require.Equal(t, []any{"a", "outer", float64(1)}, got)
	_, err = ListValue("params.brand", s)
	require.ErrorContains(t, err, "not a list")
	_, err = ListValue(map[string]any{}, s)
	require.ErrorContains(t, err, "must be a list")
}

// TestNonDeterministicBuiltinsAreOff guards replay: the clock, time zones and
// map order are out of reach at run time too, not only at validation.
func TestNonDeterministicBuiltinsAreOff(t *testing.T) {
	s := runScope()
	for name := range disabledBuiltins {
		_, err := Resolve(fmt.Sprintf("${%s(params)}", name), s)
		require.ErrorContains(t, err, "does not compile", name)
	}
	// Maps are rendered with sorted keys, whatever the map's own order.
	for range 20 {
		got, err := Resolve("${toJSON({z: 1, a: 2, m: 3})} ${ {z: 1, a: 2} }", s)
		require.NoError(t, err)
		require.Equal(t, "{\n  \"a\": 2,\n  \"m\": 3,\n  \"z\": 1\n} map[a:2 z:1]", got)
	}
}

func TestProgramCacheIsBoundedAndShared(t *testing.T) {
	c := newProgramCache(2, 1<<20)
	for i := range 3 {
		c.put(cacheKey{src: fmt.Sprint(i), shape: runtimeShape}, &compiled{})
	}
	require.Equal(t, 2, c.len())
	_, ok := c.get(cacheKey{src: "0", shape: runtimeShape})
	require.False(t, ok, "the least recently used entry goes first")

	small := newProgramCache(100, 64)
	for i := range 10 {
		small.put(cacheKey{src: fmt.Sprintf("%08d", i)}, &compiled{})
	}
	require.LessOrEqual(t, small.len(), 4, "the byte bound holds too")

	// Workers evaluate from many workflows at once.
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := runScope()
			s.Iteration = i + 1
			got, err := Resolve("${iteration * params.weeks}", s)
			require.NoError(t, err)
			require.Equal(t, float64((i+1)*5), got)
		}()
	}
	wg.Wait()
}

func TestSplitTemplate(t *testing.T) {
	segs, err := splitTemplate(`a ${ {"k": "}"}.k } b ${x} c`)
	require.NoError(t, err)
	require.Equal(t, []segment{
		{text: "a "}, {text: ` {"k": "}"}.k `, isExpr: true}, {text: " b "}, {text: "x", isExpr: true}, {text: " c"},
	}, segs)
	for _, bad := range []string{"${", "a ${b", `${"}`, "${ {a: 1 }"} {
		_, err := splitTemplate(bad)
		require.Error(t, err, bad)
	}
}

func TestRewriteNames(t *testing.T) {
	for in, want := range map[string]string{
		"steps.draft-batch.output.posts":          `steps["draft-batch"].output.posts`,
		"steps.audit.output.x - steps.a-b.output": `steps.audit.output.x - steps["a-b"].output`,
		"params.max-posts-1":                      `params["max-posts-1"]`,
		"params.n - 1":                            "params.n - 1",
		"steps.2nd.output":                        `steps["2nd"].output`,
		"x.steps.a-b":                             "x.steps.a-b",
		"mysteps.a-b":                             "mysteps.a-b",
		`"steps.a-b" + steps.a-b.output`:          `"steps.a-b" + steps["a-b"].output`,
	} {
		require.Equal(t, want, rewriteNames(in), in)
	}
}

// TestResolveSettlesCollidingKeysTheSameWay: groupBy(…, #) over 1 and "1"
// makes a map whose keys both render "1". Workflows replay what Resolve
// returns, so which group stays must not follow Go's random map order.
func TestResolveSettlesCollidingKeysTheSameWay(t *testing.T) {
	first, err := Resolve(`${ groupBy([1, "1", 2.0, 2], #) }`, runScope())
	require.NoError(t, err)
	require.Len(t, first, 2)
	for range 200 {
		got, err := Resolve(`${ groupBy([1, "1", 2.0, 2], #) }`, runScope())
		require.NoError(t, err)
		require.Equal(t, first, got)
	}
}
