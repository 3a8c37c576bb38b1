package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
)

const sleepy = `
name: sleepy
version: 1
steps:
  - id: cycle
    name: Weekly update
    repeat:
      every: 168h
      max: 3
      steps:
        - id: post
          name: Post week ${iteration}'s update
          action: publish_posts
          with: {brand: Acme, count: 1}
`

// TestASleepingCampaignSaysWhatItWaitsFor: in a repeat's week-long interval
// the campaign is not "running" with a finished step and nothing else: the
// API (and so the CLI) says until when and for what, and so does the
// Temporal Web UI's current details.
func TestASleepingCampaignSaysWhatItWaitsFor(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	req, err := http.NewRequest("POST", d.APIURL+"/v1/playbooks", strings.NewReader(sleepy))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)

	gl := apiClient{t: t, base: d.APIURL}
	var camp api.CampaignView
	require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "sleepy", "client": "acme"}, nil, &camp).StatusCode)
	v := gl.waitFor(camp.ID, "asleep", func(v api.CampaignView) bool { return v.Waiting != nil })
	assert.Equal(t, api.StatusRunning, v.Status)
	assert.Equal(t, "repeat", v.Waiting.Reason)
	assert.Equal(t, "cycle", v.Waiting.Step)
	assert.Equal(t, "iteration 2: Post week 2's update", v.Waiting.For)
	assert.WithinDuration(t, time.Now().Add(168*time.Hour), v.Waiting.Until, time.Minute)

	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	details := poll(t, 20*time.Second, "the Web UI's current details", func() (string, bool) {
		res, err := tc.QueryWorkflow(context.Background(), v.WorkflowID, "", "__temporal_workflow_metadata")
		if err != nil {
			return "", false
		}
		var md sdkpb.WorkflowMetadata
		if err := res.Get(&md); err != nil {
			return "", false
		}
		return md.GetCurrentDetails(), md.GetCurrentDetails() != ""
	})
	at, ok := strings.CutPrefix(details, "Waiting until ")
	require.True(t, ok, details)
	at, ok = strings.CutSuffix(at, " for iteration 2 of 3 of Weekly update.")
	require.True(t, ok, details)
	until, err := time.Parse("2006-01-02 15:04 MST", at)
	require.NoError(t, err)
	assert.WithinDuration(t, v.Waiting.Until, until, time.Minute)
}
