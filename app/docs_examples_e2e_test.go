package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/notify/webhook"
)

// Every fenced sh, bash, console, http or json block of README.md and docs/*.md
// says on the line before it what the docs test does with it:
//
//	<!-- example: run [capture=NAME,…] [after=STATUS] [new=NAME] -->
//	    a shell block, run with bash -euo pipefail in the test's working dir
//	<!-- example: request METHOD /path [expect=NNN] [as=approver] -->
//	    a JSON body, sent to the path; 2xx expected unless expect= says otherwise
//	<!-- example: response METHOD /path [expect=NNN] [as=approver] [omit=KEY,…] [same=KEY,…] [ids=LITERAL:{placeholder},…] [body=JSON] -->
//	    a JSON answer: the test makes the call and checks that every key of the
//	    example, recursively, is in the real answer with the same JSON type
//	    (omit= names keys the test's objects cannot show); the values of the
//	    keys named in same= must be equal too, once ids= has replaced the
//	    example's made-up ids with the real ones
//	<!-- example: webhook TYPE -->
//	    a webhook event's body, checked as a response against a real event of TYPE
//	<!-- example: connector ACTION -->
//	    the body the webhook connector posts, checked as a response against the
//	    real request of a campaign that performs ACTION through it
//	<!-- example: output PLAYBOOK STEP FIELD -->
//	    a part of a step's output, checked as a response against FIELD of the
//	    output of STEP in a campaign of PLAYBOOK (one the test registers)
//	    (webhook, connector and output compare type and action, and take same=)
//	<!-- example: signal -->
//	    a shell block's `temporal workflow signal` command, sent through the Go
//	    SDK with the same workflow id, signal name and input (the temporal CLI
//	    is not installed here, and the block's `go install` is not run); the
//	    approval its input names must end decided as the input says
//	<!-- example: skip: REASON -->
//	    not run, for the reason given
//
// A block of those languages without an annotation fails the test, so no
// example is left unchecked without saying why.

// docExampleLangs are the languages of the blocks that must be annotated.
var docExampleLangs = map[string]bool{"sh": true, "bash": true, "console": true, "http": true, "json": true}

var (
	fenceLine      = regexp.MustCompile("^(\\s*)```(\\S*)\\s*$")
	annotationLine = regexp.MustCompile(`^\s*<!-- example: (.*?)\s*-->\s*$`)
)

type docExample struct {
	file string // as shown in messages, e.g. docs/api.md
	line int    // of the opening fence, 1-based
	lang string
	kind string // run, request, response, webhook or skip
	// method and path for request and response; the event type for webhook.
	method, path string
	opts         map[string]string
	text         string // the block's content, its indentation removed
}

func (e docExample) where() string { return fmt.Sprintf("%s:%d", e.file, e.line) }

// parseDocExamples reads the fenced blocks of one Markdown file and their
// annotations; problems lists the blocks whose annotation is missing or wrong.
func parseDocExamples(name string, src []byte) (examples []docExample, problems []string) {
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		m := fenceLine.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent, lang := m[1], m[2]
		start := i
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, strings.TrimPrefix(lines[i], indent))
		}
		if !docExampleLangs[lang] {
			continue
		}
		e := docExample{file: name, line: start + 1, lang: lang, text: strings.Join(body, "\n") + "\n"}
		var note []string
		if start > 0 {
			note = annotationLine.FindStringSubmatch(lines[start-1])
		}
		if note == nil {
			problems = append(problems, fmt.Sprintf("%s: a %s block without an <!-- example: … --> line before it", e.where(), lang))
			continue
		}
		if err := e.parseAnnotation(note[1]); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", e.where(), err))
			continue
		}
		examples = append(examples, e)
	}
	return examples, problems
}

func (e *docExample) parseAnnotation(s string) error {
	if reason, ok := strings.CutPrefix(s, "skip:"); ok {
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("skip without a reason")
		}
		e.kind, e.opts = "skip", map[string]string{"reason": strings.TrimSpace(reason)}
		return nil
	}
	e.opts = map[string]string{}
	// body= takes the rest of the line: it is JSON, which may hold spaces.
	if i := strings.Index(s, " body="); i >= 0 {
		e.opts["body"] = s[i+len(" body="):]
		s = s[:i]
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return fmt.Errorf("an empty annotation")
	}
	e.kind, f = f[0], f[1:]
	switch e.kind {
	case "run", "signal":
	case "request", "response":
		if len(f) < 2 || !strings.HasPrefix(f[1], "/") {
			return fmt.Errorf("%s needs METHOD /path", e.kind)
		}
		e.method, e.path, f = f[0], f[1], f[2:]
	case "webhook", "connector":
		if len(f) < 1 {
			return fmt.Errorf("%s needs an event type or action", e.kind)
		}
		e.path, f = f[0], f[1:]
	case "output":
		if len(f) < 3 {
			return fmt.Errorf("output needs PLAYBOOK STEP FIELD")
		}
		e.method, e.path, e.opts["field"], f = f[0], f[1], f[2], f[3:]
	default:
		return fmt.Errorf("unknown example kind %q (run, signal, request, response, webhook, connector, output or skip: reason)", e.kind)
	}
	for _, o := range f {
		k, v, ok := strings.Cut(o, "=")
		if !ok || !slices.Contains([]string{"capture", "after", "new", "expect", "as", "omit", "same", "ids"}, k) {
			return fmt.Errorf("unknown option %q", o)
		}
		e.opts[k] = v
	}
	if (e.kind == "run" || e.kind == "signal") && e.lang != "sh" && e.lang != "bash" {
		return fmt.Errorf("only sh and bash blocks run, not %s", e.lang)
	}
	if e.kind != "run" && e.kind != "signal" && e.lang != "json" {
		return fmt.Errorf("%s needs a json block, not %s", e.kind, e.lang)
	}
	return nil
}

// docFiles are the documents whose examples are checked, README first.
func docFiles(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	require.NoError(t, err)
	sort.Strings(docs)
	return append([]string{filepath.Join("..", "README.md")}, docs...)
}

func readDocExamples(t *testing.T) []docExample {
	t.Helper()
	var all []docExample
	var problems []string
	for _, f := range docFiles(t) {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		ex, p := parseDocExamples(strings.TrimPrefix(filepath.ToSlash(f), "../"), src)
		all = append(all, ex...)
		problems = append(problems, p...)
	}
	for _, p := range problems {
		t.Error(p)
	}
	return all
}

// TestDocsExamplesAreAnnotated needs no server: every example says how it is
// checked, or why it is not.
func TestDocsExamplesAreAnnotated(t *testing.T) {
	ex := readDocExamples(t)
	require.NotEmpty(t, ex)
	bad := "```json\n{}\n```\n\n<!-- example: run -->\n```json\n{}\n```\n<!-- example: frob -->\n```sh\ntrue\n```\n"
	_, problems := parseDocExamples("x.md", []byte(bad))
	require.Len(t, problems, 3, "a missing annotation, run on JSON and an unknown kind are refused: %v", problems)
	require.Contains(t, problems[0], "x.md:1:")
}

// TestDocsExamplesRun runs every annotated example against one real dev stack.
func TestDocsExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server and builds the binary")
	}
	examples := readDocExamples(t)

	work := t.TempDir()
	// The build and the stack's start each take seconds: overlap them.
	binDir := t.TempDir()
	built, finished := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(finished)
		built <- buildGreenlight(binDir)
	}()
	t.Cleanup(func() { <-finished }) // before binDir is removed
	hooks := newWebhookRecorder(t)
	secret, err := webhook.NewSecret()
	require.NoError(t, err)
	// The webhook connector's example: a linkedin account of the docs client
	// acts through a receiver of the test's, its secret in a credentials file.
	actionSecret, err := webhook.NewSecret()
	require.NoError(t, err)
	actions := newActionReceiver(t, actionSecret)
	secrets := filepath.Join(t.TempDir(), "secrets.json")
	writeSecrets(t, secrets, map[string]string{"initech.linkedin-hook": actionSecret})
	// The data dir is ./.greenlight of the blocks' working dir, as in the docs,
	// so `cat .greenlight/admin-token` reads the real token.
	d, _ := startDevWith(t, func(c *config.Config) {
		c.DataDir = filepath.Join(work, ".greenlight")
		c.Notify.WebhookURLs = []string{hooks.srv.URL + "/greenlight"}
		c.Notify.WebhookSecret = secret
		c.CredentialsFile = secrets
	})
	require.NoError(t, <-built)
	bin := filepath.Join(binDir, "greenlight")
	w := newDocsWorld(t, d.APIURL, d.AdminToken, d.TemporalAddr, work, bin)
	w.actions = actions
	w.setUp()

	for _, e := range examples {
		t.Run(e.where(), func(t *testing.T) {
			// Helpers fail the subtest that calls them.
			w.t, w.gl = t, apiClient{t: t, base: d.APIURL}
			switch e.kind {
			case "skip":
				t.Skip(e.opts["reason"])
			case "run":
				w.run(t, e)
			case "signal":
				w.signal(t, e)
			case "request":
				w.request(t, e)
			case "response":
				w.response(t, e)
			case "webhook":
				if hooks.event(e.path) == nil {
					w.cause(t, e.path)
				}
				w.shapeOf(t, e, func() any { return hooks.event(e.path) })
			case "connector":
				w.connectorRequest(t, e)
			case "output":
				w.stepOutput(t, e)
			}
		})
	}
}

// buildGreenlight builds the binary into dir once, as a reader does.
func buildGreenlight(dir string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("find the go command: %w", err)
	}
	build := exec.Command(goTool, "build", "-o", filepath.Join(dir, "greenlight"), "./cmd/greenlight")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/greenlight: %w\n%s", err, out)
	}
	return nil
}

// docsWorld is what the examples run against: the dev stack, the objects the
// test made for them, and the placeholders the docs use.
type docsWorld struct {
	t                          *testing.T
	api, admin, temporal, work string
	bin                        string
	gl                         apiClient
	approver                   string // token of "lee", who decides in the roles the docs' examples name
	// fill maps each placeholder written in the docs to its value. Shell
	// blocks capture some (capture=); setUp makes the rest.
	fill map[string]string
	// fresh makes, on each use of a path placeholder, a new object.
	fresh map[string]func() string
	// actions receives what the webhook connector posts.
	actions *actionReceiver
}

// docsClient holds the objects the test made for the API examples, apart
// from the README walk-through's client acme.
const docsClient = "initech"

func newDocsWorld(t *testing.T, apiURL, admin, temporal, work, bin string) *docsWorld {
	return &docsWorld{t: t, api: apiURL, admin: admin, temporal: temporal, work: work, bin: bin,
		gl: apiClient{t: t, base: apiURL}, fill: map[string]string{}}
}

// docsPlaybook is an approval in the docs' terms: posts to approve, a person
// and roles who may decide.
// docsConnectorPlaybook publishes on the client's linkedin account,
// which acts through the webhook connector.
const docsConnectorPlaybook = `name: docs-connector
version: 1
description: Publish through the client's own account.
params:
  - {name: brand, type: string, required: true}
  - {name: platform, type: string, default: linkedin}
steps:
  - id: publish
    name: Publish a post
    action: publish_posts
    with: {brand: "${params.brand}", count: 1}
`

// docsGuardrailPlaybook publishes a post that tags a competitor.
const docsGuardrailPlaybook = `name: docs-guardrail
version: 1
description: Publish two posts, one tagging a competitor.
params:
  - {name: brand, type: string, required: true}
  - name: competitors
    type: list
    default:
      - name: RivalCo
        accounts:
          x: ["@RivalCo"]
guardrails:
  competitors_param: competitors
steps:
  - id: publish
    name: Publish two posts
    action: publish_posts
    with:
      brand: ${params.brand}
      count: 2
      posts:
        - {text: "Fresh bread at ${params.brand} today"}
        - {text: "Better than @RivalCo, every morning"}
`

const docsPlaybook = `name: docs-approve
version: 1
description: Approve two posts, as the API examples do.
params:
  - {name: brand, type: string, required: true}
steps:
  - id: approve_posts
    name: Approve the posts
    approval:
      title: Publish 2 posts for ${params.brand}?
      preview:
        posts:
          - {id: p1, platform: linkedin, text: "${params.brand} is open late on Fridays"}
          - {id: p2, platform: x, text: "Fresh bread at ${params.brand} today"}
        risk: low
      timeout: 2h
      on_timeout: skip
      approvers:
        - id: pat@initech
        - role: client-marketing-lead
        - role: agency-lead
  - id: publish
    needs: approve_posts
    action: publish_posts
    with: {brand: "${params.brand}", count: 2}
`

func (w *docsWorld) setUp() {
	t := w.t
	t.Helper()
	// Blocks run in a folder of their own with ./greenlight in it, as README
	// has the reader build it.
	raw, err := os.ReadFile(w.bin)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(w.work, "greenlight"), raw, 0o755))
	// playbooks.md validates a file of the reader's: a built-in one stands in.
	src, err := os.ReadFile(filepath.Join("..", "playbooks", "reputation-repair.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(w.work, "my-playbook.yaml"), src, 0o600))

	w.expectStatus("POST", "/v1/people", map[string]any{
		"id": "pat@initech", "name": "Pat", "clients": []string{docsClient}, "roles": []string{"client-marketing-lead"},
		"channels":  []map[string]string{{"kind": "email", "address": "pat@initech.example"}, {"kind": "slack", "address": "U024BE7LH"}},
		"time_zone": "Europe/Paris", "team": "team-x",
	}, http.StatusCreated, nil)
	var acct struct{ ID string }
	w.expectStatus("POST", "/v1/clients/"+docsClient+"/accounts", map[string]any{
		"platform": "mastodon", "handle": "@initech@mastodon.example", "connector": "mastodon",
		"team": "team-x", "credential": "initech.mastodon", "endpoint": "https://mastodon.example",
	}, http.StatusCreated, &acct)
	w.expectStatus("POST", "/v1/clients/"+docsClient+"/accounts", map[string]any{
		"platform": "linkedin", "handle": "company/initech", "connector": "webhook",
		"credential": "initech.linkedin-hook", "endpoint": w.actions.URL + "/actions",
	}, http.StatusCreated, nil)
	for _, src := range []string{docsPlaybook, docsConnectorPlaybook, docsGuardrailPlaybook} {
		req, err := http.NewRequest("POST", w.api+"/v1/playbooks?client="+docsClient, strings.NewReader(src))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+w.admin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode, "register: %s", raw)
	}
	var tok struct{ Token string }
	w.expectStatus("POST", "/v1/tokens", map[string]any{"name": "lee", "role": "approver",
		"approval_roles": []string{"client-marketing-lead", "agency-lead"}}, http.StatusCreated, &tok)
	w.approver = tok.Token

	// An approval decided by a person, for reports, audit and 409s.
	decided := w.pendingApproval("docs-approve", "approve_posts")
	w.decide(decided, map[string]any{"decision": "approve", "role": "agency-lead", "comment": "ok"})
	// An approval with one vote of two.
	voted := w.pendingApproval("e2e-quorum", "approve")
	w.decide(voted, map[string]any{"decision": "approve", "role": "agency-lead"})
	var revocable struct{ ID string }
	w.expectStatus("POST", "/v1/tokens", map[string]any{"name": "revoke-me", "role": "viewer"}, http.StatusCreated, &revocable)

	w.fill = map[string]string{
		"{client}":   docsClient,
		"{campaign}": w.waitingCampaign("reputation-repair", "acme"),
		"{person}":   "pat@initech",
		"{account}":  acct.ID,
		"{decided}":  decided,
		"{voted}":    voted,
		// deploy.md: the admin token a reader exports, and a token to revoke.
		"glt_…": w.admin,
		"tok_…": revocable.ID,
	}
	// Examples that decide or mint links each get a pending approval of their own.
	w.fresh = map[string]func() string{
		"{approval}": func() string { return w.pendingApproval("docs-approve", "approve_posts") },
	}
}

// expectStatus sends a JSON request as the admin and requires the status.
func (w *docsWorld) expectStatus(method, path string, body any, status int, out any) {
	w.t.Helper()
	var raw json.RawMessage
	resp := w.gl.do(method, path, body, bearer(w.admin), &raw)
	require.Equal(w.t, status, resp.StatusCode, "%s %s: %s", method, path, raw)
	if out != nil {
		require.NoError(w.t, json.Unmarshal(raw, out))
	}
}

// waitingCampaign launches a campaign and waits for its first approval.
func (w *docsWorld) waitingCampaign(playbook, client string) string {
	w.t.Helper()
	var c api.CampaignView
	w.expectStatus("POST", "/v1/campaigns", map[string]any{"playbook": playbook, "client": client,
		"params": map[string]any{"brand": "Acme Bakery"}}, http.StatusCreated, &c)
	w.gl.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	return c.ID
}

func (w *docsWorld) pendingApproval(playbook, step string) string {
	return api.ApprovalID(w.waitingCampaign(playbook, docsClient), step)
}

func (w *docsWorld) decide(approval string, body map[string]any) {
	w.t.Helper()
	var raw json.RawMessage
	resp := w.gl.do("POST", "/v1/approvals/"+approval+"/decision", body, bearer(w.approver), &raw)
	require.Equal(w.t, http.StatusOK, resp.StatusCode, "decide %s: %s", approval, raw)
}

// substitute fills the placeholders of s; fresh ones make a new object each.
func (w *docsWorld) substitute(s string) string {
	for k, f := range w.fresh {
		if strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, f())
		}
	}
	for k, v := range w.fill {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// The docs give the default addresses of `greenlight dev`; the test's
// instance listens on free ports, so blocks run with those addresses
// rewritten to its own (and GREENLIGHT_API set for the CLI, whose default is
// the same address). The docs keep the real defaults.
func (w *docsWorld) rewriteAddresses(s string) string {
	u, _ := url.Parse(w.api)
	s = strings.ReplaceAll(s, "127.0.0.1:8080", u.Host)
	return strings.ReplaceAll(s, "127.0.0.1:7233", w.temporal)
}

// shellPrelude makes curl fail on an HTTP error answer (and still print it),
// so an example whose request is refused fails, and picks up what earlier
// blocks of the same file exported: a file's blocks run as one terminal
// session, so README's `export GREENLIGHT_TOKEN=…` is what its curl
// commands use, and a block that exports nothing leaves the CLI to find the
// token by itself, as the docs say it does.
const (
	shellPrelude  = "curl() { command curl --fail-with-body \"$@\"; }\nif [ -f \"$GL_DOCS_SESSION\" ]; then . \"$GL_DOCS_SESSION\"; fi\n"
	shellEpilogue = "\nexport -p > \"$GL_DOCS_SESSION\"\n"
)

func (w *docsWorld) run(t *testing.T, e docExample) {
	if name, ok := e.opts["new"]; ok {
		w.fill["<"+name+">"] = w.waitingCampaign("reputation-repair", "acme")
	}
	if status, ok := e.opts["after"]; ok {
		id := w.fill["<campaign-id>"]
		require.NotEmpty(t, id, "after= needs a campaign captured by an earlier block")
		w.gl.waitFor(id, status, func(v api.CampaignView) bool { return string(v.Status) == status })
	}
	script := w.rewriteAddresses(w.substitute(e.text))
	if left := regexp.MustCompile(`<[a-z-]+>`).FindString(script); left != "" && !strings.Contains(script, "<<") {
		t.Fatalf("placeholder %s has no value yet:\n%s", left, script)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", shellPrelude+script+shellEpilogue)
	cmd.Dir = w.work
	home := filepath.Join(w.work, ".home")
	require.NoError(t, os.MkdirAll(home, 0o700))
	// The reader's environment holds no Greenlight settings of its own.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GREENLIGHT_") })
	cmd.Env = append(env,
		"PATH="+filepath.Dir(w.bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GREENLIGHT_API="+w.api,
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GL_DOCS_SESSION="+filepath.Join(w.work, ".session-"+strings.NewReplacer("/", "-", ".", "-").Replace(e.file)),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n--- script\n%s--- output\n%s", e.where(), err, script, out.String())
	}
	if names, ok := e.opts["capture"]; ok {
		var v struct{ ID string }
		if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.ID == "" {
			t.Fatalf("%s: capture= wants JSON with an id, got %v:\n%s", e.where(), err, out.String())
		}
		for _, n := range strings.Split(names, ",") {
			w.fill["<"+n+">"] = v.ID
		}
	}
}

var (
	signalCommand = regexp.MustCompile(`(?m)^temporal workflow signal .*$`)
	signalFlag    = regexp.MustCompile(`--(address|workflow-id|name|input) ('[^']*'|\S+)`)
)

func (w *docsWorld) signal(t *testing.T, e docExample) {
	script := strings.ReplaceAll(w.rewriteAddresses(w.substitute(e.text)), "\\\n", " ")
	command := signalCommand.FindString(script)
	require.NotEmpty(t, command, "%s: no temporal workflow signal command", e.where())
	flags := map[string]string{}
	for _, m := range signalFlag.FindAllStringSubmatch(command, -1) {
		flags[m[1]] = strings.Trim(m[2], "'")
	}
	require.Equal(t, w.temporal, flags["address"], "%s: --address is not the dev Temporal's", e.where())
	var input struct {
		ApprovalID string `json:"approval_id"`
		Decision   string `json:"decision"`
		By         string `json:"by"`
	}
	require.NoError(t, json.Unmarshal([]byte(flags["input"]), &input), "%s: --input", e.where())
	// A signal for an approval not yet requested is ignored, as it should be:
	// send it once the campaign waits for that approval, as a reader would.
	approval := func() (api.ApprovalView, bool) {
		var raw json.RawMessage
		var a api.ApprovalView
		if r := w.gl.do("GET", "/v1/approvals/"+input.ApprovalID, nil, bearer(w.admin), &raw); r.StatusCode != http.StatusOK {
			return a, false
		}
		require.NoError(t, json.Unmarshal(raw, &a))
		return a, true
	}
	poll(t, 60*time.Second, "approval "+input.ApprovalID, func() (bool, bool) {
		a, ok := approval()
		return true, ok && a.Status == api.ApprovalPending
	})
	tc, err := client.Dial(client.Options{HostPort: w.temporal, Namespace: "default"})
	require.NoError(t, err)
	defer tc.Close()
	require.NoError(t, tc.SignalWorkflow(context.Background(), flags["workflow-id"], "", flags["name"], json.RawMessage(flags["input"])))
	a := poll(t, 30*time.Second, "the signal's decision", func() (api.ApprovalView, bool) {
		a, ok := approval()
		return a, ok && a.Status != api.ApprovalPending
	})
	require.Equal(t, input.Decision, a.Decision, "%s: %+v", e.where(), a)
	require.Equal(t, input.By, a.DecidedBy)
	require.Equal(t, api.ChannelSignal, a.Channel)
}

// call sends the example's request (the block's JSON as the body of a
// request example, body= of a response one) and returns status and answer.
func (w *docsWorld) call(e docExample, body string) (int, []byte) {
	w.t.Helper()
	token := w.admin
	if e.opts["as"] == "approver" {
		token = w.approver
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(w.substitute(body))
	}
	req, err := http.NewRequest(e.method, w.api+w.substitute(e.path), rd)
	require.NoError(w.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return resp.StatusCode, raw
}

func statusOK(e docExample, got int) bool {
	if want, ok := e.opts["expect"]; ok {
		return want == strconv.Itoa(got)
	}
	return got >= 200 && got < 300
}

func (w *docsWorld) request(t *testing.T, e docExample) {
	status, raw := w.call(e, e.text)
	if !statusOK(e, status) {
		t.Fatalf("%s: %s %s answered %d: %s", e.where(), e.method, e.path, status, raw)
	}
}

func (w *docsWorld) response(t *testing.T, e docExample) {
	text := e.text
	for _, pair := range strings.Split(e.opts["ids"], ",") {
		if literal, placeholder, ok := strings.Cut(pair, ":"); ok {
			text = strings.ReplaceAll(text, literal, w.substitute(placeholder))
		}
	}
	var example any
	require.NoError(t, json.Unmarshal([]byte(text), &example), "%s: the example is not JSON", e.where())
	rules := shapeRules{omit: strings.Split(e.opts["omit"], ","), same: strings.Split(e.opts["same"], ",")}
	// Some answers fill in as the stack works (deliveries, the audit log):
	// check again for a few seconds before failing.
	var problems []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		status, raw := w.call(e, e.opts["body"])
		if !statusOK(e, status) {
			t.Fatalf("%s: %s %s answered %d: %s", e.where(), e.method, e.path, status, raw)
		}
		var real any
		require.NoError(t, json.Unmarshal(raw, &real), "%s: the answer is not JSON: %s", e.where(), raw)
		problems = rules.problems("", example, real)
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the real answer differs from the example:\n  %s\nreal answer: %s", e.where(), strings.Join(problems, "\n  "), raw)
		}
	}
}

// shapeOf checks a JSON example against what get returns (nil: nothing
// yet), waiting a few seconds for it to arrive.
func (w *docsWorld) shapeOf(t *testing.T, e docExample, get func() any) {
	var example any
	require.NoError(t, json.Unmarshal([]byte(e.text), &example), "%s: the example is not JSON", e.where())
	rules := shapeRules{same: append([]string{"type", "action"}, strings.Split(e.opts["same"], ",")...)}
	var problems []string
	var real any
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		real = get()
		if real == nil {
			problems = []string{"nothing arrived for " + e.path}
			continue
		}
		if problems = rules.problems("", example, real); len(problems) == 0 {
			return
		}
	}
	got, _ := json.Marshal(real)
	t.Fatalf("%s: %s\nreal: %s", e.where(), strings.Join(problems, "\n  "), got)
}

// cause makes the stack send a webhook event of type typ; the approval
// events come with setUp's decisions already.
func (w *docsWorld) cause(t *testing.T, typ string) {
	switch typ {
	case "followers.spam_wave":
		// In the sandbox, numbered handles are bots and every bot follows
		// back, so the follower check finds a wave; more bots than the 25 an
		// alert lists, so it says how many more.
		accounts := []any{"@the_sourdough_fan1"}
		for i := range 30 {
			accounts = append(accounts, fmt.Sprintf("@bakery%08d", 31000000+i))
		}
		w.expectStatus("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-followers", "client": docsClient,
			"params": map[string]any{"brand": "Initech", "accounts": accounts}}, http.StatusCreated, nil)
	}
}

// stepOutput runs a campaign of the example's playbook to its end and
// checks a field of one step's output.
func (w *docsWorld) stepOutput(t *testing.T, e docExample) {
	var c api.CampaignView
	w.expectStatus("POST", "/v1/campaigns", map[string]any{"playbook": e.method, "client": docsClient,
		"params": map[string]any{"brand": "Initech"}}, http.StatusCreated, &c)
	done := w.gl.waitFor(c.ID, "finished", func(v api.CampaignView) bool { return finishedStatus(v.Status) })
	w.shapeOf(t, e, func() any {
		for _, s := range done.Steps {
			if s.Key == e.path {
				var out map[string]any
				require.NoError(t, json.Unmarshal(s.Output, &out), "output of %s", s.Key)
				return out[e.opts["field"]]
			}
		}
		return nil
	})
}

// connectorRequest launches a campaign that performs the action through the
// webhook connector and checks the request it posts.
func (w *docsWorld) connectorRequest(t *testing.T, e docExample) {
	var c api.CampaignView
	w.expectStatus("POST", "/v1/campaigns", map[string]any{"playbook": "docs-connector", "client": docsClient,
		"params": map[string]any{"brand": "Initech"}}, http.StatusCreated, &c)
	defer func() {
		if t.Failed() {
			v := w.gl.campaign(c.ID)
			t.Logf("the campaign: status %s, error %q, accounts %+v, steps %+v", v.Status, v.Error, v.Accounts, v.Steps)
		}
	}()
	w.shapeOf(t, e, func() any {
		if got := w.actions.performed(e.path); len(got) > 0 {
			return map[string]any(got[0])
		}
		return nil
	})
}

// isWildcard says whether an example's value or key stands for anything.
func isWildcard(s string) bool { return s == "..." || s == "…" }

// shapeRules are a response example's exceptions: keys the real answer may
// lack, and keys whose values must be equal, not only of the same type.
type shapeRules struct{ omit, same []string }

// problems checks that every key of example is in real with the same
// JSON type, recursively. An array's example elements are checked against
// all of the real array's elements together: a key passes when any element
// has it with that type, so an example may show two kinds of item at once.
func (sr shapeRules) problems(path string, example, real any) []string {
	return sr.check(path, "", example, real)
}

// check is problems for the value of key (the last key on the path).
func (sr shapeRules) check(path, key string, example, real any) []string {
	if s, ok := example.(string); ok && isWildcard(s) {
		return nil
	}
	switch ex := example.(type) {
	case map[string]any:
		reals := objects(real)
		if len(reals) == 0 {
			return []string{fmt.Sprintf("%s: the example has an object, the answer %s", orRoot(path), jsonType(real))}
		}
		var problems []string
		for k, v := range ex {
			if isWildcard(k) || slices.Contains(sr.omit, k) {
				continue
			}
			var first []string // the problems of the first item that has k
			has, ok := false, false
			for _, r := range reals {
				rv, in := r[k]
				if !in {
					continue
				}
				p := sr.check(path+"."+k, k, v, rv)
				if len(p) == 0 {
					ok = true
					break
				}
				if !has {
					first = p
				}
				has = true
			}
			switch {
			case ok:
			case !has:
				problems = append(problems, fmt.Sprintf("%s.%s: in the example, not in the answer", path, k))
			default:
				problems = append(problems, first...)
			}
		}
		return problems
	case []any:
		ra, ok := real.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: the example has an array, the answer %s", orRoot(path), jsonType(real))}
		}
		if len(ex) > 0 && len(ra) == 0 {
			return []string{fmt.Sprintf("%s: the example has items, the answer none", orRoot(path))}
		}
		var problems []string
		for i, item := range ex {
			if _, isObj := item.(map[string]any); isObj {
				problems = append(problems, sr.check(fmt.Sprintf("%s[%d]", path, i), key, item, real)...)
				continue
			}
			if !slices.ContainsFunc(ra, func(r any) bool { return len(sr.check("", key, item, r)) == 0 }) {
				problems = append(problems, fmt.Sprintf("%s[%d]: no item of the answer is a %s", path, i, jsonType(item)))
			}
		}
		return problems
	default:
		if jsonType(example) != jsonType(real) {
			return []string{fmt.Sprintf("%s: the example has a %s, the answer a %s", orRoot(path), jsonType(example), jsonType(real))}
		}
		if key != "" && slices.Contains(sr.same, key) && example != real {
			return []string{fmt.Sprintf("%s: the example has %v, the answer %v", orRoot(path), example, real)}
		}
		return nil
	}
}

// objects is real as a list of objects: itself, or an array's object items.
func objects(real any) []map[string]any {
	switch r := real.(type) {
	case map[string]any:
		return []map[string]any{r}
	case []any:
		var out []map[string]any
		for _, it := range r {
			if m, ok := it.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func orRoot(path string) string {
	if path == "" {
		return "(top)"
	}
	return path
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// webhookRecorder is a webhook subscriber that keeps the last event of each type.
type webhookRecorder struct {
	srv    *httptest.Server
	mu     sync.Mutex
	byType map[string]any
}

func newWebhookRecorder(t *testing.T) *webhookRecorder {
	r := &webhookRecorder{byType: map[string]any{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		raw, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		var ev map[string]any
		if err := json.Unmarshal(raw, &ev); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		typ, _ := ev["type"].(string)
		r.mu.Lock()
		r.byType[typ] = ev
		r.mu.Unlock()
		rw.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *webhookRecorder) event(typ string) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byType[typ]
}

// TestDocsExamplesShapeCheck: the response check fails on a missing key, a
// wrong type or (for same= keys) a wrong value, and takes an array's items
// together.
func TestDocsExamplesShapeCheck(t *testing.T) {
	decode := func(s string) any {
		var v any
		require.NoError(t, json.Unmarshal([]byte(s), &v))
		return v
	}
	real := decode(`{"id": "c1", "n": 2, "items": [{"a": "x"}, {"b": true}], "opt": null}`)
	rules := shapeRules{omit: []string{"gone"}, same: []string{"id"}}
	cases := []struct {
		example string
		ok      bool
	}{
		{`{"id": "c1", "n": 7, "items": [{"a": "y"}, {"b": false}], "gone": 1, "…": "…"}`, true},
		{`{"id": "c1", "n": "…", "items": [{"a": "..."}]}`, true},
		{`{"id": "c2"}`, false},
		{`{"n": "2"}`, false},
		{`{"missing": 1}`, false},
		{`{"items": [{"c": 1}]}`, false},
		{`{"items": [{"a": 1}]}`, false},
		{`{"opt": "text"}`, false},
	}
	for _, c := range cases {
		p := rules.problems("", decode(c.example), real)
		require.Equal(t, c.ok, len(p) == 0, "%s: %v", c.example, p)
	}
}
