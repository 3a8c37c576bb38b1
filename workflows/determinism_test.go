package workflows_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestWorkflowCodeIsDeterministic guards the rules replay depends on: no wall clock,
// randomness, I/O, native goroutines, channels or selects, and no iteration over
// maps whose outcome depends on their order (which changes run to run). It covers
// the workflow package and the playbook language (package playbooks), whose
// templates, conditions and expression budget run inside workflow code. The parts
// of playbooks used only while parsing and validating, outside any workflow, carry
// reviewed "determinism:ok" exceptions instead of being left out, so that code
// moving from one side to the other is seen.
//
// It reads the source, type-checked, so a violation fails CI before any history
// breaks.
func TestWorkflowCodeIsDeterministic(t *testing.T) {
	pkgs, err := listPackages()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{".", "../playbooks"} {
		want, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(pkgs.roots, func(p *listedPackage) bool {
			got, err := os.Stat(p.Dir)
			return err == nil && os.SameFile(got, want)
		})
		if i < 0 {
			t.Fatalf("go list did not report the package in %s", dir)
		}
		p := pkgs.roots[i]
		if len(p.GoFiles) == 0 {
			t.Fatalf("no source files in %s", dir)
		}
		fset := token.NewFileSet()
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		info, err := typeCheck(fset, p.ImportPath, files, pkgs)
		if err != nil {
			t.Fatalf("type-checking %s: %v", p.ImportPath, err)
		}
		for _, f := range checkDeterminism(fset, files, info) {
			t.Error(f)
		}
	}
}

// TestDeterminismChecker runs the checker over small sources, so that a checker
// that sees nothing fails here rather than passing every package.
func TestDeterminismChecker(t *testing.T) {
	pkgs, err := listPackages()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		src  string
		want []string // a substring of each finding, in order; none: clean
	}{
		{
			name: "time.Now through an alias",
			src: `import clock "time"
				func f() clock.Time { return clock.Now() }`,
			want: []string{"snippet.go:3: wall clock: time.Now reads the worker's clock"},
		},
		{
			name: "time.Since through a dot import",
			src: `import . "time"
				func f(t Time) Duration { return Since(t) }`,
			want: []string{"wall clock: time.Since"},
		},
		{
			name: "time.Now as a value",
			src: `import "time"
				var now = time.Now`,
			want: []string{"wall clock: time.Now"},
		},
		{
			name: "the worker's time zone",
			src: `import "time"
				func f(t time.Time) (time.Time, time.Time) {
					return t.In(time.Local),
						t.Local()
				}`,
			want: []string{"snippet.go:4: worker environment: time.Local", "snippet.go:5: worker environment: time.Time.Local"},
		},
		{
			name: "math/rand",
			src: `import "math/rand"
				func f() int { return rand.Int() }`,
			want: []string{"snippet.go:2: randomness: imports math/rand"},
		},
		{
			name: "math/rand/v2 renamed",
			src: `import dice "math/rand/v2"
				func f() int { return dice.Int() }`,
			want: []string{"randomness: imports math/rand/v2"},
		},
		{
			name: "crypto/rand",
			src: `import "crypto/rand"
				func f() string { return rand.Text() }`,
			want: []string{"randomness: imports crypto/rand"},
		},
		{
			name: "os and fmt.Println",
			src: `import ("fmt"; "os")
				func f() { fmt.Println(os.Args) }`,
			want: []string{"I/O: imports os", "I/O: fmt.Println"},
		},
		{
			name: "println",
			src:  `func f() { println("x") }`,
			want: []string{"I/O: println"},
		},
		{
			name: "goroutine and channel",
			src: `func f() int {
					c := make(chan int)
					go func() { c <- 1 }()
					return <-c
				}`,
			want: []string{"native concurrency: a channel", "native concurrency: a go statement", "native concurrency: a channel send", "native concurrency: a channel receive"},
		},
		{
			name: "range over a map appending to an unsorted slice",
			src: `func f(m map[string]int) (out []string) {
					for k := range m {
						out = append(out, k)
					}
					return out
				}`,
			want: []string{"snippet.go:3: map order: range over map m appends to out, which is not sorted right after the loop"},
		},
		{
			name: "range over a named map type returned by a call",
			src: `type set map[string]bool
				func load() set { return set{} }
				func f() string {
					for k := range load() {
						return k
					}
					return ""
				}`,
			want: []string{"map order: range over map load() returns"},
		},
		{
			name: "range over a map in a struct field",
			src: `type T struct{ m map[int]int }
				func (t T) f() (n int) {
					for _, v := range t.m {
						n = v
					}
					return n
				}`,
			want: []string{"assigns n"},
		},
		{
			name: "range over a map of a generic type",
			src: `func f[M ~map[K]V, K comparable, V any](m M) (last K) {
					for k := range m {
						last = k
					}
					return last
				}`,
			want: []string{"range over map m assigns last"},
		},
		{
			name: "inverting a map",
			src: `func f(m map[string]string) map[string]string {
					inv := map[string]string{}
					for k, v := range m {
						inv[v] = k
					}
					return inv
				}`,
			want: []string{"writes inv[v]"},
		},
		{
			name: "summing floats",
			src: `func f(m map[string]float64) (sum float64) {
					for _, v := range m {
						sum += v
					}
					return sum
				}`,
			want: []string{"floating-point"},
		},
		{
			name: "a call in the body",
			src: `func f(m map[string]int, g func(int)) {
					for _, v := range m {
						g(v)
					}
				}`,
			want: []string{"calls g(v)"},
		},
		{
			name: "adding entries to the map ranged over",
			src: `func f(m map[int]int) {
					for k, v := range m {
						m[k] = v + 1
						m[k+1]++
					}
				}`,
			want: []string{"writes into m at another key than the range key"},
		},
		{
			name: "maps.Keys collected unsorted",
			src: `import ("maps"; "slices")
				func f(m map[string]int) []string { return slices.Collect(maps.Keys(m)) }`,
			want: []string{"map order: maps.Keys"},
		},
		{
			name: "range over maps.Values",
			src: `import "maps"
				func f(m map[string]int) (out []int) {
					for v := range maps.Values(m) {
						out = append(out, v)
					}
					return out
				}`,
			want: []string{"range over maps.Values(m) appends to out"},
		},
		{
			name: "reflect's map iterator",
			src: `import "reflect"
				func f(v reflect.Value) (n int) {
					for it := v.MapRange(); it.Next(); {
						n++
					}
					return n
				}`,
			want: []string{"map order: reflect.Value.MapRange"},
		},
		{
			name: "building maps, counting and summing integers",
			src: `func f(m map[string]int, drop map[string]bool) (map[string]int, int) {
					out := make(map[string]int, len(m))
					seen := map[int]bool{}
					byLen := map[int]int{}
					n, total := 0, 0
					for k, v := range m {
						if drop[k] {
							delete(drop, k)
							continue
						}
						double := v * 2
						out[k] = double
						seen[v] = true
						byLen[len(k)] += v
						n++
						total += v
					}
					return out, n + total + len(seen) + len(byLen)
				}`,
		},
		{
			name: "appending then sorting",
			src: `import ("slices"; "sort"; "strings")
				func f(m map[string]int) string {
					var keys, vals []string
					for k, v := range m {
						keys = append(keys, k)
						if v > 0 {
							vals = append(vals, strings.Repeat("x", v))
						}
					}
					slices.Sort(keys)
					sort.Sort(sort.StringSlice(vals))
					return strings.Join(append(keys, vals...), ",")
				}`,
		},
		{
			name: "reflect's keys, sorted",
			src: `import ("reflect"; "slices")
				func f(v reflect.Value) []string {
					names := make([]string, 0, v.Len())
					for _, k := range v.MapKeys() {
						names = append(names, k.String())
					}
					slices.Sort(names)
					return slices.Compact(names)
				}`,
		},
		{
			name: "sorted keys",
			src: `import ("maps"; "slices")
				func f(m map[string]int) (out []int) {
					for _, k := range slices.Sorted(maps.Keys(m)) {
						out = append(out, m[k])
					}
					return out
				}`,
		},
		{
			name: "marker honoured",
			src: `import "time"
				func f(m map[string]int) string {
					// determinism:ok: any key will do; the caller only tests for one.
					for k := range m {
						return k
					}
					// determinism:ok: reviewed
					_ = time.Now()
					return ""
				}`,
		},
		{
			name: "marker without a reason",
			src: `func f(m map[string]int) string {
					// determinism:ok
					for k := range m {
						return k
					}
					return ""
				}`,
			want: []string{"snippet.go:3: marker: determinism:ok gives no reason"},
		},
		{
			name: "marker excusing nothing",
			src: `func f(m map[string]int) (n int) {
					// determinism:ok: counting
					for range m {
						n++
					}
					return n
				}`,
			want: []string{"snippet.go:3: marker: determinism:ok excuses nothing on the line below"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "snippet.go", "package p\n"+c.src, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			info, err := typeCheck(fset, "p", []*ast.File{f}, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			got := checkDeterminism(fset, []*ast.File{f}, info)
			if len(got) != len(c.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(got), len(c.want), findingLines(got))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i].String(), w) {
					t.Errorf("finding %d is %q; want it to say %q", i, got[i], w)
				}
			}
		})
	}
}

func findingLines(fs []finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\t%s\n", f)
	}
	return b.String()
}

// Loading: the two packages are type-checked from source; what they import is
// read from the compiler's export data, which go list -export finds (or builds)
// in the build cache, so a check takes a fraction of a second rather than the
// many seconds of type-checking the Temporal SDK from source.

type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Export     string
	DepOnly    bool
	Error      *struct{ Err string }
}

type packageList struct {
	byPath map[string]*listedPackage
	roots  []*listedPackage // the packages named on the command line
}

// checkerImports are what TestDeterminismChecker's sources import.
var checkerImports = []string{"crypto/rand", "fmt", "maps", "math/rand", "math/rand/v2", "os", "reflect", "slices", "sort", "strings", "time"}

var listPackages = sync.OnceValues(func() (*packageList, error) {
	args := append([]string{"list", "-export", "-deps", "-json=ImportPath,Dir,GoFiles,Export,DepOnly,Error", ".", "../playbooks"}, checkerImports...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.Bytes())
	}
	pl := &packageList{byPath: map[string]*listedPackage{}}
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		p := new(listedPackage)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %v", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		pl.byPath[p.ImportPath] = p
		if !p.DepOnly {
			pl.roots = append(pl.roots, p)
		}
	}
	return pl, nil
})

func typeCheck(fset *token.FileSet, path string, files []*ast.File, pkgs *packageList) (*types.Info, error) {
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		p := pkgs.byPath[path]
		if p == nil || p.Export == "" {
			return nil, fmt.Errorf("no export data for %s (add it to checkerImports?)", path)
		}
		return os.Open(p.Export)
	})
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Defs:  map[*ast.Ident]types.Object{},
		Uses:  map[*ast.Ident]types.Object{},
	}
	conf := types.Config{Importer: imp}
	if _, err := conf.Check(path, fset, files, info); err != nil {
		return nil, err
	}
	return info, nil
}

// The checker.

type finding struct {
	pos  token.Position
	rule string
	why  string
}

func (f finding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", f.pos.Filename, f.pos.Line, f.rule, f.why)
}

type verdict struct{ rule, why string }

// forbiddenImports are packages of which any use breaks replay.
var forbiddenImports = map[string]verdict{
	"math/rand":    {"randomness", "use workflow.SideEffect"},
	"math/rand/v2": {"randomness", "use workflow.SideEffect"},
	"crypto/rand":  {"randomness", "use workflow.SideEffect"},
	"hash/maphash": {"randomness", "its seed differs from process to process"},
	"os":           {"I/O", "use an activity"},
	"os/exec":      {"I/O", "use an activity"},
	"io/ioutil":    {"I/O", "use an activity"},
	"net":          {"I/O", "use an activity"},
	"net/http":     {"I/O", "use an activity"},
	"database/sql": {"I/O", "use an activity"},
	"gorm.io/gorm": {"I/O", "database access belongs in an activity"},
	"log":          {"I/O", "log with workflow.GetLogger, which stays quiet on replay"},
	"log/slog":     {"I/O", "log with workflow.GetLogger, which stays quiet on replay"},
	"sync":         {"native concurrency", "workflow code runs one coroutine at a time; use workflow.Await or workflow.Channel"},
	"sync/atomic":  {"native concurrency", "workflow code runs one coroutine at a time; use workflow.Await or workflow.Channel"},
}

// forbiddenObjects are single functions and variables of otherwise allowed
// packages, keyed as objectKey names them. They are found by what an identifier
// resolves to, so import aliases, dot imports and function values are caught.
var forbiddenObjects = map[string]verdict{
	"time.Now":                  {"wall clock", "reads the worker's clock; use workflow.Now"},
	"time.Since":                {"wall clock", "reads the worker's clock; use workflow.Now"},
	"time.Until":                {"wall clock", "reads the worker's clock; use workflow.Now"},
	"time.Sleep":                {"wall clock", "waits on the worker's clock; use workflow.Sleep"},
	"time.After":                {"wall clock", "fires on the worker's clock; use workflow.NewTimer"},
	"time.AfterFunc":            {"wall clock", "fires on the worker's clock; use workflow.NewTimer"},
	"time.Tick":                 {"wall clock", "fires on the worker's clock; use workflow.NewTimer"},
	"time.NewTimer":             {"wall clock", "fires on the worker's clock; use workflow.NewTimer"},
	"time.NewTicker":            {"wall clock", "fires on the worker's clock; use workflow.NewTimer"},
	"context.WithTimeout":       {"wall clock", "cancels on the worker's clock; use workflow.WithCancel and workflow.NewTimer"},
	"context.WithTimeoutCause":  {"wall clock", "cancels on the worker's clock; use workflow.WithCancel and workflow.NewTimer"},
	"context.WithDeadline":      {"wall clock", "cancels on the worker's clock; use workflow.WithCancel and workflow.NewTimer"},
	"context.WithDeadlineCause": {"wall clock", "cancels on the worker's clock; use workflow.WithCancel and workflow.NewTimer"},
	"time.LoadLocation":         {"worker environment", "reads the worker's time-zone database"},
	"time.Local":                {"worker environment", "is the worker's time zone"},
	"(time.Time).Local":         {"worker environment", "converts to the worker's time zone"},
	"fmt.Print":                 {"I/O", "writes to stdout; log with workflow.GetLogger"},
	"fmt.Printf":                {"I/O", "writes to stdout; log with workflow.GetLogger"},
	"fmt.Println":               {"I/O", "writes to stdout; log with workflow.GetLogger"},
	"print":                     {"I/O", "writes to stderr; log with workflow.GetLogger"},
	"println":                   {"I/O", "writes to stderr; log with workflow.GetLogger"},
	"(reflect.Value).MapRange":  {"map order", "iterates a map in random order"},
}

// mapIterators yield a map's entries in its random order, like ranging over it.
// A range over one of these calls is judged as a range over the map; anywhere
// else the call must be consumed by one of orderConsumers.
var mapIterators = map[string]bool{
	"maps.Keys": true, "maps.Values": true, "maps.All": true, "(reflect.Value).MapKeys": true,
}

// orderConsumers take an iterator and give a result that does not depend on the
// order it yields in.
var orderConsumers = map[string]bool{
	"slices.Sorted": true, "slices.SortedFunc": true, "slices.SortedStableFunc": true,
	"maps.Collect": true, "maps.Insert": true,
}

// sorters sort their first argument in place. A comparison that ties on
// different elements would leave them in the order appended: keep comparisons
// total.
var sorters = map[string]bool{
	"slices.Sort": true, "slices.SortFunc": true, "slices.SortStableFunc": true,
	"sort.Strings": true, "sort.Ints": true, "sort.Float64s": true,
	"sort.Slice": true, "sort.SliceStable": true, "sort.Sort": true, "sort.Stable": true,
}

const marker = "determinism:ok"

type mark struct {
	pos    token.Pos
	reason string
	used   bool
}

// checkDeterminism returns what in files breaks the rules, in source order. A
// comment holding "determinism:ok" and a reason, ending on the line above,
// excuses what that line does; a marker that excuses nothing is reported, so
// that one cannot outlive the code it was written for.
func checkDeterminism(fset *token.FileSet, files []*ast.File, info *types.Info) []finding {
	var out []finding
	for _, f := range files {
		c := &checker{fset: fset, info: info, marks: map[int]*mark{}, after: map[*ast.RangeStmt][]ast.Stmt{}, consumed: map[*ast.CallExpr]bool{}}
		for _, cg := range f.Comments {
			// A marker starts a line of its comment, so prose that mentions
			// one is not one; the reason is the rest of the comment.
			lines := strings.Split(cg.Text(), "\n")
			i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, marker) })
			if i < 0 {
				continue
			}
			reason := strings.Join(append([]string{strings.TrimPrefix(lines[i], marker)}, lines[i+1:]...), " ")
			m := &mark{pos: cg.Pos(), reason: strings.TrimSpace(strings.TrimLeft(reason, " \t:-—–"))}
			c.marks[fset.Position(cg.End()).Line+1] = m
		}
		ast.Inspect(f, c.visit)
		for _, m := range c.marks {
			switch {
			case m.reason == "":
				c.findings = append(c.findings, finding{fset.Position(m.pos), "marker", marker + " gives no reason"})
			case !m.used:
				c.findings = append(c.findings, finding{fset.Position(m.pos), "marker", marker + " excuses nothing on the line below; remove it"})
			}
		}
		slices.SortStableFunc(c.findings, func(a, b finding) int {
			return cmp.Or(a.pos.Line-b.pos.Line, a.pos.Column-b.pos.Column)
		})
		out = append(out, c.findings...)
	}
	return out
}

type checker struct {
	fset     *token.FileSet
	info     *types.Info
	marks    map[int]*mark // by the line they excuse
	after    map[*ast.RangeStmt][]ast.Stmt
	consumed map[*ast.CallExpr]bool // map iterators ranged over or handed to an orderConsumer
	findings []finding
}

func (c *checker) report(pos token.Pos, rule, format string, args ...any) {
	p := c.fset.Position(pos)
	if m := c.marks[p.Line]; m != nil {
		m.used = true
		return
	}
	c.findings = append(c.findings, finding{p, rule, fmt.Sprintf(format, args...)})
}

func (c *checker) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.BlockStmt:
		c.noteFollowers(n.List)
	case *ast.CaseClause:
		c.noteFollowers(n.Body)
	case *ast.CommClause:
		c.noteFollowers(n.Body)
	case *ast.ImportSpec:
		path, _ := strconv.Unquote(n.Path.Value)
		if v, bad := forbiddenImports[path]; bad {
			c.report(n.Pos(), v.rule, "imports %s; %s", path, v.why)
		}
	case *ast.Ident:
		if obj := c.info.Uses[n]; obj != nil {
			key := objectKey(obj)
			if v, bad := forbiddenObjects[key]; bad {
				c.report(n.Pos(), v.rule, "%s %s", displayName(key), v.why)
			}
		}
	case *ast.GoStmt:
		c.report(n.Pos(), "native concurrency", "a go statement; use workflow.Go")
	case *ast.SelectStmt:
		c.report(n.Pos(), "native concurrency", "a select; use workflow.NewSelector")
	case *ast.ChanType:
		c.report(n.Pos(), "native concurrency", "a channel; use workflow.NewChannel")
	case *ast.SendStmt:
		c.report(n.Pos(), "native concurrency", "a channel send; use workflow.Channel")
	case *ast.UnaryExpr:
		if n.Op == token.ARROW {
			c.report(n.Pos(), "native concurrency", "a channel receive; use workflow.Channel or workflow.NewSelector")
		}
	case *ast.CallExpr:
		key := objectKey(c.callee(n))
		if orderConsumers[key] {
			for _, a := range n.Args {
				if call, ok := ast.Unparen(a).(*ast.CallExpr); ok {
					c.consumed[call] = true
				}
			}
		}
		if mapIterators[key] && !c.consumed[n] {
			c.report(n.Pos(), "map order", "%s yields in map order; wrap it in slices.Sorted, or range over it under the rules for maps", displayName(key))
		}
	case *ast.RangeStmt:
		c.rangeStmt(n)
	}
	return true
}

// noteFollowers records the statements after each range statement of a block,
// where a slice the loop appends to must be sorted.
func (c *checker) noteFollowers(list []ast.Stmt) {
	for i, s := range list {
		for {
			l, ok := s.(*ast.LabeledStmt)
			if !ok {
				break
			}
			s = l.Stmt
		}
		if r, ok := s.(*ast.RangeStmt); ok {
			c.after[r] = list[i+1:]
		}
	}
}

func (c *checker) callee(call *ast.CallExpr) types.Object {
	fun := ast.Unparen(call.Fun)
	switch f := fun.(type) {
	case *ast.IndexExpr:
		fun = f.X
	case *ast.IndexListExpr:
		fun = f.X
	}
	switch f := fun.(type) {
	case *ast.Ident:
		return c.info.Uses[f]
	case *ast.SelectorExpr:
		return c.info.Uses[f.Sel]
	}
	return nil
}

// objectKey names a package-level function or variable "path.Name", a method
// "(path.Type).Name", and a builtin by its name; anything else "".
func objectKey(obj types.Object) string {
	switch obj := obj.(type) {
	case *types.Builtin:
		return obj.Name()
	case *types.Var:
		if obj.Pkg() != nil && obj.Parent() == obj.Pkg().Scope() {
			return obj.Pkg().Path() + "." + obj.Name()
		}
	case *types.Func:
		obj = obj.Origin()
		recv := obj.Type().(*types.Signature).Recv()
		if recv == nil {
			if obj.Pkg() != nil {
				return obj.Pkg().Path() + "." + obj.Name()
			}
			return ""
		}
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
			return "(" + n.Obj().Pkg().Path() + "." + n.Obj().Name() + ")." + obj.Name()
		}
	}
	return ""
}

// displayName shows an objectKey as Go code names it: (reflect.Value).MapKeys
// as reflect.Value.MapKeys.
func displayName(key string) string {
	return strings.Trim(strings.Replace(key, ").", ".", 1), "()")
}

func (c *checker) rangeStmt(n *ast.RangeStmt) {
	t := c.info.TypeOf(n.X)
	if t == nil {
		return
	}
	if _, ok := t.Underlying().(*types.Chan); ok {
		c.report(n.Pos(), "native concurrency", "a range over a channel; use workflow.Channel")
		return
	}
	loop := &mapLoop{info: c.info, body: n.Body}
	var what string
	if isMap(t) {
		what = "map " + types.ExprString(n.X)
		loop.ranged = types.ExprString(n.X)
		loop.key = c.objectOf(n.Key)
	} else if call, ok := ast.Unparen(n.X).(*ast.CallExpr); ok && mapIterators[objectKey(c.callee(call))] {
		c.consumed[call] = true
		what = types.ExprString(n.X)
		switch key := objectKey(c.callee(call)); {
		case strings.HasPrefix(key, "(reflect"):
			loop.ranged = types.ExprString(call.Fun.(*ast.SelectorExpr).X)
		case len(call.Args) > 0:
			loop.ranged = types.ExprString(call.Args[0])
			if key != "maps.Values" {
				loop.key = c.objectOf(n.Key)
			}
		}
	} else {
		return
	}
	why := loop.stmts(n.Body.List)
	if why == "" {
		sorted := map[string]bool{}
		for _, s := range c.after[n] {
			name, ok := c.sortedSlice(s)
			if !ok {
				break
			}
			sorted[name] = true
		}
		for _, a := range loop.appends {
			if !sorted[a] {
				why = "appends to " + a + ", which is not sorted right after the loop"
				break
			}
		}
	}
	if why != "" {
		c.report(n.Pos(), "map order", "range over %s %s; range over slices.Sorted(maps.Keys(…)), or mark a reviewed exception", what, why)
	}
}

func (c *checker) objectOf(e ast.Expr) types.Object {
	if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
		return c.info.ObjectOf(id)
	}
	return nil
}

// sortedSlice reports the slice s sorts, if it is a call of one of sorters.
func (c *checker) sortedSlice(s ast.Stmt) (string, bool) {
	es, ok := s.(*ast.ExprStmt)
	if !ok {
		return "", false
	}
	call, ok := ast.Unparen(es.X).(*ast.CallExpr)
	if !ok || !sorters[objectKey(c.callee(call))] || len(call.Args) == 0 {
		return "", false
	}
	arg := ast.Unparen(call.Args[0])
	// sort.Sort(sort.StringSlice(x)) sorts x.
	if conv, ok := arg.(*ast.CallExpr); ok && len(conv.Args) == 1 && c.info.Types[conv.Fun].IsType() {
		arg = ast.Unparen(conv.Args[0])
	}
	return types.ExprString(arg), true
}

func isMap(t types.Type) bool {
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		iface := tp.Constraint().Underlying().(*types.Interface)
		for i := range iface.NumEmbeddeds() {
			switch e := iface.EmbeddedType(i).(type) {
			case *types.Union:
				for j := range e.Len() {
					if isMap(e.Term(j).Type()) {
						return true
					}
				}
			default:
				if isMap(e) {
					return true
				}
			}
		}
		return false
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}

// mapLoop judges the body of a loop over a map. The body may only do what
// gives the same result whatever order the entries come in:
//
//   - write another map at the range key (m2[k] = v), or write a constant at any
//     key (seen[v] = true), or delete from another map: with any other key two
//     entries could collide, and the last one visited would win;
//   - add, multiply or combine bits into an integer (n++, n += x, m2[x] += 1):
//     integer arithmetic commutes, floating-point addition and concatenation do
//     not;
//   - append to a slice that is sorted right after the loop;
//   - declare and assign variables of its own, branch with if, skip with
//     continue, and run inner loops under the same rules.
//
// Calls on the right of an assignment are trusted to be pure; a call whose
// result is dropped is there for its effects, and is refused.
type mapLoop struct {
	info    *types.Info
	body    *ast.BlockStmt
	ranged  string       // the map, as written; writes to it may add entries the loop may or may not visit
	key     types.Object // the range key, if the loop has one
	appends []string     // slices appended to, as written
	inner   int          // depth of inner loops and switches, which break may leave
}

func (l *mapLoop) stmts(list []ast.Stmt) string {
	for _, s := range list {
		if why := l.stmt(s); why != "" {
			return why
		}
	}
	return ""
}

func (l *mapLoop) stmt(s ast.Stmt) string {
	switch s := s.(type) {
	case *ast.EmptyStmt, *ast.DeclStmt:
		return ""
	case *ast.BlockStmt:
		return l.stmts(s.List)
	case *ast.IfStmt:
		if s.Init != nil {
			if why := l.stmt(s.Init); why != "" {
				return why
			}
		}
		if why := l.stmts(s.Body.List); why != "" {
			return why
		}
		if s.Else != nil {
			return l.stmt(s.Else)
		}
		return ""
	case *ast.ForStmt:
		l.inner++
		defer func() { l.inner-- }()
		return l.stmts(s.Body.List)
	case *ast.RangeStmt:
		l.inner++
		defer func() { l.inner-- }()
		return l.stmts(s.Body.List)
	case *ast.SwitchStmt, *ast.TypeSwitchStmt:
		l.inner++
		defer func() { l.inner-- }()
		var init ast.Stmt
		var body *ast.BlockStmt
		if sw, ok := s.(*ast.SwitchStmt); ok {
			init, body = sw.Init, sw.Body
		} else {
			sw := s.(*ast.TypeSwitchStmt)
			init, body = sw.Init, sw.Body
		}
		if init != nil {
			if why := l.stmt(init); why != "" {
				return why
			}
		}
		for _, cc := range body.List {
			if why := l.stmts(cc.(*ast.CaseClause).Body); why != "" {
				return why
			}
		}
		return ""
	case *ast.BranchStmt:
		switch {
		case s.Label != nil:
			return "has a labelled " + s.Tok.String() + ", which may leave the loop at whichever entry comes first"
		case s.Tok == token.CONTINUE, s.Tok == token.BREAK && l.inner > 0:
			return ""
		}
		return s.Tok.String() + "s, at whichever entry comes first"
	case *ast.ReturnStmt:
		return "returns, at whichever entry comes first"
	case *ast.IncDecStmt:
		if l.local(s.X) || isNumeric(l.info.TypeOf(s.X)) {
			return l.notIntoRanged(s.X)
		}
		return "counts into " + types.ExprString(s.X) + ", which is not a number"
	case *ast.AssignStmt:
		return l.assign(s)
	case *ast.ExprStmt:
		if call, ok := ast.Unparen(s.X).(*ast.CallExpr); ok && len(call.Args) == 2 {
			if b, ok := l.info.Uses[identOf(call.Fun)].(*types.Builtin); ok && b.Name() == "delete" {
				if types.ExprString(call.Args[0]) == l.ranged && !l.isKey(call.Args[1]) {
					return "deletes from " + l.ranged + " at another key than the range key, which changes which entries the loop visits"
				}
				return ""
			}
		}
		return "calls " + types.ExprString(s.X) + ", whose effects may depend on the order"
	}
	return fmt.Sprintf("has a statement (%T) whose effect may depend on the order", s)
}

func (l *mapLoop) assign(s *ast.AssignStmt) string {
	switch s.Tok {
	case token.DEFINE:
		return ""
	case token.ASSIGN:
		if len(s.Lhs) != len(s.Rhs) {
			for _, lhs := range s.Lhs {
				if !l.local(lhs) && !isBlank(lhs) {
					return "assigns " + types.ExprString(lhs) + ", so the last entry visited decides its value"
				}
			}
			return ""
		}
		for i, lhs := range s.Lhs {
			rhs := s.Rhs[i]
			if l.local(lhs) || isBlank(lhs) {
				continue
			}
			if ix, ok := ast.Unparen(lhs).(*ast.IndexExpr); ok && isMap(l.info.TypeOf(ix.X)) {
				if why := l.notIntoRanged(ix); why != "" {
					return why
				}
				if !l.isKey(ix.Index) && l.info.Types[rhs].Value == nil && !isEmptyLiteral(rhs) {
					return "writes " + types.ExprString(lhs) + " at a key other than the range key: when two entries give the same key, the last one visited wins"
				}
				continue
			}
			if call, ok := ast.Unparen(rhs).(*ast.CallExpr); ok && len(call.Args) > 0 {
				if b, ok := l.info.Uses[identOf(call.Fun)].(*types.Builtin); ok && b.Name() == "append" && types.ExprString(call.Args[0]) == types.ExprString(lhs) {
					if name := types.ExprString(lhs); !slices.Contains(l.appends, name) {
						l.appends = append(l.appends, name)
					}
					continue
				}
			}
			return "assigns " + types.ExprString(lhs) + ", so the last entry visited decides its value"
		}
		return ""
	case token.ADD_ASSIGN, token.SUB_ASSIGN, token.MUL_ASSIGN, token.OR_ASSIGN, token.AND_ASSIGN, token.XOR_ASSIGN, token.AND_NOT_ASSIGN:
		lhs := s.Lhs[0]
		if l.local(lhs) {
			return ""
		}
		if why := l.notIntoRanged(lhs); why != "" {
			return why
		}
		t, ok := l.info.TypeOf(lhs).Underlying().(*types.Basic)
		switch {
		case ok && t.Info()&types.IsInteger != 0:
			return ""
		case ok && t.Info()&types.IsString != 0:
			return "concatenates onto " + types.ExprString(lhs) + " in map order"
		case ok && t.Info()&(types.IsFloat|types.IsComplex) != 0:
			return "adds floating-point numbers into " + types.ExprString(lhs) + ", whose sum depends on the order they come in"
		}
	}
	return s.Tok.String() + " " + types.ExprString(s.Lhs[0]) + " does not give the same result in every order"
}

// notIntoRanged refuses a write into the ranged map other than at the range
// key: a new entry may or may not be visited by the same loop.
func (l *mapLoop) notIntoRanged(e ast.Expr) string {
	if ix, ok := ast.Unparen(e).(*ast.IndexExpr); ok && types.ExprString(ix.X) == l.ranged && !l.isKey(ix.Index) {
		return "writes into " + l.ranged + " at another key than the range key, which the loop may or may not visit"
	}
	return ""
}

func (l *mapLoop) isKey(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && l.key != nil && l.info.Uses[id] == l.key
}

// local reports whether e is a variable declared inside the loop's body, which
// starts afresh with every entry.
func (l *mapLoop) local(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	obj := l.info.Uses[id]
	return obj != nil && obj.Pos() >= l.body.Pos() && obj.Pos() < l.body.End()
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(e).(*ast.Ident)
	return id
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

func isEmptyLiteral(e ast.Expr) bool {
	cl, ok := ast.Unparen(e).(*ast.CompositeLit)
	return ok && len(cl.Elts) == 0
}

func isNumeric(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsNumeric != 0
}
