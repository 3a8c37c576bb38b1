package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/api/adminservice/v1"
	"go.temporal.io/server/common/dynamicconfig"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/workflows"
)

// temporalTools are Temporal's stock server and SQL tool, built from the
// go.temporal.io/server module go.mod pins (both are `tool` directives), and
// the module's folder, which holds the versioned schemas.
type temporalTools struct {
	server, sql, moduleDir string
}

// goCommand is the go command of the toolchain running the test.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// buildTemporal builds both tools into a temporary folder. The build cache
// makes it quick after the first time.
func buildTemporal(t *testing.T) temporalTools {
	t.Helper()
	dir := t.TempDir()
	// One command builds both, linking them in parallel; each binary is
	// named after its package's folder.
	build := exec.Command(goCommand(), "build", "-o", dir+string(filepath.Separator),
		"go.temporal.io/server/cmd/server", "go.temporal.io/server/cmd/tools/sql")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, out)
	}
	tools := temporalTools{server: filepath.Join(dir, "server"), sql: filepath.Join(dir, "sql")}
	out, err := exec.Command(goCommand(), "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server").Output()
	if err != nil {
		t.Fatalf("go list -m go.temporal.io/server: %v", err)
	}
	tools.moduleDir = strings.TrimSpace(string(out))
	return tools
}

// postgresAdmin connects to the test PostgreSQL server, to create and drop the
// test's databases. Without one the test skips, or fails under CI=true.
func postgresAdmin(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, storetest.PostgresURL())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: PostgreSQL tests are mandatory: %v", err)
		}
		t.Skipf("PostgreSQL unavailable (set %s to a reachable server): %v", storetest.EnvPostgresURL, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// databaseURL is the test server's URL pointed at another database.
func databaseURL(t *testing.T, name string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", cfg.User, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), name)
}

// dropLater drops the database when the test ends, once its processes are
// killed.
func dropLater(t *testing.T, cs *children, admin *pgx.Conn, name string) {
	cs.cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
}

func randomName(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// setUpTemporalSchema creates Temporal's two databases and brings their
// schemas to the module's version with temporal-sql-tool, as an operator does.
func setUpTemporalSchema(t *testing.T, cs *children, tools temporalTools, admin *pgx.Conn, db, visibility string) {
	t.Helper()
	pg, err := pgx.ParseConfig(storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct{ name, schema string }{
		{db, "temporal"}, {visibility, "visibility"},
	} {
		dropLater(t, cs, admin, d.name)
		base := []string{"--endpoint", pg.Host, "--port", strconv.Itoa(int(pg.Port)), "--user", pg.User, "--plugin", "postgres12", "--database", d.name}
		for _, args := range [][]string{
			{"create-database"},
			{"setup-schema", "-v", "0.0"},
			{"update-schema", "-d", filepath.Join(tools.moduleDir, "schema", "postgresql", "v12", d.schema, "versioned")},
		} {
			cmd := exec.Command(tools.sql, append(base, args...)...)
			if pg.Password != "" {
				cmd.Env = append(os.Environ(), "SQL_PASSWORD="+pg.Password)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("temporal-sql-tool %s on %s: %v\n%s", args[0], d.name, err, out)
			}
		}
	}
}

// temporalNode is one node of the cluster: all four services in one process,
// each on its own loopback ports.
type temporalNode struct {
	name     string
	frontend string // gRPC host:port
	history  string // the history service's gRPC host:port
	proc     *child
}

// freePorts reserves n loopback ports by listening on them, then frees them
// for a process to take. They are below 32768, the ephemeral range, because
// Temporal stores each member's port in cluster_membership.rpc_port, a
// PostgreSQL smallint: a node on a higher port dies at start ("value … is out
// of range for type smallint").
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			t.Fatalf("no %d free loopback ports below 32768", n)
		}
		port := 10000 + int(mathrand.Int32N(22000))
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, port)
	}
	return ports
}

// numHistoryShards is fixed at a cluster's first start for its life; a few
// are plenty for a test and move quickly when a node dies.
const numHistoryShards = 4

// nodeConfig is a node's server YAML. Both nodes share the databases and
// find each other through the cluster_membership table (ringpop), gossiping
// on their membership ports.
func nodeConfig(t *testing.T, db, visibility, dynamicConfig, publicFrontend string) (cfg []byte, frontend, history string) {
	t.Helper()
	pg, err := pgx.ParseConfig(storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	p := freePorts(t, 9)
	rpc := func(grpc, membership int) map[string]any {
		return map[string]any{"grpcPort": grpc, "membershipPort": membership, "bindOnIP": "127.0.0.1"}
	}
	frontendRPC := rpc(p[0], p[1])
	frontendRPC["httpPort"] = p[2]
	store := func(name string, conns int) map[string]any {
		return map[string]any{"sql": map[string]any{
			"pluginName": "postgres12", "databaseName": name, "connectAddr": net.JoinHostPort(pg.Host, strconv.Itoa(int(pg.Port))),
			"connectProtocol": "tcp", "user": pg.User, "password": pg.Password,
			"maxConns": conns, "maxIdleConns": conns, "maxConnLifetime": "1h",
		}}
	}
	frontend = net.JoinHostPort("127.0.0.1", strconv.Itoa(p[0]))
	history = net.JoinHostPort("127.0.0.1", strconv.Itoa(p[3]))
	c := map[string]any{
		"log": map[string]any{"stdout": true, "level": "warn"},
		"persistence": map[string]any{
			"defaultStore": "default", "visibilityStore": "visibility",
			"numHistoryShards": numHistoryShards,
			"datastores":       map[string]any{"default": store(db, 10), "visibility": store(visibility, 4)},
		},
		"global": map[string]any{"membership": map[string]any{"maxJoinDuration": "30s", "broadcastAddress": "127.0.0.1"}},
		"services": map[string]any{
			"frontend": map[string]any{"rpc": frontendRPC},
			"history":  map[string]any{"rpc": rpc(p[3], p[4])},
			"matching": map[string]any{"rpc": rpc(p[5], p[6])},
			"worker":   map[string]any{"rpc": rpc(p[7], p[8])},
		},
		"clusterMetadata": map[string]any{
			"enableGlobalNamespace": false, "failoverVersionIncrement": 10,
			"masterClusterName": "active", "currentClusterName": "active",
			"clusterInformation": map[string]any{"active": map[string]any{
				"enabled": true, "initialFailoverVersion": 1, "rpcName": "frontend", "rpcAddress": publicFrontend,
			}},
		},
		"dcRedirectionPolicy": map[string]any{"policy": "noop"},
		// The node's worker service (Temporal's system workflows) reaches the
		// cluster as any client does: through the load balancer.
		"publicClient":        map[string]any{"hostPort": publicFrontend},
		"dynamicConfigClient": map[string]any{"filepath": dynamicConfig, "pollInterval": "10s"},
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b, frontend, history
}

// clusterDynamicConfig is the cluster's dynamic config: what Greenlight needs
// of Temporal, as `greenlight dev` sets it (devserver.devDynamicConfig), and
// nothing that only suits a laptop.
func clusterDynamicConfig() map[string][]map[string]any {
	v := func(x any) []map[string]any { return []map[string]any{{"value": x}} }
	return map[string][]map[string]any{
		// Greenlight talks to running campaigns with Workflow Updates: on by
		// default in v1.32, pinned so an upgrade cannot turn them off.
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key().String():              v(true),
		dynamicconfig.FrontendEnableUpdateWorkflowExecutionAsyncAccepted.Key().String(): v(true),
		// The production default, pinned as dev pins it.
		dynamicconfig.MaximumSignalsPerExecution.Key().String(): v(10000),
	}
}

// startTemporalCluster starts n nodes on the databases, each once the one
// before it serves.
func startTemporalCluster(t *testing.T, cs *children, tools temporalTools, db, visibility string, lb *forwarder, n int) []*temporalNode {
	t.Helper()
	dc, err := yaml.Marshal(clusterDynamicConfig())
	if err != nil {
		t.Fatal(err)
	}
	dcPath := filepath.Join(cs.dir, "dynamicconfig.yaml")
	if err := os.WriteFile(dcPath, dc, 0o600); err != nil {
		t.Fatal(err)
	}
	var nodes []*temporalNode
	for i := range n {
		cfg, frontend, history := nodeConfig(t, db, visibility, dcPath, lb.addr())
		name := fmt.Sprintf("temporal-%d", i)
		path := filepath.Join(cs.dir, name+".yaml")
		if err := os.WriteFile(path, cfg, 0o600); err != nil {
			t.Fatal(err)
		}
		proc := cs.start(name, nil, tools.server, "--config-file", path, "--allow-no-auth", "start")
		node := &temporalNode{name: name, frontend: frontend, history: history, proc: proc}
		// One at a time: the first start writes the cluster's metadata,
		// and two nodes doing so at once fail ("Failed to apply cluster
		// metadata").
		waitFrontend(t, node, 90*time.Second)
		nodes = append(nodes, node)
		lb.add(frontend)
	}
	return nodes
}

// waitFrontend polls a node's frontend until it serves.
func waitFrontend(t *testing.T, node *temporalNode, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		c, err := client.Dial(client.Options{HostPort: node.frontend, Logger: quietSDK{}})
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			cancel()
			c.Close()
			if err == nil {
				return
			}
		}
		if node.proc.exited() {
			t.Fatalf("%s ended (%s) before serving:\n%s", node.name, node.proc.state(), tail(node.proc.log, 40))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not serving within %s: %v\n%s", node.name, limit, err, tail(node.proc.log, 40))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// setUpNamespace is an operator's part (docs/deploy.md, "Running without
// Docker"): register the namespace, then Greenlight's search attributes in
// it, through the cluster's public address; then wait until every node's
// frontend knows both, as a rollout would before starting Greenlight.
func setUpNamespace(t *testing.T, public string, nodes []*temporalNode, namespace string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nc, err := client.NewNamespaceClient(client.Options{HostPort: public, Logger: quietSDK{}})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	}); err != nil {
		t.Fatalf("register namespace %s: %v", namespace, err)
	}
	c, err := client.Dial(client.Options{HostPort: public, Namespace: namespace, Logger: quietSDK{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: workflows.SearchAttributeTypes,
	}); err != nil {
		t.Fatalf("add search attributes: %v", err)
	}
	for _, node := range nodes {
		waitUntil(t, 30*time.Second, node.name+" knows namespace "+namespace+" and its search attributes", func() bool {
			nc, err := client.Dial(client.Options{HostPort: node.frontend, Namespace: namespace, Logger: quietSDK{}})
			if err != nil {
				return false
			}
			defer nc.Close()
			have, err := nc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
			if err != nil {
				return false
			}
			for name := range workflows.SearchAttributeTypes {
				if _, ok := have.GetCustomAttributes()[name]; !ok {
					return false
				}
			}
			return true
		})
	}
}

// shards asks the cluster, through public, which history shards each
// node's history service owns. A node that does not answer owns none.
func shards(public string, nodes []*temporalNode) map[*temporalNode][]int32 {
	owned := map[*temporalNode][]int32{}
	conn, err := grpc.NewClient(public, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return owned
	}
	defer conn.Close()
	admin := adminservice.NewAdminServiceClient(conn)
	for _, n := range nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := admin.DescribeHistoryHost(ctx, &adminservice.DescribeHistoryHostRequest{HostAddress: n.history})
		cancel()
		if err == nil {
			owned[n] = resp.GetShardIds()
		}
	}
	return owned
}

// quietSDK drops the SDK's own log lines from test output.
type quietSDK struct{}

func (quietSDK) Debug(string, ...any) {}
func (quietSDK) Info(string, ...any)  {}
func (quietSDK) Warn(string, ...any)  {}
func (quietSDK) Error(string, ...any) {}
