package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
)

// TestBuiltinPlaybooksOnRealServer drives each built-in playbook on the embedded
// Temporal server as far as real time allows (their timers are days long), then
// cancels it. With GREENLIGHT_UPDATE_HISTORIES=1 the histories are saved for the
// replay tests, so the interpreter cannot change under running campaigns unnoticed.
func TestBuiltinPlaybooksOnRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	gl := apiClient{t: t, base: d.APIURL}
	launch := func(playbook string, params map[string]any) api.CampaignView {
		var v api.CampaignView
		resp := gl.do("POST", "/v1/campaigns", map[string]any{"playbook": playbook, "client": "acme", "params": params}, nil, &v)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		return v
	}
	decide := func(approvalID string) {
		var a api.ApprovalView
		resp := gl.do("POST", "/v1/approvals/"+approvalID+"/decision", map[string]any{"decision": "approve"}, bearer(personToken(t, gl.base, "dana@acme")), &a)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	stepDone := func(key string) func(api.CampaignView) bool {
		return func(v api.CampaignView) bool {
			for _, s := range v.Steps {
				if s.Key == key && s.Status == api.StepCompleted {
					return true
				}
			}
			return false
		}
	}
	cancel := func(v api.CampaignView) {
		resp := gl.do("POST", "/v1/campaigns/"+v.ID+"/cancel", nil, nil, nil)
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
		gl.waitFor(v.ID, "canceled", func(v api.CampaignView) bool { return v.Status == api.StatusCanceled })
	}

	// reputation-repair: plan approved, profiles optimised in parallel, blog up,
	// the first weekly cycle through its approval and measurement.
	rr := launch("reputation-repair", map[string]any{"brand": "Acme Bakery"})
	require.Equal(t, 3, rr.PlaybookVersion)
	gl.waitFor(rr.ID, "plan approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	decide(api.ApprovalID(rr.ID, "approve_plan"))
	gl.waitFor(rr.ID, "the first batch approval", func(v api.CampaignView) bool {
		return v.Status == api.StatusWaitingApproval && v.CurrentStep == "weekly.1.approve_batch"
	})
	decide(api.ApprovalID(rr.ID, "weekly.1.approve_batch"))
	v := gl.waitFor(rr.ID, "the first measurement", stepDone("weekly.1.measure"))
	require.True(t, stepDone("profiles")(v), "parallel profile optimisation completed")
	cancel(rr)

	// audience-expansion: the first weekly cycle, up to its report.
	ae := launch("audience-expansion", map[string]any{"brand": "Acme Bakery", "audience": []any{"sourdough"}, "competitors": []any{"@rivalbakery"}})
	gl.waitFor(ae.ID, "the first weekly report", stepDone("weekly.1.weekly_report"))
	cancel(ae)

	// crisis-triage: a sensitive mention, approved by a person at its sensitive
	// gate, answered.
	ct := launch("crisis-triage", map[string]any{"brand": "Acme", "text": "This is a scam, I want a refund", "author": "@dana", "url": "https://x.invalid/dana/1"})
	require.Equal(t, 2, ct.PlaybookVersion)
	gl.waitFor(ct.ID, "the human decision", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	decide(api.ApprovalID(ct.ID, "decide"))
	gl.waitFor(ct.ID, "the reply", stepDone("respond"))
	cancel(ct)

	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	for _, c := range []api.CampaignView{rr, ae, ct} {
		desc, err := tc.DescribeWorkflowExecution(context.Background(), c.WorkflowID, "")
		require.NoError(t, err)
		t.Logf("%s: %d history events", c.Playbook, desc.WorkflowExecutionInfo.HistoryLength)
	}
	saveHistories(t, tc, map[string]string{
		"reputation-repair-v3-canceled":  rr.WorkflowID,
		"audience-expansion-v1-canceled": ae.WorkflowID,
		"crisis-triage-v2-canceled":      ct.WorkflowID,
	})
}
