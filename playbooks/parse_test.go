package playbooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuiltinsParse(t *testing.T) {
	srcs, err := Builtins()
	require.NoError(t, err)
	require.NotEmpty(t, srcs)
	names := map[string]bool{}
	for _, s := range srcs {
		names[s.Playbook.Name] = true
		require.NotEmpty(t, s.Playbook.Description, s.Playbook.Name)
	}
	require.True(t, names["reputation-repair"])
}

func TestParseReportsEveryProblemWithItsLine(t *testing.T) {
	src := `name: Bad Name
version: 1
params:
  - name: brand
    type: string
steps:
  - id: audit
    action: audit_everything
  - id: audit
    approval:
      title: ok
      timeout: 0s
      on_timeout: maybe
  - id: pause
    wait: 7d
    with: {x: 1}
  - id: publish
    action: publish_posts
    with:
      brand: ${params.missing}
      count: 1
`
	_, err := Parse([]byte(src))
	var inv *InvalidError
	require.True(t, errors.As(err, &inv), "got %v", err)
	got := map[string]Problem{}
	for _, p := range inv.Problems {
		got[p.Field+"|"+p.Message[:min(20, len(p.Message))]] = p
	}
	want := []struct {
		field string
		line  int
		text  string
	}{
		{"name", 1, "lower-case"},
		{"steps[0].action", 8, "unknown action \"audit_everything\""},
		{"steps[1].id", 9, "already used by steps[0]"},
		{"steps[1].approval.timeout", 12, "every approval has a deadline"},
		{"steps[1].approval.on_timeout", 13, "\"maybe\" is not a policy"},
		{"steps[2].with", 16, "only action steps take inputs"},
		{"steps[3].with.brand", 20, "no parameter \"missing\""},
	}
	require.Len(t, inv.Problems, len(want), "problems: %v", inv.Problems)
	for _, w := range want {
		found := false
		for _, p := range inv.Problems {
			if p.Field == w.field && strings.Contains(p.Message, w.text) {
				found = true
				require.Equal(t, w.line, p.Line, "line of %s", w.field)
				require.Positive(t, p.Column)
			}
		}
		require.True(t, found, "no problem %s ~ %q in %v", w.field, w.text, inv.Problems)
	}
}

func TestParseSyntaxAndTypeErrorsHaveLines(t *testing.T) {
	for name, tc := range map[string]struct {
		src  string
		line int
	}{
		"syntax":        {"name: x\nversion: 1\nsteps:\n  - id: [unclosed\n", 4},
		"unknown field": {"name: x\nversion: 1\nsteps:\n  - id: a\n    wiat: 7d\n", 5},
		"type":          {"name: x\nversion: one\nsteps: []\n", 2},
		"empty tag":     {"name: x\nversion: 1\nsteps: ! \n", 3}, // go-yaml panics on it; found by FuzzParse
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			var inv *InvalidError
			require.True(t, errors.As(err, &inv), "got %v", err)
			require.Len(t, inv.Problems, 1)
			require.Equal(t, tc.line, inv.Problems[0].Line, "%v", inv.Problems[0])
		})
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]string{"48h": "2d", "7d": "1w", "90m": "1h30m", "1d12h": "1d12h", "30s": "30s", "2w": "2w", "36h": "1d12h"} {
		d, err := ParseDuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, d.String(), in)
		back, err := ParseDuration(d.String())
		require.NoError(t, err)
		require.Equal(t, d, back, "round trip of %s", in)
	}
	for _, bad := range []string{"", "soon", "-1h", "1x", "d"} {
		_, err := ParseDuration(bad)
		require.Error(t, err, bad)
	}
}

func TestBindParams(t *testing.T) {
	pb := &Playbook{Name: "p", Version: 1, Params: []Param{
		{Name: "brand", Type: TypeString, Required: true},
		{Name: "count", Type: TypeInt, Default: uint64(3)},
		{Name: "wait", Type: TypeDuration, Default: "48h"},
		{Name: "platforms", Type: TypeList},
	}}
	got, err := BindParams(pb, map[string]any{"brand": "Acme", "platforms": []any{"x"}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"brand": "Acme", "count": float64(3), "wait": "2d", "platforms": []any{"x"}}, got)

	_, err = BindParams(pb, map[string]any{"count": 1.5, "platforms": "x", "extra": true})
	var inv *InvalidError
	require.True(t, errors.As(err, &inv))
	fields := []string{}
	for _, p := range inv.Problems {
		fields = append(fields, p.Field)
	}
	require.ElementsMatch(t, []string{"params.brand", "params.count", "params.platforms", "params.extra"}, fields)
}

func TestResolve(t *testing.T) {
	s := Scope{
		Params: map[string]any{"brand": "Acme", "platforms": []any{"x", "linkedin"}},
		Steps:  map[string]map[string]any{"audit": {"best_rank": float64(17)}},
	}
	got, err := ResolveMap(map[string]any{
		"brand": "${params.brand}", "platforms": "${params.platforms}",
		"text": "Rank ${steps.audit.output.best_rank} on ${params.platforms}", "n": 3,
	}, s)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"brand": "Acme", "platforms": []any{"x", "linkedin"}, "text": "Rank 17 on x, linkedin", "n": 3,
	}, got)
	_, err = Resolve("${steps.later.output}", s)
	require.ErrorContains(t, err, "has not produced output yet")
}
