package playbooks

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// The inputs an attacker sent (issue 8, holes 5 to 7) and variants of each
// class, shared by the limit tests and the fuzz seeds.

// Bounds every refusal must keep, generous for a loaded 2-core machine and far
// below what the inputs cost before the limits (seconds to minutes, gigabytes).
const (
	refuseTime  = time.Second
	refuseAlloc = 32 << 20
)

// cost runs fn once and says how long it took and how much it allocated.
func cost(fn func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return took, after.TotalAlloc - before.TotalAlloc
}

type hostile struct {
	name string
	src  string
	want string // in the refusal's message
}

func attackHeader() string { return "name: attack\nversion: 1\n" }

// flowSteps is N steps written the way hole 7 wrote them.
func flowSteps(n int) string {
	var b strings.Builder
	b.WriteString(attackHeader() + "steps:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: s%d, wait: 1s}\n", i)
	}
	return b.String()
}

// nestedBranches is n branch steps, each inside the one before, written
// compactly as hole 5 wrote them (19,000 in 995 KB).
func nestedBranches(n int) string {
	var b strings.Builder
	b.WriteString(attackHeader() + "steps:\n")
	b.WriteString("- ")
	for i := range n {
		fmt.Fprintf(&b, "{id: b%d, branch: {if: 'true', then: [\n", i)
	}
	b.WriteString("{id: w, wait: 1s}")
	b.WriteString(strings.Repeat("]}}", n))
	b.WriteString("\n")
	return b.String()
}

// hostileSources are playbooks that must be refused before the expensive work.
func hostileSources() []hostile {
	keys := func(n int) string {
		var b strings.Builder
		b.WriteString(attackHeader() + "steps:\n  - id: a\n    action: notify\n    with:\n")
		for i := range n {
			fmt.Fprintf(&b, "      k%d: v\n", i)
		}
		return b.String()
	}
	laughs := func(levels int) string {
		var b strings.Builder
		b.WriteString(attackHeader() + "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
		for i := 1; i < levels; i++ {
			p := fmt.Sprintf("*l%d", i-1)
			fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(p+", ", 10), ", "))
		}
		b.WriteString("steps: [{id: a, wait: 1s}]\n")
		return b.String()
	}
	manySteps := func(n int) string {
		var b strings.Builder
		b.WriteString(attackHeader() + "steps:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {id: s%d, wait: 1s}\n", i)
		}
		return b.String()
	}
	manyExprs := func(n int) string {
		var b strings.Builder
		b.WriteString(attackHeader() + "params: [{name: p, type: int, default: 1}]\nsteps:\n")
		for i := range n / 4 {
			fmt.Fprintf(&b, "  - {id: s%d, action: notify, with: {message: '${params.p + %d} ${params.p - %d} ${params.p * %d} ${params.p %% %d}'}}\n", i, i, i, i, i+1)
		}
		return b.String()
	}
	return []hostile{
		// Hole 5: deep nesting.
		{"50,000 nested [ (hole 5)", attackHeader() + "steps: " + strings.Repeat("[", 50_000), "nest more than"},
		{"1 MB of [ (hole 5)", strings.Repeat("[", 1<<20), "the limit is"},
		{"19,000 nested branch steps (hole 5)", nestedBranches(19_000), "the limit is"},
		{"200 nested branch steps", nestedBranches(200), "nest more than"},
		{"7 nested branch steps", nestedBranches(7), "steps more than"},
		{"nested flow mappings", attackHeader() + "steps: " + strings.Repeat("{a: ", 20_000), "nest more than"},
		{"deep block mappings", attackHeader() + func() string {
			var b strings.Builder
			for i := range 200 {
				b.WriteString(strings.Repeat(" ", i) + "a:\n")
			}
			return b.String()
		}(), "nest more than"},
		{"nested block sequences", attackHeader() + "steps:\n" + strings.Repeat("- ", 20_000) + "x\n", "nest more than"},
		// Hole 7: many small steps, and other shapes go-yaml parses slowly.
		{"4,000 steps (hole 7)", flowSteps(4_000), "YAML nodes"},
		{"40,000 steps (hole 7)", flowSteps(40_000), "the limit is"},
		{"600 steps", manySteps(600), "more than 500 steps"},
		{"a mapping with 5,000 keys", keys(5_000), "keys"},
		{"a 10 KB key", attackHeader() + strings.Repeat("k", 10_000) + ": v\nsteps: []\n", "mapping key"},
		{"14,000 documents", strings.Repeat("---\na: 1\n", 14_000), "one YAML document"},
		{"billion laughs", laughs(12), "counting each alias"},
		{"2,000 expressions", manyExprs(2_000), "more than 1000 expressions"},
		{"a 10 KB expression", attackHeader() + "steps: [{id: a, action: notify, with: {message: '${" + strings.Repeat("1 + ", 2_500) + "1}'}}]\n", "the limit is"},
		{"200 parameters", attackHeader() + "params:\n" + func() string {
			var b strings.Builder
			for i := range 200 {
				fmt.Fprintf(&b, "  - {name: p%d, type: int}\n", i)
			}
			return b.String()
		}() + "steps: [{id: a, wait: 1s}]\n", "parameters"},
		{"a for_each of 1,000 items", attackHeader() + "steps: [{id: p, parallel: {for_each: [" + strings.TrimSuffix(strings.Repeat("x, ", 1_000), ", ") + "], steps: [{id: w, wait: 1s}]}}]\n", "branches"},
		// Text the store cannot hold.
		{"a NUL byte", attackHeader() + "description: \"Ac\x00me\"\nsteps: [{id: a, wait: 1s}]\n", "NUL"},
		{"invalid UTF-8", attackHeader() + "description: Ac\xffme\nsteps: [{id: a, wait: 1s}]\n", "UTF-8"},
	}
}

// issueExpression is hole 6 as sent: 189 bytes that built 0.9 GB.
const issueExpression = `${ let a = repeat("x", 999999); let b = a+a+a+a+a+a+a+a; let c = b+b+b+b+b+b+b+b; let d = c+c+c+c+c+c+c+c; len(d) }`

// hostileExpressions are expressions that must fail within their budget.
func hostileExpressions() []hostile {
	return []hostile{
		{"repeat then + (hole 6)", issueExpression, "at most 1 MB"},
		{"doubling with let", "${ let a = \"xxxxxxxxxxxxxxxx\"; " + func() string {
			var b strings.Builder
			prev := "a"
			for i := range 30 {
				fmt.Fprintf(&b, "let a%d = %s + %s; ", i, prev, prev)
				prev = fmt.Sprintf("a%d", i)
			}
			return b.String() + "len(" + prev + ") }"
		}(), "at most 1 MB"},
		{"repeat of repeat", `${ repeat(repeat("x", 999999), 999999) }`, "at most 1 MB"},
		{"join of a list of one big string", `${ let s = repeat("x", 100000); join(map(1..1000, s), "") }`, "more than"},
		{"replace that multiplies", `${ replace(repeat("x", 100000), "x", repeat("y", 1000)) }`, "at most 1 MB"},
		{"toJSON of a list that holds itself twice, 30 times over", "${ " + func() string {
			var b strings.Builder
			b.WriteString("let l0 = [1, 2]; ")
			for i := 1; i <= 30; i++ {
				fmt.Fprintf(&b, "let l%d = [l%d, l%d]; ", i, i-1, i-1)
			}
			return b.String() + "toJSON(l30) }"
		}(), "operations"},
		{"comparing lists that hold themselves twice", "${ " + func() string {
			var b strings.Builder
			b.WriteString("let l0 = [1]; let m0 = [1]; ")
			for i := 1; i <= 40; i++ {
				fmt.Fprintf(&b, "let l%d = [l%d, l%d]; let m%d = [m%d, m%d]; ", i, i-1, i-1, i, i-1, i-1)
			}
			return b.String() + "l40 == m40 }"
		}(), "operations"},
		{"nested loops", `${ count(1..5000, count(1..5000, # > 0) > 0) }`, "operations"},
		{"a billion-element range", `${ len(1..1000000000) }`, "at most 1 MB"},
		{"split into a million pieces", `${ len(split(repeat("x,", 400000), ",")) }`, "at most 1 MB"},
		{"a rendered list of one big string", `Hello ${ let s = repeat("x", 500000); [s, s, s] }`, "at most 1 MB"},
	}
}
