// Package deploy checks the container packaging of Greenlight: the Dockerfile, the
// .dockerignore and docker-compose.yml at the repository root. The checks need no
// Docker engine; when the docker CLI with its compose plugin is on PATH, the compose
// file is also run through `docker compose config`.
package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/encryption"
)

// root is the repository root, seen from this package's folder.
const root = ".."

// Services the compose stack must define, and the subcommand each Greenlight one runs.
var (
	requiredServices = []string{"postgres", "temporal", "temporal-ui", "migrate", "greenlight-server", "greenlight-worker"}
	greenlightCmds   = map[string]string{"migrate": "migrate", "greenlight-server": "server", "greenlight-worker": "worker"}
	// subcommands of cmd/greenlight that run a process; `dev` is all-in-one, never for compose.
	processCmds = []string{"dev", "server", "worker", "migrate"}
)

const (
	postgresService = "postgres"
	temporalService = "temporal"
	uiService       = "temporal-ui"
	serverService   = "greenlight-server"
)

// ---------------------------------------------------------------------------------
// docker-compose.yml

type compose struct {
	raw      map[string]any
	services map[string]map[string]any
	volumes  map[string]any
	configs  map[string]any
	secrets  map[string]any
}

func loadCompose(t *testing.T) *compose {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatalf("read docker-compose.yml: %v", err)
	}
	var raw map[string]any
	// goccy/go-yaml resolves anchors, aliases and `<<` merge keys while decoding.
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatalf("parse docker-compose.yml: %v", err)
	}
	var interpErrs []error
	raw = interpolate(raw, &interpErrs).(map[string]any)
	for _, e := range interpErrs {
		t.Errorf("docker-compose.yml: %v", e)
	}
	c := &compose{raw: raw, services: map[string]map[string]any{}}
	svcs, ok := raw["services"].(map[string]any)
	if !ok || len(svcs) == 0 {
		t.Fatalf("docker-compose.yml: no services")
	}
	for name, v := range svcs {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("service %s: not a mapping", name)
		}
		c.services[name] = m
	}
	c.volumes, _ = raw["volumes"].(map[string]any)
	c.configs, _ = raw["configs"].(map[string]any)
	c.secrets, _ = raw["secrets"].(map[string]any)
	return c
}

// interpRe matches what Compose interpolates: $$, ${VAR}, ${VAR:-default} and friends, $VAR.
var interpRe = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolate resolves variables in every string value as Compose would with no
// variable set: the file must work as shipped, with no .env file.
func interpolate(v any, errs *[]error) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = interpolate(e, errs)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = interpolate(e, errs)
		}
		return x
	case string:
		return interpRe.ReplaceAllStringFunc(x, func(m string) string {
			if m == "$$" {
				return "$"
			}
			sub := interpRe.FindStringSubmatch(m)
			name, op, arg := sub[1], sub[2], sub[3]
			if name == "" {
				name = sub[4]
			}
			switch op {
			case ":-", "-":
				return arg
			case ":?", "?":
				*errs = append(*errs, fmt.Errorf("${%s} is required (%s); ship a default so `docker compose up` works without a .env", name, arg))
			}
			return ""
		})
	}
	return v
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// env returns a service's environment in either syntax (mapping or KEY=VALUE list).
func env(svc map[string]any) map[string]string {
	out := map[string]string{}
	switch x := svc["environment"].(type) {
	case map[string]any:
		for k, v := range x {
			out[k] = str(v)
		}
	case []any:
		for _, e := range x {
			k, v, _ := strings.Cut(str(e), "=")
			out[k] = v
		}
	}
	return out
}

// command returns a service's command as a list (a string command is split on spaces).
func command(svc map[string]any) []string {
	switch x := svc["command"].(type) {
	case string:
		return strings.Fields(x)
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = str(e)
		}
		return out
	}
	return nil
}

// dependsOn returns a service's depends_on as target → condition, in either syntax.
func dependsOn(svc map[string]any) map[string]string {
	out := map[string]string{}
	switch x := svc["depends_on"].(type) {
	case []any:
		for _, e := range x {
			out[str(e)] = "service_started"
		}
	case map[string]any:
		for k, v := range x {
			cond := "service_started"
			if m, ok := v.(map[string]any); ok && str(m["condition"]) != "" {
				cond = str(m["condition"])
			}
			out[k] = cond
		}
	}
	return out
}

type portMapping struct{ host, published, target string }

// ports returns a service's port mappings in either syntax.
func ports(svc map[string]any) []portMapping {
	var out []portMapping
	list, _ := svc["ports"].([]any)
	for _, p := range list {
		switch x := p.(type) {
		case map[string]any:
			out = append(out, portMapping{host: str(x["host_ip"]), published: str(x["published"]), target: str(x["target"])})
		default:
			s, _, _ := strings.Cut(str(x), "/") // drop /tcp
			parts := strings.Split(s, ":")
			pm := portMapping{target: parts[len(parts)-1]}
			if len(parts) >= 2 {
				pm.published = parts[len(parts)-2]
			}
			if len(parts) >= 3 {
				pm.host = strings.Join(parts[:len(parts)-2], ":")
			}
			out = append(out, pm)
		}
	}
	return out
}

func hasHealthcheck(svc map[string]any) bool {
	hc, ok := svc["healthcheck"].(map[string]any)
	if !ok {
		return false
	}
	if d, _ := hc["disable"].(bool); d {
		return false
	}
	test := healthTest(svc)
	return len(test) > 0 && test[0] != "NONE"
}

func healthTest(svc map[string]any) []string {
	hc, _ := svc["healthcheck"].(map[string]any)
	switch x := hc["test"].(type) {
	case string:
		return []string{"CMD-SHELL", x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = str(e)
		}
		return out
	}
	return nil
}

func replicas(svc map[string]any) int {
	d, _ := svc["deploy"].(map[string]any)
	if d == nil || d["replicas"] == nil {
		return 1
	}
	n, err := strconv.Atoi(str(d["replicas"]))
	if err != nil {
		return 1
	}
	return n
}

// isOneShot: a job that runs to completion — never restarted once it succeeded, no
// published ports, no healthcheck, one replica.
func isOneShot(svc map[string]any) bool {
	switch r := str(svc["restart"]); {
	case r == "" || r == "no" || strings.HasPrefix(r, "on-failure"):
	default:
		return false
	}
	return len(ports(svc)) == 0 && !hasHealthcheck(svc) && replicas(svc) == 1
}

// buildContext returns the build context of a service, or "" when it has no build.
func buildContext(svc map[string]any) (ctx, dockerfile string, ok bool) {
	switch b := svc["build"].(type) {
	case string:
		return b, "", true
	case map[string]any:
		ctx = str(b["context"])
		if ctx == "" {
			ctx = "."
		}
		return ctx, str(b["dockerfile"]), true
	}
	return "", "", false
}

// imageRef splits an image reference into repository and tag ("" when absent);
// digest reports an @sha256 pin.
func imageRef(image string) (repo, tag string, digest bool) {
	if i := strings.Index(image, "@"); i >= 0 {
		image, digest = image[:i], true
	}
	repo = image
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		repo, tag = image[:i], image[i+1:]
	}
	repo = strings.TrimPrefix(repo, "docker.io/")
	repo = strings.TrimPrefix(repo, "library/")
	return repo, tag, digest
}

// servicesWithImage returns the services whose image repository is repo, sorted.
func (c *compose) servicesWithImage(repo string) []string {
	var out []string
	for name, svc := range c.services {
		if r, _, _ := imageRef(str(svc["image"])); r == repo {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (c *compose) names() []string {
	out := make([]string, 0, len(c.services))
	for n := range c.services {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, name := range requiredServices {
		if _, ok := c.services[name]; !ok {
			t.Errorf("service %q is missing", name)
		}
	}
	if r, _, _ := imageRef(str(c.services[postgresService]["image"])); r != "postgres" {
		t.Errorf("service %s: image %q is not postgres", postgresService, str(c.services[postgresService]["image"]))
	}
	if r, _, _ := imageRef(str(c.services[temporalService]["image"])); r != "temporalio/server" {
		t.Errorf("service %s: image %q, want temporalio/server", temporalService, str(c.services[temporalService]["image"]))
	}
	if r, _, _ := imageRef(str(c.services[uiService]["image"])); r != "temporalio/ui" {
		t.Errorf("service %s: image %q, want temporalio/ui", uiService, str(c.services[uiService]["image"]))
	}
	if s := c.servicesWithImage("temporalio/auto-setup"); len(s) > 0 {
		t.Errorf("services %v use temporalio/auto-setup, which is deprecated upstream; use temporalio/admin-tools + temporalio/server", s)
	}
}

func TestComposeImagesPinned(t *testing.T) {
	c := loadCompose(t)
	for _, name := range c.names() {
		svc := c.services[name]
		if ctx, dockerfile, ok := buildContext(svc); ok {
			if filepath.Clean(ctx) != "." {
				t.Errorf("service %s: build context %q, want . (the repository root)", name, ctx)
			}
			if dockerfile == "" {
				dockerfile = "Dockerfile"
			}
			if _, err := os.Stat(filepath.Join(root, ctx, dockerfile)); err != nil {
				t.Errorf("service %s: %v", name, err)
			}
			continue
		}
		image := str(svc["image"])
		if image == "" {
			t.Errorf("service %s: neither image nor build", name)
			continue
		}
		if _, tag, digest := imageRef(image); !digest && (tag == "" || tag == "latest") {
			t.Errorf("service %s: image %q is not pinned to a version tag", name, image)
		}
	}
	for name := range greenlightCmds {
		if ctx, _, ok := buildContext(c.services[name]); !ok || filepath.Clean(ctx) != "." {
			t.Errorf("service %s: must be built from this repository (build: .)", name)
		}
	}
}

// TestComposeTemporalVersions keeps the cluster on the versions that `greenlight dev`
// embeds (go.temporal.io/server and github.com/temporalio/ui-server in go.mod).
func TestComposeTemporalVersions(t *testing.T) {
	c := loadCompose(t)
	mod := readGoMod(t)
	server := strings.TrimPrefix(mod.requires["go.temporal.io/server"], "v")
	ui := strings.TrimPrefix(mod.requires["github.com/temporalio/ui-server/v2"], "v")
	if server == "" || ui == "" {
		t.Fatalf("go.mod: no go.temporal.io/server or github.com/temporalio/ui-server/v2 requirement")
	}
	for repo, want := range map[string]string{
		"temporalio/server":      server,
		"temporalio/admin-tools": server,
		"temporalio/ui":          ui,
	} {
		for _, name := range c.servicesWithImage(repo) {
			if _, tag, _ := imageRef(str(c.services[name]["image"])); tag != want {
				t.Errorf("service %s: %s:%s, want tag %s (go.mod)", name, repo, tag, want)
			}
		}
	}
	// Temporal's schema must be set up by a one-shot admin-tools job before the server starts.
	var schemaJob string
	for target, cond := range dependsOn(c.services[temporalService]) {
		if r, _, _ := imageRef(str(c.services[target]["image"])); r == "temporalio/admin-tools" && cond == "service_completed_successfully" {
			schemaJob = target
		}
	}
	if schemaJob == "" {
		t.Errorf("service %s: must depend (service_completed_successfully) on a temporalio/admin-tools schema job", temporalService)
	} else if cmd := strings.Join(command(c.services[schemaJob]), " "); !strings.Contains(cmd, "update-schema") {
		t.Errorf("service %s: does not run temporal-sql-tool update-schema", schemaJob)
	}
}

func TestComposeDependsOn(t *testing.T) {
	c := loadCompose(t)
	valid := []string{"service_started", "service_healthy", "service_completed_successfully"}
	for _, name := range c.names() {
		for target, cond := range dependsOn(c.services[name]) {
			tsvc, ok := c.services[target]
			switch {
			case !ok:
				t.Errorf("service %s: depends_on unknown service %q", name, target)
			case !slices.Contains(valid, cond):
				t.Errorf("service %s: depends_on %s: unknown condition %q", name, target, cond)
			case cond == "service_healthy" && !hasHealthcheck(tsvc):
				t.Errorf("service %s: depends_on %s service_healthy, but %s has no healthcheck", name, target, target)
			case cond == "service_completed_successfully" && !isOneShot(tsvc):
				t.Errorf("service %s: depends_on %s service_completed_successfully, but %s is not a one-shot job", name, target, target)
			}
		}
	}
	// no cycles
	state := map[string]int{}
	var visit func(string, []string)
	visit = func(n string, path []string) {
		switch state[n] {
		case 1:
			t.Errorf("depends_on cycle: %s", strings.Join(append(path, n), " → "))
			return
		case 2:
			return
		}
		state[n] = 1
		for dep := range dependsOn(c.services[n]) {
			if _, ok := c.services[dep]; ok {
				visit(dep, append(path, n))
			}
		}
		state[n] = 2
	}
	for _, n := range c.names() {
		visit(n, nil)
	}

	if cond := dependsOn(c.services["migrate"])[postgresService]; cond != "service_healthy" {
		t.Errorf("service migrate: depends_on %s condition %q, want service_healthy", postgresService, cond)
	}
	for _, name := range []string{"greenlight-server", "greenlight-worker"} {
		deps := dependsOn(c.services[name])
		if deps["migrate"] != "service_completed_successfully" {
			t.Errorf("service %s: must depend on migrate with service_completed_successfully (got %q)", name, deps["migrate"])
		}
		if cond := deps[temporalService]; cond != "service_healthy" && cond != "service_started" {
			t.Errorf("service %s: must depend on %s (healthy or started), got %q", name, temporalService, cond)
		}
	}
}

func TestComposeHealthchecks(t *testing.T) {
	c := loadCompose(t)
	pg := c.services[postgresService]
	if !hasHealthcheck(pg) {
		t.Fatalf("service %s: no healthcheck", postgresService)
	}
	if test := strings.Join(healthTest(pg), " "); !strings.Contains(test, "pg_isready") {
		t.Errorf("service %s: healthcheck %q does not use pg_isready", postgresService, test)
	} else if !strings.Contains(test, "-h 127.0.0.1") && !strings.Contains(test, "-h localhost") {
		// Without -h it probes the Unix socket, which answers during the
		// image's socket-only init phase while TCP 5432 is still closed.
		t.Errorf("service %s: healthcheck %q probes the Unix socket; probe TCP with -h 127.0.0.1", postgresService, test)
	}
	// The server's healthcheck, when present, must hit its own port and a tool the image has.
	srv := c.services[serverService]
	if !hasHealthcheck(srv) {
		return
	}
	test := strings.Join(healthTest(srv), " ")
	_, port, _ := net.SplitHostPort(env(srv)["GREENLIGHT_HTTP"])
	if !strings.Contains(test, ":"+port+"/readyz") && !strings.Contains(test, ":"+port+"/healthz") {
		t.Errorf("service %s: healthcheck %q does not call /readyz or /healthz on port %s", serverService, test, port)
	}
	df := parseDockerfile(t)
	final := df.stages[len(df.stages)-1]
	for _, tool := range []string{"curl", "wget"} {
		if strings.Contains(test, tool) && !final.installs(tool) {
			t.Errorf("service %s: healthcheck uses %s, which the Dockerfile's final stage does not install", serverService, tool)
		}
	}
}

func TestComposeCommands(t *testing.T) {
	c := loadCompose(t)
	for _, name := range c.names() {
		svc := c.services[name]
		if _, _, ok := buildContext(svc); !ok {
			continue
		}
		cmd := command(svc)
		switch {
		case len(cmd) == 0:
			t.Errorf("service %s: no command; give the subcommand explicitly", name)
		case !slices.Contains(processCmds, cmd[0]):
			t.Errorf("service %s: command %q is not a greenlight subcommand %v", name, cmd[0], processCmds)
		case cmd[0] == "dev":
			t.Errorf("service %s: `dev` embeds Temporal and SQLite; it is not for compose", name)
		}
	}
	for name, want := range greenlightCmds {
		if cmd := command(c.services[name]); len(cmd) == 0 || cmd[0] != want {
			t.Errorf("service %s: command %v, want [%s]", name, cmd, want)
		}
	}
}

func TestComposeDatabase(t *testing.T) {
	c := loadCompose(t)
	pgEnv := env(c.services[postgresService])
	user := pgEnv["POSTGRES_USER"]
	if user == "" {
		user = "postgres"
	}
	db := pgEnv["POSTGRES_DB"]
	if db == "" {
		db = user
	}
	pgPort := pgEnv["PGPORT"]
	if pgPort == "" {
		pgPort = "5432"
	}
	hasInitScripts := false
	for _, m := range volumeMounts(c.services[postgresService]) {
		if strings.HasPrefix(m.target, "/docker-entrypoint-initdb.d") {
			hasInitScripts = true
		}
	}

	var first string
	for _, name := range []string{"migrate", "greenlight-server", "greenlight-worker"} {
		raw := env(c.services[name])["DATABASE_URL"]
		u, err := url.Parse(raw)
		if err != nil || raw == "" {
			t.Errorf("service %s: DATABASE_URL %q: not a URL (%v)", name, raw, err)
			continue
		}
		if u.Scheme != "postgres" && u.Scheme != "postgresql" {
			t.Errorf("service %s: DATABASE_URL scheme %q, want postgres", name, u.Scheme)
		}
		if u.Hostname() != postgresService {
			t.Errorf("service %s: DATABASE_URL host %q, want the %s service", name, u.Hostname(), postgresService)
		}
		if p := u.Port(); p != "" && p != pgPort {
			t.Errorf("service %s: DATABASE_URL port %s, PostgreSQL listens on %s", name, p, pgPort)
		}
		if u.User.Username() != user {
			t.Errorf("service %s: DATABASE_URL user %q, postgres has POSTGRES_USER %q", name, u.User.Username(), user)
		}
		if pw, _ := u.User.Password(); pw != pgEnv["POSTGRES_PASSWORD"] {
			t.Errorf("service %s: DATABASE_URL password does not match POSTGRES_PASSWORD", name)
		}
		name2 := strings.TrimPrefix(u.Path, "/")
		if name2 != db && !hasInitScripts {
			t.Errorf("service %s: DATABASE_URL database %q is never created (POSTGRES_DB is %q)", name, name2, db)
		}
		if first == "" {
			first = raw
		} else if raw != first {
			t.Errorf("service %s: DATABASE_URL %q differs from the others' %q", name, raw, first)
		}
	}

	// Temporal keeps its own databases on the same instance, never Greenlight's.
	tEnv := env(c.services[temporalService])
	if tEnv["POSTGRES_SEEDS"] != postgresService {
		t.Errorf("service %s: POSTGRES_SEEDS %q, want %s", temporalService, tEnv["POSTGRES_SEEDS"], postgresService)
	}
	if !strings.HasPrefix(tEnv["DB"], "postgres12") {
		t.Errorf("service %s: DB %q, want postgres12", temporalService, tEnv["DB"])
	}
	if tEnv["POSTGRES_USER"] != user || tEnv["POSTGRES_PWD"] != pgEnv["POSTGRES_PASSWORD"] {
		t.Errorf("service %s: PostgreSQL credentials differ from the %s service's", temporalService, postgresService)
	}
	for key, def := range map[string]string{"DBNAME": "temporal", "VISIBILITY_DBNAME": "temporal_visibility"} {
		tdb := tEnv[key]
		if tdb == "" {
			tdb = def
		}
		if u, err := url.Parse(first); err == nil && strings.TrimPrefix(u.Path, "/") == tdb {
			t.Errorf("Greenlight and Temporal (%s) share database %q", key, tdb)
		}
	}
	for _, name := range c.servicesWithImage("temporalio/admin-tools") {
		e := env(c.services[name])
		if h := e["SQL_HOST"]; h != "" && h != postgresService {
			t.Errorf("service %s: SQL_HOST %q, want %s", name, h, postgresService)
		}
	}
}

func TestComposeTemporalAddress(t *testing.T) {
	c := loadCompose(t)
	tEnv := env(c.services[temporalService])
	port := tEnv["FRONTEND_GRPC_PORT"]
	if port == "" {
		port = "7233"
	}
	if b := tEnv["BIND_ON_IP"]; b != "" && b != "0.0.0.0" && b != "::0" {
		t.Errorf("service %s: BIND_ON_IP %q; other containers cannot reach the frontend", temporalService, b)
	}
	want := net.JoinHostPort(temporalService, port)
	check := func(svc, key string) {
		if got := env(c.services[svc])[key]; got != want {
			t.Errorf("service %s: %s %q, want %q", svc, key, got, want)
		}
	}
	for name := range greenlightCmds {
		check(name, "GREENLIGHT_TEMPORAL_ADDRESS")
	}
	check(uiService, "TEMPORAL_ADDRESS")
	for _, name := range c.servicesWithImage("temporalio/admin-tools") {
		if _, ok := env(c.services[name])["TEMPORAL_ADDRESS"]; ok {
			check(name, "TEMPORAL_ADDRESS")
		}
	}

	// The namespace Greenlight uses must be created by a one-shot job it waits for.
	ns := env(c.services[serverService])["GREENLIGHT_NAMESPACE"]
	if ns == "" {
		ns = config.Defaults().Namespace
	}
	var nsJob string
	for _, name := range c.servicesWithImage("temporalio/admin-tools") {
		if strings.Contains(strings.Join(command(c.services[name]), " "), "namespace create") {
			nsJob = name
		}
	}
	if nsJob == "" {
		t.Fatalf("no temporalio/admin-tools job runs `temporal operator namespace create`")
	}
	if got := env(c.services[nsJob])["NAMESPACE"]; got != ns {
		t.Errorf("service %s: creates namespace %q, Greenlight uses %q", nsJob, got, ns)
	}
	for _, name := range []string{"greenlight-server", "greenlight-worker"} {
		if cond := dependsOn(c.services[name])[nsJob]; cond != "service_completed_successfully" {
			t.Errorf("service %s: must depend on %s (service_completed_successfully), got %q", name, nsJob, cond)
		}
	}
}

func TestComposePorts(t *testing.T) {
	c := loadCompose(t)
	srv := c.services[serverService]
	host, port, err := net.SplitHostPort(env(srv)["GREENLIGHT_HTTP"])
	if err != nil {
		t.Fatalf("service %s: GREENLIGHT_HTTP: %v", serverService, err)
	}
	if host != "0.0.0.0" && host != "" && host != "::" {
		t.Errorf("service %s: GREENLIGHT_HTTP listens on %q, unreachable from outside the container", serverService, host)
	}
	found := false
	for _, p := range ports(srv) {
		if p.target == port {
			found = true
		}
	}
	if !found {
		t.Errorf("service %s: no port mapping to container port %s (GREENLIGHT_HTTP)", serverService, port)
	}

	// GREENLIGHT_UI_URL must point at the Web UI's published port.
	uiURL, err := url.Parse(env(srv)["GREENLIGHT_UI_URL"])
	if err != nil || uiURL.Host == "" {
		t.Fatalf("service %s: GREENLIGHT_UI_URL %q is not a URL", serverService, env(srv)["GREENLIGHT_UI_URL"])
	}
	uiPort := env(c.services[uiService])["TEMPORAL_UI_PORT"]
	if uiPort == "" {
		uiPort = "8080"
	}
	var published string
	for _, p := range ports(c.services[uiService]) {
		if p.target == uiPort {
			published = p.published
		}
	}
	if published == "" {
		t.Errorf("service %s: container port %s is not published", uiService, uiPort)
	} else if h := uiURL.Hostname(); (h == "localhost" || h == "127.0.0.1") && uiURL.Port() != published {
		t.Errorf("GREENLIGHT_UI_URL %s: port %q, the Web UI is published on %s", uiURL, uiURL.Port(), published)
	}

	// Scaled services cannot have a fixed name or a fixed host port.
	for _, name := range c.names() {
		svc := c.services[name]
		if replicas(svc) <= 1 {
			continue
		}
		if svc["container_name"] != nil {
			t.Errorf("service %s: container_name with %d replicas", name, replicas(svc))
		}
		for _, p := range ports(svc) {
			if p.published != "" && !strings.Contains(p.published, "-") {
				t.Errorf("service %s: fixed host port %s with %d replicas", name, p.published, replicas(svc))
			}
		}
	}
}

// TestComposeGreenlightEnv: the three Greenlight processes share one environment, and
// that environment is a valid configuration for the real config loader.
func TestComposeGreenlightEnv(t *testing.T) {
	c := loadCompose(t)
	known := knownEnvVars(t)
	shared, _ := c.raw["x-greenlight-env"].(map[string]any)
	var first map[string]string
	for _, name := range []string{"migrate", "greenlight-server", "greenlight-worker"} {
		e := env(c.services[name])
		for k := range e {
			if (strings.HasPrefix(k, "GREENLIGHT_") || k == "DATABASE_URL") && !known[k] {
				t.Errorf("service %s: %s is not an environment variable Greenlight reads", name, k)
			}
		}
		for k, v := range shared {
			if e[k] != str(v) {
				t.Errorf("service %s: %s=%q, x-greenlight-env has %q", name, k, e[k], str(v))
			}
		}
		if e["GREENLIGHT_LOG_FORMAT"] != "json" {
			t.Errorf("service %s: GREENLIGHT_LOG_FORMAT=%q, want json", name, e["GREENLIGHT_LOG_FORMAT"])
		}
		if first == nil {
			first = e
		} else {
			for _, k := range []string{"DATABASE_URL", "GREENLIGHT_TEMPORAL_ADDRESS", "GREENLIGHT_NAMESPACE", "GREENLIGHT_UI_URL"} {
				if e[k] != first[k] {
					t.Errorf("service %s: %s=%q differs from migrate's %q", name, k, e[k], first[k])
				}
			}
		}
		cfg := config.Defaults()
		cfg.FromEnv(func(k string) (string, bool) { v, ok := e[k]; return v, ok })
		if err := cfg.Validate(); err != nil {
			t.Errorf("service %s: environment is not a valid configuration: %v", name, err)
		}
		// Outside dev a server or worker without payload keys refuses to start.
		if spec, err := cfg.Payloads.KeySpec(); err != nil || spec == "" {
			t.Errorf("service %s: no payload keys (%v)", name, err)
		} else if _, err := encryption.ParseKeys(spec); err != nil {
			t.Errorf("service %s: payload keys: %v", name, err)
		}
	}
	ui := env(c.services["temporal-ui"])
	if want := env(c.services["greenlight-server"])["GREENLIGHT_PUBLIC_URL"] + "/codec"; ui["TEMPORAL_CODEC_ENDPOINT"] != want || ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] != "true" {
		t.Errorf("temporal-ui: codec endpoint %q (credentials %q), want %q with credentials: payloads are encrypted",
			ui["TEMPORAL_CODEC_ENDPOINT"], ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"], want)
	}
	if shared == nil {
		t.Errorf("docker-compose.yml: no x-greenlight-env extension field shared by the Greenlight services")
	}
}

// knownEnvVars lists the environment variables Greenlight reads: every "GREENLIGHT_…"
// or "DATABASE_URL" string literal in the module's non-test Go source.
func knownEnvVars(t *testing.T) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`"((?:GREENLIGHT_[A-Z0-9_]+)|DATABASE_URL)"`)
	out := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "deploy" || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			out[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !out["DATABASE_URL"] || !out["GREENLIGHT_TEMPORAL_ADDRESS"] {
		t.Fatalf("found no environment variable names in the Go source (config/ moved?)")
	}
	return out
}

type mount struct{ typ, source, target string }

func volumeMounts(svc map[string]any) []mount {
	var out []mount
	list, _ := svc["volumes"].([]any)
	for _, v := range list {
		switch x := v.(type) {
		case map[string]any:
			out = append(out, mount{typ: str(x["type"]), source: str(x["source"]), target: str(x["target"])})
		default:
			parts := strings.Split(str(x), ":")
			if len(parts) == 1 {
				out = append(out, mount{typ: "volume", target: parts[0]}) // anonymous
				continue
			}
			src := parts[0]
			typ := "volume"
			if strings.HasPrefix(src, "/") || strings.HasPrefix(src, ".") || strings.HasPrefix(src, "~") {
				typ = "bind"
			}
			out = append(out, mount{typ: typ, source: src, target: parts[1]})
		}
	}
	return out
}

func TestComposeVolumesAndConfigs(t *testing.T) {
	c := loadCompose(t)
	for _, name := range c.names() {
		svc := c.services[name]
		for _, m := range volumeMounts(svc) {
			if m.typ == "volume" && m.source != "" {
				if _, ok := c.volumes[m.source]; !ok {
					t.Errorf("service %s: named volume %q is not declared under volumes:", name, m.source)
				}
			}
		}
		for _, kind := range []struct {
			key      string
			declared map[string]any
		}{{"configs", c.configs}, {"secrets", c.secrets}} {
			list, _ := svc[kind.key].([]any)
			for _, e := range list {
				src := str(e)
				if m, ok := e.(map[string]any); ok {
					src = str(m["source"])
				}
				if _, ok := kind.declared[src]; !ok {
					t.Errorf("service %s: %s %q is not declared under %s:", name, kind.key, src, kind.key)
				}
			}
		}
	}
	// PostgreSQL's data lives in a named volume, so `docker compose down` keeps it.
	named := false
	for _, m := range volumeMounts(c.services[postgresService]) {
		if m.typ == "volume" && m.source != "" && strings.HasPrefix(m.target, "/var/lib/postgresql") {
			named = true
		}
	}
	if !named {
		t.Errorf("service %s: no named volume for /var/lib/postgresql/data", postgresService)
	}
}

// TestComposeConfig runs the real Compose loader when it is installed. It needs no engine.
func TestComposeConfig(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker CLI not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "compose", "version").CombinedOutput(); err != nil {
		t.Skipf("docker compose plugin not available: %v: %s", err, strings.TrimSpace(string(out)))
	}
	cmd := exec.CommandContext(ctx, "docker", "compose", "-f", "docker-compose.yml", "config", "--quiet")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker compose config: %v\n%s", err, out)
	}
}

// ---------------------------------------------------------------------------------
// Dockerfile

type instruction struct {
	cmd  string // upper case
	args string
	line int
}

type stage struct {
	image string
	name  string
	index int
	ins   []instruction
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func (s stage) installs(tool string) bool {
	for _, in := range s.all("RUN") {
		if regexp.MustCompile(`(apt-get|apk|microdnf|dnf|yum)\b.*\binstall\b.*\b`+regexp.QuoteMeta(tool)+`\b`).MatchString(in.args) ||
			regexp.MustCompile(`\bapk add\b.*\b`+regexp.QuoteMeta(tool)+`\b`).MatchString(in.args) {
			return true
		}
	}
	return false
}

type dockerfile struct{ stages []stage }

// parseDockerfile reads instructions, joining continuation lines and dropping comments.
func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatalf("open Dockerfile: %v", err)
	}
	defer f.Close()
	var (
		df      dockerfile
		buf     strings.Builder
		start   int
		lineNo  int
		globals = map[string]string{}
	)
	flush := func() {
		text := strings.TrimSpace(buf.String())
		buf.Reset()
		if text == "" {
			return
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start}
		if in.cmd == "FROM" {
			fields := strings.Fields(in.args)
			var rest []string
			for _, fl := range fields {
				if !strings.HasPrefix(fl, "--") {
					rest = append(rest, fl)
				}
			}
			st := stage{index: len(df.stages)}
			if len(rest) > 0 {
				st.image = os.Expand(rest[0], func(k string) string { return globals[k] })
			}
			if len(rest) == 3 && strings.EqualFold(rest[1], "AS") {
				st.name = rest[2]
			}
			df.stages = append(df.stages, st)
			return
		}
		if len(df.stages) == 0 {
			if in.cmd == "ARG" {
				k, v, _ := strings.Cut(in.args, "=")
				globals[k] = strings.Trim(v, `"`)
			}
			return
		}
		s := &df.stages[len(df.stages)-1]
		s.ins = append(s.ins, in)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue // comments (and parser directives), also inside continuations
		}
		if buf.Len() == 0 {
			if line == "" {
				continue
			}
			start = lineNo
		}
		if strings.HasSuffix(line, `\`) {
			buf.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		buf.WriteString(line)
		flush()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
	return df
}

type goMod struct {
	goVersion string
	requires  map[string]string
}

func readGoMod(t *testing.T) goMod {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := goMod{requires: map[string]string{}}
	inBlock := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "go" && len(f) == 2:
			m.goVersion = f[1]
		case f[0] == "require" && len(f) == 2 && f[1] == "(":
			inBlock = true
		case f[0] == "require" && len(f) == 3:
			m.requires[f[1]] = f[2]
		case inBlock && f[0] == ")":
			inBlock = false
		case inBlock && len(f) == 2:
			m.requires[f[0]] = f[1]
		}
	}
	if m.goVersion == "" {
		t.Fatalf("go.mod: no go line")
	}
	return m
}

// versionParts parses "1.26.8" (or "1.26") into numbers.
func versionParts(v string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("version %q: %w", v, err)
		}
		out = append(out, n)
	}
	if len(out) < 2 {
		return nil, errors.New("version " + v + ": want major.minor")
	}
	return out, nil
}

func TestDockerfile(t *testing.T) {
	df := parseDockerfile(t)
	if len(df.stages) < 2 {
		t.Fatalf("Dockerfile: %d stage(s), want a multi-stage build", len(df.stages))
	}

	// The builder: the stage that runs `go build`.
	var builder *stage
	var buildCmd string
	for i := range df.stages {
		for _, in := range df.stages[i].all("RUN") {
			if regexp.MustCompile(`\bgo build\b`).MatchString(in.args) {
				builder, buildCmd = &df.stages[i], in.args
			}
		}
	}
	if builder == nil {
		t.Fatalf("Dockerfile: no stage runs go build")
	}
	repo, tag, _ := imageRef(builder.image)
	if repo != "golang" {
		t.Errorf("builder stage FROM %q, want the official golang image", builder.image)
	}
	mod := readGoMod(t)
	want, err := versionParts(mod.goVersion)
	if err != nil {
		t.Fatal(err)
	}
	imgVer, _, _ := strings.Cut(tag, "-")
	got, err := versionParts(imgVer)
	if err != nil {
		t.Errorf("builder image %q: tag does not start with a Go version: %v", builder.image, err)
	} else {
		if got[0] != want[0] || got[1] != want[1] {
			t.Errorf("builder image Go %s, go.mod says go %s (major.minor must match)", imgVer, mod.goVersion)
		}
		if len(got) > 2 && len(want) > 2 && got[0] == want[0] && got[1] == want[1] && got[2] < want[2] {
			t.Errorf("builder image Go %s is older than go.mod's go %s", imgVer, mod.goVersion)
		}
	}

	cgoOff := false
	for _, in := range builder.ins {
		if (in.cmd == "RUN" || in.cmd == "ENV") && regexp.MustCompile(`\bCGO_ENABLED[= ]0\b`).MatchString(in.args) {
			cgoOff = true
		}
	}
	if !cgoOff {
		t.Errorf("builder stage: CGO_ENABLED=0 not set; the runtime image needs a static binary")
	}
	if !regexp.MustCompile(`(^|\s)\./cmd/greenlight/?(\s|$)`).MatchString(buildCmd) {
		t.Errorf("go build does not build ./cmd/greenlight: %q", buildCmd)
	}
	outM := regexp.MustCompile(`\s-o[= ]\s*(\S+)`).FindStringSubmatch(buildCmd)
	if outM == nil {
		t.Fatalf("go build has no -o output path: %q", buildCmd)
	}
	binary := outM[1]

	// Module download is its own layer, before the source is copied in.
	download, copyAll := -1, -1
	for i, in := range builder.ins {
		if in.cmd == "RUN" && strings.Contains(in.args, "go mod download") && download < 0 {
			download = i
		}
		if in.cmd == "COPY" && copyAll < 0 {
			if f := strings.Fields(in.args); len(f) >= 2 && (f[0] == "." || f[0] == "./") {
				copyAll = i
			}
		}
	}
	if download < 0 || copyAll < 0 || download > copyAll {
		t.Errorf("builder stage: `go mod download` must run after copying go.mod/go.sum and before `COPY . .` (layer caching)")
	}

	final := df.stages[len(df.stages)-1]
	if &df.stages[len(df.stages)-1] == builder {
		t.Fatalf("the final stage is the builder; ship a small runtime image")
	}
	if _, tag, digest := imageRef(final.image); !digest && (tag == "" || tag == "latest") {
		t.Errorf("final stage FROM %q is not pinned", final.image)
	}

	// Non-root: a USER that is not root, or a nonroot base image.
	user := ""
	for _, in := range final.all("USER") {
		user = in.args
	}
	u, _, _ := strings.Cut(user, ":")
	_, ftag, _ := imageRef(final.image)
	if (u == "" && !strings.Contains(ftag, "nonroot")) || u == "root" || u == "0" {
		t.Errorf("final stage runs as root (USER %q, image %q)", user, final.image)
	}

	// The binary is copied from the builder and is the entrypoint.
	dest := ""
	for _, in := range final.all("COPY") {
		f := strings.Fields(in.args)
		from := ""
		var paths []string
		for _, x := range f {
			if v, ok := strings.CutPrefix(x, "--from="); ok {
				from = v
			} else if !strings.HasPrefix(x, "--") {
				paths = append(paths, x)
			}
		}
		if (from == builder.name || from == strconv.Itoa(builder.index)) && len(paths) == 2 && paths[0] == binary {
			dest = paths[1]
			if strings.HasSuffix(dest, "/") {
				dest += filepath.Base(binary)
			}
		}
	}
	if dest == "" {
		t.Errorf("final stage does not COPY --from=%s %s", builder.name, binary)
	}
	eps := final.all("ENTRYPOINT")
	if len(eps) == 0 {
		t.Fatalf("final stage has no ENTRYPOINT")
	}
	var ep []string
	if err := json.Unmarshal([]byte(eps[len(eps)-1].args), &ep); err != nil || len(ep) == 0 {
		t.Errorf("ENTRYPOINT %s: use the exec form [\"/greenlight\"] so signals reach the binary", eps[len(eps)-1].args)
	} else if ep[0] != dest {
		t.Errorf("ENTRYPOINT %q is not the copied binary %q", ep[0], dest)
	}
	if cmds := final.all("CMD"); len(cmds) > 0 {
		var cmd []string
		if err := json.Unmarshal([]byte(cmds[len(cmds)-1].args), &cmd); err != nil || len(cmd) == 0 || !slices.Contains(processCmds, cmd[0]) {
			t.Errorf("CMD %s: want a subcommand such as [\"server\"]", cmds[len(cmds)-1].args)
		}
	}
	exposed := false
	for _, in := range final.all("EXPOSE") {
		for _, p := range strings.Fields(in.args) {
			if strings.TrimSuffix(p, "/tcp") == "8080" {
				exposed = true
			}
		}
	}
	if !exposed {
		t.Errorf("final stage does not EXPOSE 8080")
	}
}

func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatalf("read .dockerignore: %v", err)
	}
	patterns := map[string]bool{}
	var plain []string
	for _, line := range strings.Split(string(b), "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") || strings.HasPrefix(p, "!") {
			continue
		}
		p = strings.TrimPrefix(p, "./")
		p = strings.TrimPrefix(p, "/")
		p = strings.TrimSuffix(p, "/")
		if !strings.Contains(p, "**") {
			plain = append(plain, p)
		}
		p = strings.TrimPrefix(p, "**/")
		patterns[p] = true
	}
	for _, want := range []string{".git", ".greenlight"} {
		if !patterns[want] {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
	// Nothing the build needs may be excluded.
	for _, need := range []string{"go.mod", "go.sum", "cmd", "cmd/greenlight"} {
		for _, p := range plain {
			if ok, _ := filepath.Match(p, need); ok {
				t.Errorf(".dockerignore pattern %q excludes %s, which the build needs", p, need)
			}
		}
	}
}

// TestComposeConnectionBudget: every pool that can be open at once, and
// three more Greenlight replicas, fit in PostgreSQL's max_connections.
func TestComposeConnectionBudget(t *testing.T) {
	c := loadCompose(t)
	var maxConns int
	cmd, _ := c.services["postgres"]["command"].([]any)
	for _, a := range cmd {
		if v, ok := strings.CutPrefix(str(a), "max_connections="); ok {
			maxConns, _ = strconv.Atoi(v)
		}
	}
	if maxConns == 0 {
		t.Fatalf("postgres: no max_connections in its command (%v); the default 100 is too few for the stack", cmd)
	}
	num := func(svc, key string) int {
		n, err := strconv.Atoi(env(c.services[svc])[key])
		if err != nil {
			t.Fatalf("service %s: %s=%q is not a number", svc, key, env(c.services[svc])[key])
		}
		return n
	}
	// Temporal's server process runs four services, each with its own pools.
	temporal := 4 * (num("temporal", "SQL_MAX_CONNS") + num("temporal", "SQL_VIS_MAX_CONNS"))
	greenlight := 0
	var perProcess int
	for _, name := range []string{"migrate", "greenlight-server", "greenlight-worker"} {
		perProcess = num(name, "GREENLIGHT_DB_MAX_CONNS")
		greenlight += perProcess
	}
	const adminTools, reserved, extraReplicas = 10, 3, 3
	need := temporal + greenlight + extraReplicas*perProcess + adminTools + reserved
	if need > maxConns {
		t.Errorf("connections: Temporal %d + Greenlight %d + %d more replicas x %d + admin tools %d + reserved %d = %d > max_connections %d",
			temporal, greenlight, extraReplicas, perProcess, adminTools, reserved, need, maxConns)
	}
}
