package app_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/store"
)

// TestNewWorkerBuildTakesOverRunningCampaigns is docs/deploy.md's upgrade
// with Worker Deployment Versioning, against a real Temporal. An unversioned
// worker (today's) runs campaigns up to their approval gate; build v1 starts
// beside it, is made current, and the unversioned worker stops; more
// campaigns start on v1; build v2 starts, is made current, and v1 stops. Then
// every campaign finishes on v2: each workflow task before a switch was the
// old worker's, each one after it v2's. A campaign launched after the last
// switch runs on v2 alone, and v1, draining at the switch, reports drained,
// since no campaign is pinned to it.
func TestNewWorkerBuildTakesOverRunningCampaigns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tc, cfg, st, gl := startVersionedDeployment(ctx, t)
	d, err := st.Deployment(ctx)
	require.NoError(t, err)
	// The first deployment of the namespace holds `greenlight`, so its Worker
	// Deployment is named after that queue.
	require.Equal(t, "greenlight", d.TaskQueue)
	deployment := tc.WorkerDeploymentClient().GetHandle(d.TaskQueue)

	unversioned := startBuild(ctx, t, cfg, "", "")
	onUnversioned := launchWaiting(t, gl, 2)
	for _, id := range onUnversioned {
		assert.Equal(t, versioning{}, versioningOf(ctx, t, tc, id), "campaign %s started unversioned", id)
	}
	v1 := startBuild(ctx, t, cfg, "v1", "")
	setCurrent(ctx, t, deployment, "v1")
	unversioned.stop(t)
	onV1 := launchWaiting(t, gl, 2)
	for _, id := range onV1 {
		assert.Equal(t, versioning{enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE, "v1"}, versioningOf(ctx, t, tc, id), "campaign %s started on the current build", id)
	}

	// The upgrade: v2 beside v1, v2 current, v1 stopped.
	v2 := startBuild(ctx, t, cfg, "v2", "")
	setCurrent(ctx, t, deployment, "v2")
	assert.Equal(t, draining, drainageOf(ctx, t, deployment, "v1").DrainageStatus,
		"v1 drains once it is no longer current")
	v1.stop(t)
	before := map[string]int{}
	for _, id := range append(onUnversioned, onV1...) {
		before[id] = len(workflowTaskBuilds(ctx, t, tc, id))
	}
	onV2 := launchWaiting(t, gl, 1)
	all := append(append(append([]string{}, onUnversioned...), onV1...), onV2...)
	approveAndComplete(t, gl, st, all)

	for _, id := range all {
		assert.Equal(t, versioning{enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE, "v2"}, versioningOf(ctx, t, tc, id), "campaign %s ended on v2", id)
		builds := workflowTaskBuilds(ctx, t, tc, id)
		n := before[id]
		t.Logf("campaign %s: workflow tasks by build %q (switch to v2 after %d)", id, builds, n)
		require.Greater(t, len(builds), n, "%s went on after the switch", id)
		old := ""
		if slices.Contains(onV1, id) {
			old = "v1"
		}
		if slices.Contains(onV2, id) {
			require.Zero(t, n)
		} else {
			require.NotZero(t, n, "the old worker ran %s's first steps", id)
		}
		assert.Equal(t, repeat(old, n), builds[:n], "workflow tasks of %s before the switch", id)
		assert.Equal(t, repeat("v2", len(builds)-n), builds[n:], "workflow tasks of %s after the switch", id)
	}

	// Nothing is pinned to v1, so Temporal reports it drained: safe to remove.
	waitDrained(ctx, t, deployment, "v1")
	v2.stop(t)
}

// TestPinnedCampaignsStayOnTheirBuild: with GREENLIGHT_WORKER_VERSIONING=pinned
// a campaign runs to its end on the build that started it, even after
// another build became current, and the old build stays draining (it must
// keep running) until that campaign ends; campaigns launched after the switch
// run on the new build alone.
func TestPinnedCampaignsStayOnTheirBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tc, cfg, st, gl := startVersionedDeployment(ctx, t)
	d, err := st.Deployment(ctx)
	require.NoError(t, err)
	deployment := tc.WorkerDeploymentClient().GetHandle(d.TaskQueue)

	v1 := startBuild(ctx, t, cfg, "v1", config.VersioningPinned)
	setCurrent(ctx, t, deployment, "v1")
	onV1 := launchWaiting(t, gl, 1)
	v2 := startBuild(ctx, t, cfg, "v2", config.VersioningPinned)
	setCurrent(ctx, t, deployment, "v2")
	onV2 := launchWaiting(t, gl, 1)
	assert.Equal(t, versioning{enumspb.VERSIONING_BEHAVIOR_PINNED, "v1"}, versioningOf(ctx, t, tc, onV1[0]))
	assert.Equal(t, versioning{enumspb.VERSIONING_BEHAVIOR_PINNED, "v2"}, versioningOf(ctx, t, tc, onV2[0]))

	// Temporal has looked, and a campaign is still pinned to v1.
	poll(t, 30*time.Second, "a drainage check of v1", func() (*client.WorkerDeploymentVersionDrainageInfo, bool) {
		info := drainageOf(ctx, t, deployment, "v1")
		return info, info.LastCheckedTime.After(info.LastChangedTime)
	})
	assert.Equal(t, draining, drainageOf(ctx, t, deployment, "v1").DrainageStatus)

	approveAndComplete(t, gl, st, append(onV1, onV2...))
	for _, c := range []struct{ id, build string }{{onV1[0], "v1"}, {onV2[0], "v2"}} {
		builds := workflowTaskBuilds(ctx, t, tc, c.id)
		t.Logf("campaign %s: workflow tasks by build %q", c.id, builds)
		assert.Equal(t, repeat(c.build, len(builds)), builds, "campaign %s ran on %s alone", c.id, c.build)
	}
	waitDrained(ctx, t, deployment, "v1")
	v1.stop(t)
	v2.stop(t)
}

// TestDevRunsItsWorkerUnversioned: a build id in dev's environment changes
// nothing, since dev's one process never has an old build beside a new one;
// versioned, its campaigns would wait for someone to make the build current.
func TestDevRunsItsWorkerUnversioned(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDevWith(t, func(c *config.Config) { c.Versioning = config.Versioning{BuildID: "v9"} })
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: devserver.DefaultNamespace})
	require.NoError(t, err)
	defer tc.Close()
	gl := apiClient{t: t, base: d.APIURL}
	ids := launchWaiting(t, gl, 1)
	assert.Equal(t, versioning{}, versioningOf(context.Background(), t, tc, ids[0]))
	builds := workflowTaskBuilds(context.Background(), t, tc, ids[0])
	require.NotEmpty(t, builds)
	assert.Equal(t, repeat("", len(builds)), builds, "every workflow task by an unversioned worker")
	approveAndComplete(t, gl, d.Store, ids)
}

// startVersionedDeployment runs Temporal alone and a deployment's API
// against it, with no worker yet, and returns a client of that Temporal, the
// deployment's configuration and store, and a client of its API.
func startVersionedDeployment(ctx context.Context, t *testing.T) (client.Client, config.Config, *store.Store, apiClient) {
	t.Helper()
	temporalAddr := startTemporalOnly(ctx, t)
	tc, err := client.Dial(client.Options{HostPort: temporalAddr, Namespace: devserver.DefaultNamespace})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	cfg, st := deploymentConfig(ctx, t, temporalAddr)
	base := startDeploymentServer(ctx, t, cfg, st)
	return tc, cfg, st, apiClient{t: t, base: base}
}

// launchWaiting launches n quick campaigns and waits until each waits for
// its approval.
func launchWaiting(t *testing.T, gl apiClient, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		var c api.CampaignView
		require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns",
			map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}}, nil, &c).StatusCode)
		ids = append(ids, c.ID)
	}
	for _, id := range ids {
		gl.waitFor(id, "waiting for approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	}
	return ids
}

// approveAndComplete approves the campaigns and waits until each has
// completed with every step recorded.
func approveAndComplete(t *testing.T, gl apiClient, st *store.Store, ids []string) {
	t.Helper()
	for _, id := range ids {
		require.Equal(t, http.StatusOK, gl.do("POST", "/v1/approvals/"+api.ApprovalID(id, "approve")+"/decision",
			map[string]any{"decision": "approve"}, nil, nil).StatusCode)
	}
	for _, id := range ids {
		v := gl.waitFor(id, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
		assert.Equal(t, api.StatusCompleted, v.Status)
		runs, err := st.StepRuns(context.Background(), id)
		require.NoError(t, err)
		assert.Len(t, runs, 4, "every step of %s recorded", id)
	}
}

// draining is the SDK's untyped constant, typed to compare with what it answers.
const draining = client.WorkerDeploymentVersionDrainageStatus(client.WorkerDeploymentVersionDrainageStatusDraining)

// drainageOf is what Temporal says of a build's drainage; a current build has none.
func drainageOf(ctx context.Context, t *testing.T, d client.WorkerDeploymentHandle, buildID string) *client.WorkerDeploymentVersionDrainageInfo {
	t.Helper()
	desc, err := d.DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: buildID})
	require.NoError(t, err)
	require.NotNil(t, desc.Info.DrainageInfo, "build %s is current or ramping", buildID)
	return desc.Info.DrainageInfo
}

// waitDrained waits until Temporal reports the build drained: no open
// campaign is pinned to it, so its workers may go.
func waitDrained(ctx context.Context, t *testing.T, d client.WorkerDeploymentHandle, buildID string) {
	t.Helper()
	start := time.Now()
	poll(t, 45*time.Second, "build "+buildID+" to report drained", func() (client.WorkerDeploymentVersionDrainageStatus, bool) {
		s := drainageOf(ctx, t, d, buildID).DrainageStatus
		return s, s == client.WorkerDeploymentVersionDrainageStatusDrained
	})
	t.Logf("build %s drained after %s", buildID, time.Since(start).Round(time.Millisecond))
}

// startTemporalOnly runs `greenlight dev --only temporal` (no Web UI) until
// the test ends and returns its frontend address.
func startTemporalOnly(ctx context.Context, t *testing.T) string {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.UIAddr = ""
	a, err := devserver.FreeAddr()
	require.NoError(t, err)
	cfg.TemporalAddr = a
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan app.TemporalInstance, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.DevTemporal(ctx, cfg, quietLogger(), func(ti app.TemporalInstance) { ready <- ti })
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case ti := <-ready:
		return ti.TemporalAddr
	case err := <-done:
		t.Fatalf("dev --only temporal stopped: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("dev --only temporal never became ready")
	}
	return ""
}

// build is a running `greenlight worker` of one build id.
type build struct {
	cancel context.CancelFunc
	done   chan error
}

// startBuild runs `greenlight worker` for cfg's deployment as build id ("":
// unversioned) with the given versioning behaviour ("": the default).
func startBuild(ctx context.Context, t *testing.T, cfg config.Config, id, behavior string) *build {
	t.Helper()
	cfg.Versioning = config.Versioning{BuildID: id, Behavior: behavior}
	require.NoError(t, cfg.Validate())
	ctx, cancel := context.WithCancel(ctx)
	b := &build{cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- app.Worker(ctx, cfg, quietLogger()) }()
	t.Cleanup(cancel)
	return b
}

// stop stops the worker as SIGTERM would and waits until it has.
func (b *build) stop(t *testing.T) {
	t.Helper()
	b.cancel()
	select {
	case err := <-b.done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop")
	}
}

// setCurrent makes build id the deployment's current version, as an operator
// does with `temporal worker deployment set-current-version`, once its
// workers have polled (until then Temporal refuses: no pollers seen).
func setCurrent(ctx context.Context, t *testing.T, d client.WorkerDeploymentHandle, id string) {
	t.Helper()
	var last error
	poll(t, 30*time.Second, "build "+id+" to become current", func() (bool, bool) {
		_, last = d.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: id})
		return true, last == nil
	})
	desc, err := d.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	require.NoError(t, err)
	require.NotNil(t, desc.Info.RoutingConfig.CurrentVersion)
	require.Equal(t, id, desc.Info.RoutingConfig.CurrentVersion.BuildID)
}

type versioning struct {
	behavior enumspb.VersioningBehavior
	build    string
}

// versioningOf is what Temporal says of a campaign's versioning: its
// behaviour and the build it runs on.
func versioningOf(ctx context.Context, t *testing.T, tc client.Client, campaignID string) versioning {
	t.Helper()
	desc, err := tc.DescribeWorkflowExecution(ctx, api.CampaignWorkflowID(campaignID), "")
	require.NoError(t, err)
	info := desc.GetWorkflowExecutionInfo().GetVersioningInfo()
	return versioning{behavior: info.GetBehavior(), build: info.GetDeploymentVersion().GetBuildId()}
}

// workflowTaskBuilds lists, in order, the build id of the worker that
// completed each workflow task of a campaign's current run ("" for an
// unversioned one).
func workflowTaskBuilds(ctx context.Context, t *testing.T, tc client.Client, campaignID string) []string {
	t.Helper()
	var builds []string
	it := tc.GetWorkflowHistory(ctx, api.CampaignWorkflowID(campaignID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
			builds = append(builds, a.GetDeploymentVersion().GetBuildId())
		}
	}
	return builds
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
