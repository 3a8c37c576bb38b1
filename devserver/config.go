package devserver

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

const (
	clusterName = "active"
	storeName   = "sqlite-default"
	// internalIP is where the services that only Temporal itself talks to listen.
	internalIP = "127.0.0.1"
)

// layout is everything resolved before the Temporal server is built.
type layout struct {
	frontend     endpoint
	frontendHTTP int
	history      int
	matching     int
	worker       int
	sql          *config.SQL
	clusterID    string
	tls          *frontendTLS // nil: a plaintext frontend
}

func (l layout) internal(port int) string { return net.JoinHostPort(internalIP, strconv.Itoa(port)) }

func (l layout) temporalConfig() *config.Config {
	var c config.Config
	c.Persistence.DefaultStore = storeName
	c.Persistence.VisibilityStore = storeName
	// One shard is what the stock dev server uses; the count is persisted at
	// first start and cannot change afterwards.
	c.Persistence.NumHistoryShards = 1
	c.Persistence.DataStores = map[string]config.DataStore{storeName: {SQL: l.sql}}

	frontendHTTP := net.JoinHostPort(l.frontend.dialHost, strconv.Itoa(l.frontendHTTP))
	c.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				// Addresses are rewritten in the database on every start, so
				// new ports after a restart are fine.
				RPCAddress:  l.frontend.dialAddr(),
				HTTPAddress: frontendHTTP,
				ClusterID:   l.clusterID,
			},
		},
	}
	c.DCRedirectionPolicy.Policy = "noop"

	// Only the frontend gRPC port is the user's; the rest are internal. The
	// frontend HTTP API stays on because Nexus callbacks go through it.
	c.Services = map[string]config.Service{
		string(primitives.FrontendService): {RPC: config.RPC{
			GRPCPort: l.frontend.port,
			HTTPPort: l.frontendHTTP,
			BindOnIP: l.frontend.bindIP,
		}},
		string(primitives.HistoryService):  {RPC: config.RPC{GRPCPort: l.history, BindOnIP: internalIP}},
		string(primitives.MatchingService): {RPC: config.RPC{GRPCPort: l.matching, BindOnIP: internalIP}},
		string(primitives.WorkerService):   {RPC: config.RPC{GRPCPort: l.worker, BindOnIP: internalIP}},
	}

	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"

	// The worker service dials the frontend through this.
	c.PublicClient.HostPort = l.frontend.dialAddr()
	if l.tls != nil {
		c.Global.TLS = l.tls.rootTLS()
	}
	return &c
}

// serverOptions builds the options for temporal.NewServer. Static hosts replace
// membership (ringpop), so no membership ports are opened.
func (l layout) serverOptions(logger temporalLogger) []temporal.ServerOption {
	return []temporal.ServerOption{
		temporal.WithConfig(l.temporalConfig()),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(l.frontend.dialAddr()),
			primitives.HistoryService:  static.SingleLocalHost(l.internal(l.history)),
			primitives.MatchingService: static.SingleLocalHost(l.internal(l.matching)),
			primitives.WorkerService:   static.SingleLocalHost(l.internal(l.worker)),
		}),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(devDynamicConfig()),
	}
}

// maxSignalsPerRun is Temporal's own limit on the signals one workflow run
// accepts. Dev keeps it: raising it would only hide, on a laptop, what a flood of
// signals does in production. Greenlight's campaigns never come near it: a
// waiting campaign continues as new once its history passes 1,000 events
// (workflows/suspend.go).
const maxSignalsPerRun = 10000

// drainageCheck is how soon, and how often, dev checks whether a build that
// is no longer current still has campaigns pinned to it.
const drainageCheck = 2 * time.Second

// timerShift is dev's history.timerProcessorMaxTimeShift.
const timerShift = 20 * time.Millisecond

// devDynamicConfig tunes the server for one developer on one machine.
func devDynamicConfig() dynamicconfig.StaticClient {
	const queuePollRPS = 500
	return dynamicconfig.StaticClient{
		// Pinned to the production default, so an upgrade cannot change it
		// unnoticed (limits_test.go).
		dynamicconfig.MaximumSignalsPerExecution.Key(): maxSignalsPerRun,

		// Workflow Updates are how greenlight talks to running campaigns. They
		// default to on in v1.32, pinned here so an upgrade cannot silently
		// turn them off.
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key():              true,
		dynamicconfig.FrontendEnableUpdateWorkflowExecutionAsyncAccepted.Key(): true,

		// The history queues poll the database at most 20 times a second per
		// shard by default, which caps sequential workflow starts at about
		// 20/s on a one-shard server. The pollers are notification driven, so
		// a higher cap costs nothing when idle.
		dynamicconfig.TransferProcessorMaxPollRPS.Key():   queuePollRPS,
		dynamicconfig.TimerProcessorMaxPollRPS.Key():      queuePollRPS,
		dynamicconfig.VisibilityProcessorMaxPollRPS.Key(): queuePollRPS,
		dynamicconfig.OutboundProcessorMaxPollRPS.Key():   queuePollRPS,

		// As in the stock dev server: new search attributes and Nexus
		// endpoints are visible at once, with persistence QPS raised to pay
		// for skipping those caches; the Web UI lists workflows often.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key():      true,
		dynamicconfig.ForceNexusEndpointRefreshOnRead.Key():              true,
		dynamicconfig.FrontendPersistenceMaxQPS.Key():                    10000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():                     45000,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// Worker Deployment Versioning (on by default in v1.32: pinned here
		// like Updates). A build that is no longer current reports "drained"
		// once no open campaign is pinned to it; the server waits 3 minutes
		// before its first look and between looks, for Elasticsearch's lag.
		// SQLite visibility has none, so dev shows a drill's old build drained
		// within seconds (docs/deploy.md).
		dynamicconfig.EnableDeploymentVersions.Key():                   true,
		dynamicconfig.VersionDrainageStatusVisibilityGracePeriod.Key(): drainageCheck,
		dynamicconfig.VersionDrainageStatusRefreshInterval.Key():       drainageCheck,

		// A new timer may fire no sooner than this after now: across hosts
		// the margin absorbs clock drift, which one process does not have.
		// At the 1 s default, every campaign's closing 1 ms timer (nextTask)
		// fired a second late (docs/benchmarks.md).
		dynamicconfig.TimerProcessorMaxTimeShift.Key(): timerShift,

		// A dev machine does not need the production-sized mutable state cache.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8096,
	}
}

func (l layout) String() string {
	return fmt.Sprintf("frontend=%s http=%d history=%d matching=%d worker=%d db=%s",
		l.frontend.dialAddr(), l.frontendHTTP, l.history, l.matching, l.worker, l.sql.DatabaseName)
}
