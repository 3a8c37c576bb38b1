package docs_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/greenlight/greenlight"

// importRules are the "never" rules of architecture.md's "Packages and their
// allowed imports": from (a package of this module) must not reach any of never,
// directly or through other packages. A never entry also covers the packages
// under it, so gorm.io/gorm forbids gorm.io/gorm/clause as well. Test files do not
// count: a test may wire a real store.
var importRules = []struct {
	from  string
	never []string
	why   string
}{
	{
		from:  "workflows",
		never: []string{module + "/store", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why:   "workflow code is deterministic and replayed: it knows the playbook language and the activities' contracts, never a database",
	},
	{
		from:  "activities",
		never: []string{module + "/store", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why:   "activities state contracts and run connectors; the store is wired in by the worker (worker.StoreProjections)",
	},
	{
		from:  "playbooks",
		never: []string{module + "/store", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why:   "the playbook language is pure: the workflow replays it and the CLI validates with it",
	},
	{
		from:  "platforms",
		never: []string{module + "/store", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why:   "the catalog and the Connector interface are read by the playbook language; connectors live in platforms/<name>",
	},
	{
		from: "credentials",
		never: []string{module + "/api", module + "/store", module + "/workflows", module + "/activities", module + "/server",
			module + "/platforms", module + "/playbooks", "go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "secrets are resolved by name with the standard library only, so any layer may hold a Source",
	},
	{
		from: "platforms/mastodon",
		never: []string{module + "/store", module + "/workflows", module + "/activities", module + "/server",
			"go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "a connector talks to its platform; its idempotency record comes in as a platforms.ActionLog",
	},
	{
		from:  "platforms/mentions",
		never: []string{module + "/store", "gorm.io/gorm", "github.com/gin-gonic/gin", "go.temporal.io"},
		why:   "the classifier is pure: every connector and the playbook language use it",
	},
	{
		from: "guardrails/competitors",
		never: []string{module + "/store", module + "/workflows", module + "/activities", module + "/playbooks",
			"go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "the guardrail is pure: the playbook language validates competitor lists with it and the activities screen inputs with it",
	},
	{
		from: "api",
		never: []string{module + "/workflows", module + "/playbooks", module + "/activities", module + "/store",
			module + "/server", "go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "the shared words and shapes hold no behaviour, so every layer, the store included, may import them",
	},
	{
		from: "cli",
		never: []string{module + "/server", module + "/store", module + "/app", module + "/workflows", module + "/worker",
			"go.temporal.io/server", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "the client subcommands speak HTTP with the shapes of package api; the process subcommands come from package main (cli.Local)",
	},
	{
		from: "notify/email",
		never: []string{module + "/workflows", module + "/activities", module + "/store", module + "/server",
			"go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "a notice and its channels render and deliver; the activities call them, so Temporal, the store and the API stay out",
	},
	{
		from: "notify/slack",
		never: []string{module + "/workflows", module + "/activities", module + "/store", module + "/server",
			"go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "the Slack library takes plain inputs (a preview.Approval, a request), so the worker sends and the API verifies with it",
	},
	{
		from: "notify/webhook",
		never: []string{module + "/workflows", module + "/activities", module + "/store", module + "/server",
			"go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "the webhook library signs and sends plain events, and receivers' code may import it on its own",
	},
	{
		from: "platforms/webhook",
		never: []string{module + "/workflows", module + "/activities", module + "/store", module + "/server",
			"go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "a connector acts through platforms.ActionLog, which the worker backs with the store, and sorts its errors the notify way, so it knows neither Temporal nor the database",
	},
	{
		from: "contexts",
		never: []string{module + "/api", module + "/config", module + "/store", module + "/server", module + "/app",
			"go.temporal.io", "gorm.io/gorm", "github.com/gin-gonic/gin"},
		why: "the per-user record of dev instances is read by the CLI and written by dev, with the standard library only",
	},
	{
		from:  "store",
		never: []string{module + "/workflows", module + "/server"},
		why:   "the store is the bottom layer; the workflow contract and the API sit above it",
	},
	{
		from: "pages",
		never: []string{module + "/store", module + "/server", module + "/workflows", "go.temporal.io", "gorm.io/gorm",
			"github.com/gin-gonic/gin", "github.com/chromedp"},
		why: "the pages render what the server hands them (package preview's reading of an approval); the browser harness is for tests",
	},
	{
		from:  "cmd/greenlight",
		never: []string{"github.com/chromedp", module + "/pages/browsertest"},
		why:   "the browser harness (pages/browsertest) drives Chromium in tests; the binary never links it",
	},
}

// TestImportRules enforces importRules on the real package graph.
func TestImportRules(t *testing.T) {
	graph := packageGraph(t, rulePackages()...)
	for _, r := range importRules {
		t.Run(r.from, func(t *testing.T) {
			from := module + "/" + r.from
			if _, ok := graph[from]; !ok {
				t.Fatalf("go list did not report %s; does the package still exist?", from)
			}
			for _, forbidden := range r.never {
				if chain := importChain(graph, from, forbidden); chain != nil {
					t.Errorf("%s must never reach %s (%s), but reaches %s:\n\t%s",
						r.from, forbidden, r.why, chain[len(chain)-1], strings.Join(chain, "\n\t→ "))
				}
			}
		})
	}
}

// TestImportChainFindsViolations keeps TestImportRules able to fail: on the same
// graph, packages that do reach the store, gorm or gin must be found to.
func TestImportChainFindsViolations(t *testing.T) {
	cases := []struct {
		name, from, to string
	}{
		{"wiring reaches the store", "app", module + "/store"},
		{"a prefix covers gorm's subpackages", "platforms/sandbox", "gorm.io/gorm"},
		{"the API reaches gin", "server", "github.com/gin-gonic/gin"},
		{"the binary's process subcommands reach Temporal's server", "cmd/greenlight", "go.temporal.io/server"},
	}
	froms := make([]string, 0, len(cases))
	for _, c := range cases {
		froms = append(froms, "./"+c.from)
	}
	graph := packageGraph(t, froms...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chain := importChain(graph, module+"/"+c.from, c.to)
			if chain == nil {
				t.Fatalf("no import chain found from %s to %s; the graph or the walk is broken", c.from, c.to)
			}
			if last := chain[len(chain)-1]; !under(last, c.to) {
				t.Errorf("chain ends at %s, want %s or a package under it", last, c.to)
			}
		})
	}
}

func rulePackages() []string {
	pkgs := make([]string, 0, len(importRules))
	for _, r := range importRules {
		pkgs = append(pkgs, "./"+r.from)
	}
	return pkgs
}

// packageGraph asks the go command for the non-test imports of pkgs and of
// everything they reach, keyed by import path.
func packageGraph(t *testing.T, pkgs ...string) map[string][]string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH, so the package graph cannot be listed: %v", err)
	}
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}"}, pkgs...)
	cmd := exec.Command(goCmd, args...)
	cmd.Dir = ".." // the module root; tests run in the package's directory
	// Listing must never download: everything it needs is already in the module
	// cache for the build that runs this test.
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	graph := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 {
			graph[fields[0]] = fields[1:]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read go list output: %v", err)
	}
	return graph
}

// importChain returns a shortest chain of imports from `from` to a package at or
// under `to`, or nil if there is none. Imports are walked in sorted order so the
// reported chain is the same on every run.
func importChain(graph map[string][]string, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if under(p, to) {
			var chain []string
			for ; p != ""; p = prev[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, imp := range slices.Sorted(slices.Values(graph[p])) {
			if _, seen := prev[imp]; !seen {
				prev[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return nil
}

func under(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}
