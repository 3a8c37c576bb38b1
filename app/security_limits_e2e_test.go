package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/playbooks"
)

// Holes 5, 6 and 7 of issue 8, replayed over HTTP with the tokens the API hands
// out, plus variants of each class: small requests that exhausted the server.
// Each must be refused (413 or 422) in well under a second, with the process's
// peak memory within a few tens of MB of where it was, and with nothing changed
// in the store or in Temporal.

const (
	limitAnswerTime = time.Second // every refusal answers well within this
	limitPeakGrowth = 64 << 20    // the process's peak memory may grow this much per attack
)

type limitAttack struct {
	name   string
	method string
	path   string
	body   string
	status int
	want   string // in the answer
}

func TestSecurityLimits(t *testing.T) {
	s := newSecurityEnv(t)
	viewer := s.token("limits-viewer", "viewer", []string{"acme"}, nil)
	operator := s.token("limits-operator", "operator", []string{"acme"}, nil)
	admin := s.token("limits-admin", "admin", nil, nil)

	// A valid playbook whose expression reads only a parameter: it cannot be
	// run before launch, and the launch is where a parameter can make it blow up.
	code, body := s.as(admin, "POST", "/v1/playbooks", paramBlowUp)
	require.Equal(t, http.StatusCreated, code, body)

	for _, class := range []struct {
		name    string
		token   string
		attacks []limitAttack
	}{
		{"hole 5, nesting, viewer validates", viewer, nestingAttacks("/v1/playbooks/validate")},
		{"hole 5, nesting, operator registers", operator, nestingAttacks("/v1/playbooks")},
		{"hole 5, nesting, admin registers", admin, nestingAttacks("/v1/playbooks")},
		{"hole 6, expressions, viewer validates", viewer, expressionAttacks("/v1/playbooks/validate")},
		{"hole 6, expressions, admin registers", admin, expressionAttacks("/v1/playbooks")},
		{"hole 6, parameters, operator launches", operator, launchAttacks()},
		{"hole 7, many small things, viewer validates", viewer, breadthAttacks("/v1/playbooks/validate")},
		{"hole 7, many small things, admin registers", admin, breadthAttacks("/v1/playbooks")},
		{"text the store cannot hold", viewer, textAttacks("/v1/playbooks/validate")},
	} {
		t.Run(class.name, func(t *testing.T) {
			for _, a := range class.attacks {
				t.Run(a.name, func(t *testing.T) {
					parent := s.t
					s.t = t
					defer func() { s.t = parent }()
					before := s.snapshot()
					peak := resetPeakMemory(t)
					start := time.Now()
					code, body := s.as(class.token, a.method, a.path, a.body)
					took := time.Since(start)
					require.Equal(t, a.status, code, "%.400s", body)
					require.Contains(t, body, a.want)
					require.Contains(t, body, `"type":"/problems/`, "an application/problem+json answer")
					require.Less(t, took, limitAnswerTime, "answered in %s", took)
					if peak != nil {
						grew := peak()
						require.Less(t, grew, int64(limitPeakGrowth), "peak memory grew %d MB", grew>>20)
						t.Logf("%d bytes: %d in %s, peak memory +%d MB", len(a.body), code, took.Round(time.Millisecond), grew>>20)
					}
					s.unchanged(before, a.name)
				})
			}
		})
	}
}

// The built-in playbooks and the test ones still validate within the limits.
func TestSecurityLimitsKeepRealPlaybooks(t *testing.T) {
	s := newSecurityEnv(t)
	viewer := s.token("limits-viewer", "viewer", []string{"acme"}, nil)
	srcs, err := playbooks.Builtins()
	require.NoError(t, err)
	for _, src := range srcs {
		code, body := s.as(viewer, "POST", "/v1/playbooks/validate", string(src.YAML))
		require.Equal(t, http.StatusOK, code, "%s: %s", src.Playbook.Name, body)
	}
	for _, f := range []string{"e2e-approve.yaml", "e2e-quorum.yaml", "quick.yaml"} {
		b, err := os.ReadFile("testdata/playbooks/" + f)
		require.NoError(t, err)
		code, body := s.as(viewer, "POST", "/v1/playbooks/validate", string(b))
		require.Equal(t, http.StatusOK, code, "%s: %s", f, body)
	}
}

// Hole 7's second half: 40,000 steps kept 1.3 cores busy for 12 minutes after
// the client gave up. Now validation is bounded well under a second, and it
// also stops when the client goes away: the handler answers 499 (recorded in
// /metrics, never sent) instead of finishing the work.
func TestSecurityLimitsAbandonedValidationStops(t *testing.T) {
	s := newSecurityEnv(t)
	viewer := s.token("limits-viewer", "viewer", []string{"acme"}, nil)
	src := slowButValid()
	require.Less(t, len(src), playbooks.MaxSourceBytes)

	start := time.Now()
	code, body := s.as(viewer, "POST", "/v1/playbooks/validate", src)
	full := time.Since(start)
	require.Equal(t, http.StatusOK, code, "%.400s", body)
	require.Less(t, full, limitAnswerTime*4, "even the slowest valid playbook is checked quickly")
	t.Logf("the slowest valid playbook (%d bytes) is checked in %s", len(src), full)

	abandoned := func() float64 {
		return scrape(t, s.d.APIURL)[`greenlight_http_requests_total{code="499",method="POST",route="/v1/playbooks/validate"}`]
	}
	// The client gives up partway through the check. Timing on a busy machine
	// varies, so it tries a few points; the check must end early at least once
	// (it never did before: the work ran to the end and answered 200).
	before := abandoned()
	for _, frac := range []float64{0.4, 0.25, 0.6, 0.15, 0.8} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(float64(full)*frac))
		req, err := http.NewRequestWithContext(ctx, "POST", s.d.APIURL+"/v1/playbooks/validate", strings.NewReader(src))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+viewer)
		resp, err := (&http.Client{Transport: baseTransport}).Do(req)
		if err == nil {
			resp.Body.Close() // finished before the client gave up: try earlier
		}
		cancel()
		// The handler notices at its next check; give it a moment to record.
		deadline := time.Now().Add(2 * time.Second)
		for abandoned() == before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if abandoned() > before {
			t.Logf("a client that gave up after %.0f%% of the check's time stopped it", frac*100)
			return
		}
	}
	t.Fatalf("no abandoned validation stopped early (no 499 recorded); the full check takes %s", full)
}

// resetPeakMemory resets the process's peak resident memory (Linux) and returns
// a function that says how much it has grown since; nil where that is not
// possible. The API runs in this process, so this is the server's memory.
func resetPeakMemory(t *testing.T) func() int64 {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("peak memory not measured: %v", err)
		return nil
	}
	base := procStatusKB(t, "VmHWM")
	return func() int64 { return (procStatusKB(t, "VmHWM") - base) << 10 }
}

func procStatusKB(t *testing.T, field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

const playbookHead = "name: attack\nversion: 1\n"

func limitPost(path, body string, status int, want string) limitAttack {
	return limitAttack{method: "POST", path: path, body: body, status: status, want: want}
}

func limitNamed(name string, a limitAttack) limitAttack { a.name = name; return a }

// nestedBranchSteps is n branch steps, each inside the one before, written as
// compactly as hole 5 wrote them (19,000 in 995 KB).
func nestedBranchSteps(n int) string {
	var b strings.Builder
	b.WriteString(playbookHead + "steps:\n- ")
	for i := range n {
		fmt.Fprintf(&b, "{id: b%d, branch: {if: 'true', then: [\n", i)
	}
	b.WriteString("{id: w, wait: 1s}" + strings.Repeat("]}}", n) + "\n")
	return b.String()
}

func nestingAttacks(path string) []limitAttack {
	deepMappings := func(n int) string {
		var b strings.Builder
		b.WriteString(playbookHead)
		for i := range n {
			b.WriteString(strings.Repeat(" ", i) + "a:\n")
		}
		return b.String()
	}
	laughs := func(levels int) string {
		var b strings.Builder
		b.WriteString(playbookHead + "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
		for i := 1; i < levels; i++ {
			fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
		}
		return b.String() + "steps: [{id: a, wait: 1s}]\n"
	}
	return []limitAttack{
		limitNamed("hole 5: 100 KB of 50,000 nested [", limitPost(path, strings.Repeat("[", 50_000)+strings.Repeat("]", 50_000), 422, "nest more than")),
		limitNamed("hole 5: 1 MB of [", limitPost(path, strings.Repeat("[", 1<<20), 413, "the limit is")),
		limitNamed("hole 5: 19,000 nested branch steps", limitPost(path, nestedBranchSteps(19_000), 413, "the limit is")),
		limitNamed("200 nested branch steps in 9 KB", limitPost(path, nestedBranchSteps(200), 422, "nest more than")),
		limitNamed("7 nested branch steps", limitPost(path, nestedBranchSteps(7), 422, "steps more than 6 deep")),
		limitNamed("200 nested block mappings", limitPost(path, deepMappings(200), 422, "nest more than")),
		limitNamed("20,000 nested flow mappings", limitPost(path, playbookHead+"steps: "+strings.Repeat("{a: ", 20_000), 422, "nest more than")),
		limitNamed("20,000 nested block sequences", limitPost(path, playbookHead+"steps:\n"+strings.Repeat("- ", 20_000)+"x\n", 422, "nest more than")),
		limitNamed("billion laughs: 12 levels of 10 aliases", limitPost(path, laughs(12), 422, "counting each alias")),
	}
}

// expressionInStep is a playbook whose one step renders expr.
func expressionInStep(expr string) string {
	return playbookHead + "steps:\n  - id: a\n    action: notify\n    with:\n      message: '" + strings.ReplaceAll(expr, "'", "''") + "'\n"
}

// holeSix is the expression as sent: 189 bytes that used 0.9 GB.
const holeSix = `${ let a = repeat("x", 999999); let b = a+a+a+a+a+a+a+a; let c = b+b+b+b+b+b+b+b; let d = c+c+c+c+c+c+c+c; len(d) }`

func expressionAttacks(path string) []limitAttack {
	doubling := func(times int) string {
		var b strings.Builder
		b.WriteString(`${ let a = "xxxxxxxxxxxxxxxx"; `)
		prev := "a"
		for i := range times {
			fmt.Fprintf(&b, "let a%d = %s + %s; ", i, prev, prev)
			prev = fmt.Sprintf("a%d", i)
		}
		return b.String() + "len(" + prev + ") }"
	}
	selfNested := func(levels int) string {
		var b strings.Builder
		b.WriteString("${ let l0 = [1, 2]; ")
		for i := 1; i <= levels; i++ {
			fmt.Fprintf(&b, "let l%d = [l%d, l%d]; ", i, i-1, i-1)
		}
		return b.String() + fmt.Sprintf("toJSON(l%d) }", levels)
	}
	return []limitAttack{
		limitNamed("hole 6: repeat then +", limitPost(path, expressionInStep(holeSix), 422, "a value may be at most 1 MB")),
		limitNamed("doubling a string 30 times with let", limitPost(path, expressionInStep(doubling(30)), 422, "a value may be at most 1 MB")),
		limitNamed("toJSON of a list holding itself twice, 30 deep", limitPost(path, expressionInStep(selfNested(30)), 422, "operations")),
		limitNamed("nested loops over ranges", limitPost(path, expressionInStep(`${ count(1..5000, count(1..5000, # > 0) > 0) }`), 422, "operations")),
		limitNamed("replace that multiplies", limitPost(path, expressionInStep(`${ replace(repeat("x", 100000), "x", repeat("y", 1000)) }`), 422, "a value may be at most 1 MB")),
		limitNamed("a rendered list of one big string", limitPost(path, expressionInStep(`Hi ${ let s = repeat("x", 500000); [s, s, s] }`), 422, "a value may be at most 1 MB")),
		limitNamed("a for_each over 1,000 items", limitPost(path, playbookHead+"steps: [{id: p, parallel: {for_each: '${1..1000}', steps: [{id: w, wait: 1s}]}}]\n", 422, "at most 100 branches")),
		limitNamed("a 10 KB expression", limitPost(path, expressionInStep("${"+strings.Repeat("1 + ", 2_500)+"1}"), 422, "the limit is 2000")),
	}
}

// paramBlowUp renders an expression built from a parameter: valid, since the
// parameter is unknown until launch.
const paramBlowUp = `name: param-blowup
version: 1
params:
  - {name: brand, type: string, required: true}
  - {name: list, type: list, default: []}
steps:
  - id: a
    action: notify
    with:
      message: '${ let a = repeat(params.brand, 999999); let b = a+a+a+a+a+a+a+a; len(b) }'
`

func launchAttacks() []limitAttack {
	launch := func(params map[string]any) string {
		b, _ := json.Marshal(map[string]any{"playbook": "param-blowup", "client": "acme", "params": params})
		return string(b)
	}
	return []limitAttack{
		limitNamed("hole 6: a parameter-built string that would blow up in the worker", limitPost("/v1/campaigns", launch(map[string]any{"brand": "x"}), 422, "with these parameters")),
		limitNamed("a longer parameter, the same blow-up", limitPost("/v1/campaigns", launch(map[string]any{"brand": strings.Repeat("x", 1000)}), 422, "with these parameters")),
		limitNamed("a 200 KB parameter", limitPost("/v1/campaigns", launch(map[string]any{"brand": strings.Repeat("x", 200<<10)}), 422, `"field":"params"`)),
		limitNamed("a list parameter of 20,000 items", limitPost("/v1/campaigns", launch(map[string]any{"brand": "", "list": make([]any, 20_000)}), 413, "more than 10000 values")),
	}
}

func breadthAttacks(path string) []limitAttack {
	steps := func(n int) string {
		var b strings.Builder
		b.WriteString(playbookHead + "steps:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {id: s%d, wait: 1s}\n", i)
		}
		return b.String()
	}
	keys := func(n int) string {
		var b strings.Builder
		b.WriteString(playbookHead + "steps:\n  - id: a\n    action: notify\n    with:\n")
		for i := range n {
			fmt.Fprintf(&b, "      k%d: v\n", i)
		}
		return b.String()
	}
	exprs := func(n int) string {
		var b strings.Builder
		b.WriteString(playbookHead + "params: [{name: p, type: int, default: 1}]\nsteps:\n")
		for i := range n / 4 {
			fmt.Fprintf(&b, "  - {id: s%d, action: notify, with: {message: '${params.p + %d} ${params.p - %d} ${params.p * %d} ${params.p %% %d}'}}\n", i, i, i, i, i+1)
		}
		return b.String()
	}
	return []limitAttack{
		limitNamed("hole 7: 4,000 steps in 95 KB", limitPost(path, steps(4_000), 422, "YAML nodes")),
		limitNamed("hole 7: 40,000 steps", limitPost(path, steps(40_000), 413, "larger than")),
		limitNamed("600 steps", limitPost(path, steps(600), 422, "more than 500 steps")),
		limitNamed("a mapping with 5,000 keys", limitPost(path, keys(5_000), 422, "keys")),
		limitNamed("14,000 documents", limitPost(path, strings.Repeat("---\na: 1\n", 14_000), 422, "one YAML document")),
		limitNamed("2,000 expressions", limitPost(path, exprs(2_000), 422, "more than 1000 expressions")),
	}
}

func textAttacks(path string) []limitAttack {
	return []limitAttack{
		limitNamed("a NUL byte", limitPost(path, playbookHead+"description: \"Ac\x00me\"\nsteps: [{id: a, wait: 1s}]\n", 422, `"line":3`)),
		limitNamed("an escaped NUL", limitPost(path, playbookHead+"steps: [{id: a, action: notify, with: {message: \"Ac\\0me\"}}]\n", 422, "NUL")),
		limitNamed("invalid UTF-8", limitPost(path, playbookHead+"description: Ac\xffme\nsteps: [{id: a, wait: 1s}]\n", 422, "UTF-8")),
	}
}

// slowButValid is about the most work a playbook within every limit asks of
// validation: MaxSteps-1 steps, each with expressions to compile.
func slowButValid() string {
	var b bytes.Buffer
	b.WriteString("name: slow\nversion: 1\nparams:\n")
	for i := range 20 {
		fmt.Fprintf(&b, "  - {name: p%d, type: int, default: %d}\n", i, i)
	}
	b.WriteString("steps:\n")
	for i := range playbooks.MaxSteps - 1 {
		fmt.Fprintf(&b, "  - {id: s%d, action: notify, with: {message: '${params.p%d * %d + len(\"%d\")}'}}\n", i, i%20, i, i)
	}
	return b.String()
}
