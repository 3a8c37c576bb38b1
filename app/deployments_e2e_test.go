package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// TestTwoDeploymentsShareANamespace is issue 14's story: a `greenlight
// server` and `greenlight worker` on PostgreSQL pointed at a running dev
// instance's Temporal, same namespace. Each deployment runs only its own
// campaigns (dev, the first, keeps `greenlight`; the second gets a task queue
// of its own), so all of them complete, each in its own store, and none is
// dropped or taken by the other.
func TestTwoDeploymentsShareANamespace(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	dev, _ := startDev(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	prod, st := startDeployment(ctx, t, dev.TemporalAddr)

	type launched struct {
		api   apiClient
		store *store.Store
		ids   []string
	}
	deployments := []*launched{{api: apiClient{t: t, base: dev.APIURL}, store: dev.Store}, {api: apiClient{t: t, base: prod}, store: st}}
	for _, d := range deployments {
		for range 3 {
			var c api.CampaignView
			require.Equal(t, http.StatusCreated, d.api.do("POST", "/v1/campaigns",
				map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}}, nil, &c).StatusCode)
			d.ids = append(d.ids, c.ID)
		}
	}
	for _, d := range deployments {
		for _, id := range d.ids {
			d.api.waitFor(id, "waiting for approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
			require.Equal(t, http.StatusOK, d.api.do("POST", "/v1/approvals/"+api.ApprovalID(id, "approve")+"/decision",
				map[string]any{"decision": "approve"}, nil, nil).StatusCode)
		}
	}
	for i, d := range deployments {
		other := deployments[1-i]
		for _, id := range d.ids {
			v := d.api.waitFor(id, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
			assert.Equal(t, api.StatusCompleted, v.Status)
			_, err := other.store.GetCampaign(ctx, id)
			assert.ErrorIs(t, err, store.ErrNotFound, "campaign %s never reached the other store", id)
			runs, err := d.store.StepRuns(ctx, id)
			require.NoError(t, err)
			assert.Len(t, runs, 4, "every step of %s recorded in its own store", id)
		}
	}
	devDeployment, err := dev.Store.Deployment(ctx)
	require.NoError(t, err)
	prodDeployment, err := st.Deployment(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, devDeployment.ID, prodDeployment.ID)
	assert.Equal(t, "greenlight", dev.TaskQueue, "the namespace's first deployment keeps the design's task queue")
	assert.Equal(t, "greenlight", devDeployment.TaskQueue)
	assert.Equal(t, "greenlight-"+prodDeployment.ID, prodDeployment.TaskQueue, "the second one runs on a queue of its own")
}

// startDeployment runs a Greenlight deployment of its own against the
// Temporal at temporalAddr, as a production one runs: a server and a worker
// on a fresh PostgreSQL schema, with a bootstrapped admin token the test's
// HTTP client sends. It returns the API's base URL and the deployment's store.
func startDeployment(ctx context.Context, t *testing.T, temporalAddr string) (string, *store.Store) {
	t.Helper()
	return startDeploymentWith(ctx, t, temporalAddr, nil)
}

// startDeploymentWith is startDeployment with adjust, when not nil, applied to
// the processes' configuration (e.g. their Temporal TLS).
func startDeploymentWith(ctx context.Context, t *testing.T, temporalAddr string, adjust func(*config.Config)) (string, *store.Store) {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.PlaybooksDir = filepath.Join("testdata", "playbooks")
	a, err := devserver.FreeAddr()
	require.NoError(t, err)
	cfg.HTTPAddr, cfg.TemporalAddr = a, temporalAddr
	cfg.DatabaseURL = storetest.PostgresSchemaURL(t)
	cfg.LinkSecret = strings.Repeat("s", 40)
	cfg.Unattached = config.UnattachedSandbox
	if adjust != nil {
		adjust(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := app.OpenStore(ctx, cfg, logger)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	token, err := app.BootstrapAdminToken(ctx, st, "ops")
	require.NoError(t, err)
	go func() { _ = app.Worker(ctx, cfg, logger) }()
	go func() { _ = app.Server(ctx, cfg, logger) }()
	base := "http://" + cfg.HTTPAddr
	poll(t, time.Minute, "the deployment's API", func() (bool, bool) {
		resp, err := (&http.Client{Transport: baseTransport}).Get(base + "/readyz")
		if err != nil {
			return false, false
		}
		resp.Body.Close()
		return true, resp.StatusCode == http.StatusOK
	})
	useDevToken(base, token)
	return base, st
}
