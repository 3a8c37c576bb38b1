package app_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
)

// TestTemporalOnlyDevRunsAServerAndAWorkerApart: `greenlight dev --only
// temporal` serves Temporal and its Web UI alone, with the search attributes
// registered; a server and a worker on PostgreSQL, started on their own
// against it, run a campaign end to end.
func TestTemporalOnlyDevRunsAServerAndAWorkerApart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.PlaybooksDir = filepath.Join("testdata", "playbooks")
	for _, addr := range []*string{&cfg.HTTPAddr, &cfg.TemporalAddr, &cfg.UIAddr} {
		a, err := devserver.FreeAddr()
		require.NoError(t, err)
		*addr = a
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan app.TemporalInstance, 1)
	done := make(chan error, 1)
	go func() { done <- app.DevTemporal(ctx, cfg, logger, func(ti app.TemporalInstance) { ready <- ti }) }()
	var ti app.TemporalInstance
	select {
	case ti = <-ready:
	case err := <-done:
		t.Fatalf("dev --only temporal stopped: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("dev --only temporal never became ready")
	}
	assert.Equal(t, cfg.TemporalAddr, ti.TemporalAddr)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	require.NoError(t, err, "no API: its address is still free")
	ln.Close()
	entries, _ := os.ReadDir(cfg.DataDir)
	for _, e := range entries {
		assert.NotEqual(t, "greenlight.db", e.Name(), "and no Greenlight store")
	}

	tc, err := client.Dial(client.Options{HostPort: ti.TemporalAddr, Namespace: ti.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	sa, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ti.Namespace})
	require.NoError(t, err)
	assert.Contains(t, sa.GetCustomAttributes(), "GreenlightStatus", "search attributes registered for the processes to come")

	// A server and a worker of their own, on PostgreSQL.
	base, _ := startDeployment(ctx, t, ti.TemporalAddr)
	gl := apiClient{t: t, base: base}
	var camp api.CampaignView
	require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}}, nil, &camp).StatusCode)
	gl.waitFor(camp.ID, "waiting for approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	require.Equal(t, http.StatusOK, gl.do("POST", "/v1/approvals/"+api.ApprovalID(camp.ID, "approve")+"/decision", map[string]any{"decision": "approve"}, nil, nil).StatusCode)
	doneView := gl.waitFor(camp.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
	assert.Equal(t, api.StatusCompleted, doneView.Status)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("dev --only temporal did not stop")
	}
}
