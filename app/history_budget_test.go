package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
)

// TestNinetyDayReputationRepairHistoryBudget runs the built-in reputation-repair
// for its full 13 weekly cycles (about 90 days) on the real embedded server, with
// every duration shrunk to one second and a target rank it never reaches, and
// reads the history length Temporal reports. A 90-day campaign must stay well
// under 2,000 events per run; the workflow also continues as new past 1,000.
func TestNinetyDayReputationRepairHistoryBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a campaign on a Temporal server for about half a minute")
	}
	d, cfg := startDev(t)
	src, err := os.ReadFile(filepath.Join("..", "playbooks", "reputation-repair.yaml"))
	require.NoError(t, err)
	fast := regexp.MustCompile(`(?m)^name: reputation-repair$`).ReplaceAll(src, []byte("name: rr-fast"))
	fast = regexp.MustCompile(`\b\d+[dhw]\b`).ReplaceAll(fast, []byte("1s"))
	sum := sha256.Sum256(fast)
	_, err = d.Store.RegisterPlaybook(context.Background(), store.Playbook{
		Name: "rr-fast", Version: 2, Source: string(fast), Digest: hex.EncodeToString(sum[:]), CreatedAt: time.Now(),
	})
	require.NoError(t, err)

	gl := apiClient{t: t, base: d.APIURL}
	var c api.CampaignView
	resp := gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "rr-fast", "client": "acme",
		"params": map[string]any{"brand": "Acme Bakery", "target_rank": 0, "max_weeks": 13}}, nil, &c)
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	deadline := time.Now().Add(3 * time.Minute)
	for {
		v := gl.campaign(c.ID)
		if v.Status == api.StatusCompleted {
			break
		}
		require.NotEqual(t, api.StatusFailed, v.Status, v.Error)
		require.True(t, time.Now().Before(deadline), "still %s at %s", v.Status, v.CurrentStep)
		time.Sleep(250 * time.Millisecond)
	}
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	desc, err := tc.DescribeWorkflowExecution(context.Background(), c.WorkflowID, "")
	require.NoError(t, err)
	events := desc.WorkflowExecutionInfo.HistoryLength
	t.Logf("13 weekly cycles: %d history events in the last run", events)
	require.Less(t, events, int64(2000))
	v := gl.campaign(c.ID)
	n := 0
	for _, s := range v.Steps {
		if s.ID == "measure" {
			n++
		}
	}
	require.Equal(t, 13, n, "every weekly measurement is recorded once")
}
