package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/credentials"
	"github.com/greenlight/greenlight/notify/webhook"
)

// drillSteps are the actions a cluster-drill campaign performs
// (testdata/cluster-drill.yaml), by step key: each must reach the wire under
// exactly one Idempotency-Key.
var drillSteps = []string{"final", "rounds.1.publish", "rounds.2.publish", "rounds.3.publish"}

// TestClusterSurvivesKills runs Greenlight as it is deployed, every part a
// separate process: a Temporal cluster of two nodes (Temporal's own server
// binary) on PostgreSQL, a TCP load balancer in front of their frontends, two
// `greenlight server` and two `greenlight worker` processes on a PostgreSQL
// store. It launches campaigns through both APIs, and while some wait for
// their approval and others are between publishes it SIGKILLs one worker and
// one Temporal node. Every campaign must still complete, each of its actions
// reaching the client's webhook receiver under exactly one key, and end
// exactly as a campaign run after the dust settled does.
func TestClusterSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal cluster and four greenlight processes")
	}
	begin := time.Now()
	phases := &phaseClock{last: begin}
	admin := postgresAdmin(t)
	tools := buildTemporal(t)
	phases.lap("build Temporal")

	cs := newChildren(t)
	tdb := randomName(t, "gl_cluster_temporal_")
	setUpTemporalSchema(t, cs, tools, admin, tdb, tdb+"_visibility")
	phases.lap("Temporal schema")

	// The nodes' public client is the load balancer, which learns each
	// node's frontend as it starts.
	lb := newForwarder(cs)
	nodes := startTemporalCluster(t, cs, tools, tdb, tdb+"_visibility", lb, 2)
	phases.lap("Temporal cluster up")
	const namespace = "greenlight"
	setUpNamespace(t, lb.addr(), nodes, namespace)
	phases.lap("namespace")

	gdb := randomName(t, "gl_cluster_app_")
	dropLater(t, cs, admin, gdb)
	if _, err := admin.Exec(t.Context(), `CREATE DATABASE "`+gdb+`"`); err != nil {
		t.Fatalf("create database %s: %v", gdb, err)
	}
	hookSecret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	receiver := newWireReceiver(t, hookSecret)
	env := []string{
		"DATABASE_URL=" + databaseURL(t, gdb),
		"GREENLIGHT_TEMPORAL_ADDRESS=" + lb.addr(),
		"GREENLIGHT_NAMESPACE=" + namespace,
		"GREENLIGHT_LINK_SECRET=" + randomHexString(t, 32),
		"GREENLIGHT_PAYLOAD_KEYS=k1:" + base64.StdEncoding.EncodeToString(randomBytes(t, 32)),
		credentials.EnvName("acme.linkedin-hook") + "=" + hookSecret,
		"GREENLIGHT_LOG_LEVEL=info",
	}
	cs.runGreenlight("migrate", env, "migrate")
	token := strings.TrimSpace(cs.runGreenlight("tokens create", env, "tokens", "create", "--admin-bootstrap", "--name", "ops-admin"))
	retries := &atomic.Int64{}
	var apis []glAPI
	for i, addr := range freePorts(t, 2) {
		httpAddr := fmt.Sprintf("127.0.0.1:%d", addr)
		cs.greenlight(fmt.Sprintf("server-%d", i), append(env, "GREENLIGHT_HTTP="+httpAddr), "server")
		apis = append(apis, glAPI{base: "http://" + httpAddr, token: token, retries: retries})
	}
	var workers []*child
	for i := range 2 {
		workers = append(workers, cs.greenlight(fmt.Sprintf("worker-%d", i), env, "worker"))
	}
	for _, a := range apis {
		a.must(t, http.StatusOK, "GET", "/readyz", nil, nil, nil, 2*time.Minute)
	}
	for _, w := range workers {
		w.waitLog(t, "greenlight worker ready", 2*time.Minute)
	}
	phases.lap("greenlight up")

	// The client's LinkedIn page acts through the webhook receiver, as an
	// agency's program would: no sandbox is lent (the server's default).
	apis[0].must(t, http.StatusCreated, "POST", "/v1/clients/acme/accounts", map[string]any{
		"platform": "linkedin", "handle": "company/acme", "connector": "webhook",
		"endpoint": receiver.URL + "/actions", "credential": "acme.linkedin-hook",
	}, nil, nil, 10*time.Second)
	drill, err := os.ReadFile(filepath.Join("testdata", "cluster-drill.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	apis[1].must(t, http.StatusCreated, "POST", "/v1/playbooks", string(drill), nil, nil, 10*time.Second)

	// Launch through both APIs, alternately.
	const campaigns = 10
	launch := func(a glAPI, key string) string {
		t.Helper()
		var v api.CampaignView
		a.must(t, http.StatusCreated, "POST", "/v1/campaigns",
			map[string]any{"playbook": "cluster-drill", "client": "acme", "params": map[string]any{"brand": "Acme"}},
			http.Header{"Idempotency-Key": {key}}, &v, time.Minute)
		return v.ID
	}
	var ids []string
	for i := range campaigns {
		ids = append(ids, launch(apis[i%2], fmt.Sprintf("drill-%d", i)))
	}
	status := func(a glAPI, id string) api.CampaignView {
		var v api.CampaignView
		a.must(t, http.StatusOK, "GET", "/v1/campaigns/"+id, nil, nil, &v, time.Minute)
		return v
	}
	for i, id := range ids {
		waitUntil(t, time.Minute, id+" waits for its approval", func() bool {
			return status(apis[i%2], id).Status == api.StatusWaitingApproval
		})
	}
	// Each approval is decided through the API that did not launch it.
	approve := func(i int) {
		t.Helper()
		id := api.ApprovalID(ids[i], "approve")
		a := apis[(i+1)%2]
		code, raw, err := a.do("POST", "/v1/approvals/"+id+"/decision", map[string]any{"decision": "approve"}, nil, nil)
		if err == nil && code == http.StatusOK {
			return
		}
		// A failed answer may hide a decision that was taken: ask again
		// until the approval says approved (a second decision is refused).
		t.Logf("decision on %s: %d %v %s; asking again", id, code, err, raw)
		waitUntil(t, 2*time.Minute, id+" approved", func() bool {
			retries.Add(1)
			var v api.ApprovalView
			if c, _, err := a.do("GET", "/v1/approvals/"+id, nil, nil, &v); err != nil || c != http.StatusOK {
				return false
			}
			if v.Status == api.ApprovalPending {
				_, _, _ = a.do("POST", "/v1/approvals/"+id+"/decision", map[string]any{"decision": "approve"}, nil, nil)
				return false
			}
			if v.Status != api.ApprovalApproved {
				t.Fatalf("approval %s: %s", id, v.Status)
			}
			return true
		})
	}
	for i := range campaigns / 2 {
		approve(i)
	}
	// Wait until the first half acts: their first publish is at the wire and
	// the repeat sleeps, or publishes again, when the kills come.
	for i := range campaigns / 2 {
		waitUntil(t, time.Minute, ids[i]+" publishes", func() bool { return receiver.count(ids[i]) >= 1 })
	}
	phases.lap("launch + first approvals")

	// One worker and one Temporal node die without a word. The node is the
	// one owning the most history shards (each owns some, or the kill would
	// test nothing): its shards, its matching partitions and the connections
	// the load balancer gave it must all move to the survivor.
	var owned map[*temporalNode][]int32
	waitUntil(t, time.Minute, "both nodes own history shards", func() bool {
		owned = shards(lb.addr(), nodes)
		return len(owned[nodes[0]]) > 0 && len(owned[nodes[1]]) > 0 &&
			len(owned[nodes[0]])+len(owned[nodes[1]]) == numHistoryShards
	})
	victim, survivor := nodes[0], nodes[1]
	if len(owned[survivor]) > len(owned[victim]) {
		victim, survivor = survivor, victim
	}
	if routed, _ := lb.counts(); routed[victim.frontend] == 0 {
		t.Fatalf("the load balancer sent no connection to %s: %v", victim.name, routed)
	}
	// What the campaigns were doing at the kill, for the table.
	doing := map[string]int{}
	for i, id := range ids {
		v := status(apis[i%2], id)
		what := v.Status
		if v.Waiting != nil {
			what += " (" + v.Waiting.Reason + ")"
		}
		doing[what]++
	}
	killed := time.Now()
	workers[0].kill()
	victim.proc.kill()
	kills := 2
	// When the survivor owns every shard, for the table.
	moved := make(chan time.Duration, 1)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for time.Since(killed) < 3*time.Minute {
			select {
			case <-stop:
				close(moved)
				return
			default:
			}
			if len(shards(lb.addr(), []*temporalNode{survivor})[survivor]) == numHistoryShards {
				moved <- time.Since(killed)
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		close(moved)
	}()
	// The other half is approved now, through the APIs, while the cluster
	// is in failover.
	for i := campaigns / 2; i < campaigns; i++ {
		approve(i)
	}
	phases.lap("approvals after the kill")

	finished := map[string]api.CampaignView{}
	waitUntil(t, 3*time.Minute, "every campaign completes", func() bool {
		for i, id := range ids {
			if _, ok := finished[id]; ok {
				continue
			}
			v := status(apis[i%2], id)
			switch v.Status {
			case api.StatusCompleted:
				finished[id] = v
			case api.StatusFailed, api.StatusCanceled:
				t.Fatalf("campaign %s %s: %s", id, v.Status, v.Error)
			}
		}
		return len(finished) == len(ids)
	})
	recovered := time.Since(killed)
	shardsMoved, ok := <-moved
	if !ok {
		t.Errorf("%s never owned all %d shards", survivor.name, numHistoryShards)
	}
	phases.lap("campaigns complete")

	// The control: one campaign with the same parameters, run from launch to
	// end after the kills, on the surviving node and worker. Comparing with it
	// rather than with a hand-written expected state keeps the test true to
	// whatever Greenlight records (step names, outputs, approvals), while
	// normalize removes only what must differ between two runs: ids and times.
	controlID := launch(apis[0], "drill-control")
	waitUntil(t, time.Minute, "control waits for its approval", func() bool {
		return status(apis[1], controlID).Status == api.StatusWaitingApproval
	})
	ids = append(ids, controlID)
	approve(len(ids) - 1)
	waitUntil(t, time.Minute, "control completes", func() bool {
		return status(apis[1], controlID).Status == api.StatusCompleted
	})
	control := status(apis[0], controlID)
	ids = ids[:len(ids)-1]
	phases.lap("control campaign")

	// At the wire: every request signed, and per campaign exactly the
	// drill's actions, each under one key (retried deliveries of a key are
	// fine; a second key for a step would be an action done twice).
	if bad := receiver.refused(); len(bad) > 0 {
		t.Errorf("the receiver refused %d requests: %v", len(bad), bad)
	}
	performed, deliveries := receiver.performed()
	actions := 0
	for _, id := range append(slices.Clone(ids), controlID) {
		got := slices.Sorted(slices.Values(performed[id]))
		if !slices.Equal(got, drillSteps) {
			t.Errorf("campaign %s acted at the wire as %v, want %v", id, got, drillSteps)
		}
		actions += len(got)
	}
	if len(performed) != len(ids)+1 {
		t.Errorf("actions reached the wire for %d campaigns, want %d", len(performed), len(ids)+1)
	}
	// The store's view agrees: the completed action steps are those keys.
	want := normalize(t, control)
	for _, id := range ids {
		v := finished[id]
		var acted []string
		for _, s := range v.Steps {
			if s.Kind == "action" && s.Status == api.StepCompleted {
				acted = append(acted, s.Key)
			}
		}
		slices.Sort(acted)
		if !slices.Equal(acted, drillSteps) {
			t.Errorf("campaign %s: completed action steps %v, want %v", id, acted, drillSteps)
		}
		if got := normalize(t, v); got != want {
			t.Errorf("campaign %s ended unlike the undisturbed control:\n got %s\nwant %s", id, got, want)
		}
	}

	routed, refused := lb.counts()
	table := fmt.Sprintf("%-28s %v\n%-28s %d (+1 control); at the kill: %v\n%-28s %d at the wire (%d deliveries)\n%-28s %s\n%-28s %s\n%-28s %s\n%-28s %d\n%-28s %v, %d refused\n%-28s %s\n%s",
		"cluster", "2 Temporal nodes, 2 servers, 2 workers",
		"campaigns", len(ids), doing,
		"actions", actions, deliveries,
		"kills (SIGKILL)", fmt.Sprintf("%d: %s, %s (owned shards %v of %d)", kills, workers[0].name, victim.name, owned[victim], numHistoryShards),
		"kill → survivor owns all", shardsMoved.Round(100*time.Millisecond),
		"kill → all complete", recovered.Round(100*time.Millisecond),
		"API calls tried again", retries.Load(),
		"load balancer connections", routed, refused,
		"total", time.Since(begin).Round(100*time.Millisecond),
		phases)
	t.Log("\n" + table)
	writeReport(t, "cluster", table)
}

// writeReport keeps a test's closing table in $GREENLIGHT_TEST_REPORTS, which
// .ci/run prints after the suite: a passing test's log is not shown by
// `go test ./...`.
func writeReport(t *testing.T, name, text string) {
	dir := os.Getenv("GREENLIGHT_TEST_REPORTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("report: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(text+"\n"), 0o644); err != nil {
		t.Logf("report: %v", err)
	}
}

// normalize is a campaign's final state without what differs between two
// equal runs: its id (in approval ids, action keys, anywhere in a string),
// the workflow id, timestamps and links.
func normalize(t *testing.T, v api.CampaignView) string {
	t.Helper()
	type step struct {
		Key, Kind, Name, Status, Error string
		Output                         any
	}
	type approval struct{ Step, Status, Decision, DecidedBy string }
	state := struct {
		Playbook                  string
		Version                   int
		Client, Status, Step, Err string
		Params                    map[string]any
		Steps                     []step
		Approvals                 []approval
		Accounts                  int
	}{Playbook: v.Playbook, Version: v.PlaybookVersion, Client: v.Client, Status: v.Status, Step: v.CurrentStep,
		Err: v.Error, Params: v.Params, Accounts: len(v.Accounts)}
	steps := slices.Clone(v.Steps)
	slices.SortFunc(steps, func(a, b api.StepView) int { return a.Seq - b.Seq })
	for _, s := range steps {
		var out any
		if len(s.Output) > 0 {
			if err := json.Unmarshal(s.Output, &out); err != nil {
				t.Fatalf("step %s output: %v", s.Key, err)
			}
		}
		state.Steps = append(state.Steps, step{s.Key, s.Kind, s.Name, s.Status, s.Error, scrub(out, v.ID)})
	}
	for _, a := range v.Approvals {
		state.Approvals = append(state.Approvals, approval{a.Step, a.Status, a.Decision, a.DecidedBy})
	}
	b, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)

// scrub replaces the campaign id and timestamps in a decoded JSON value.
func scrub(x any, campaign string) any {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			x[k] = scrub(v, campaign)
		}
		return x
	case []any:
		for i, v := range x {
			x[i] = scrub(v, campaign)
		}
		return x
	case string:
		if timestamp.MatchString(x) {
			return "<time>"
		}
		return strings.ReplaceAll(x, campaign, "<campaign>")
	default:
		return x
	}
}

// phaseClock times the test's phases for its closing table.
type phaseClock struct {
	last  time.Time
	lines []string
}

func (p *phaseClock) lap(name string) {
	now := time.Now()
	p.lines = append(p.lines, fmt.Sprintf("  %-26s %s", name, now.Sub(p.last).Round(100*time.Millisecond)))
	p.last = now
}

func (p *phaseClock) String() string { return "phases:\n" + strings.Join(p.lines, "\n") }

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func randomHexString(t *testing.T, n int) string { return hex.EncodeToString(randomBytes(t, n)) }
