package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/workflows"
)

// Each built-in playbook runs to completion in the sandbox, with time skipping,
// and nobody deciding anything: the silence policies keep the work moving.

func (h *harness) requireFinishedCleanly() {
	h.t.Helper()
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	require.Equal(h.t, api.StatusCompleted, h.campaign().Status)
	for key, s := range h.steps() {
		require.Contains(h.t, []string{api.StepCompleted, api.StepSkipped}, s.Status, "step %s: %s", key, s.Error)
	}
}

func TestBuiltinReputationRepairReachesTargetRank(t *testing.T) {
	h := newHarness(t, builtin(t, "reputation-repair"), map[string]any{"brand": "Acme Bakery"})
	h.run()
	h.requireFinishedCleanly()
	var res workflows.CampaignResult
	require.NoError(t, h.env.GetWorkflowResult(&res))
	measure := res.Outputs["measure"]
	require.NotNil(t, measure, "outputs: %v", res.Outputs)
	require.Equal(t, true, measure["within_target"], "the sandbox rank improves with the weekly work")
	weeks := h.env.Now().Sub(h.start()) / (7 * 24 * time.Hour)
	require.Less(t, int(weeks), 13, "reached the target before max_weeks")
	require.Positive(t, h.actionCount("publish_posts"))
	require.Positive(t, h.actionCount("optimize_profile"))
}

// TestBuiltinReputationRepairPublishesThePostsAsApproved: a client who
// rewords a post while approving a batch sees that wording published, not the
// draft's (version 3; version 2 published the draft).
func TestBuiltinReputationRepairPublishesThePostsAsApproved(t *testing.T) {
	h := newHarness(t, builtin(t, "reputation-repair"), map[string]any{"brand": "Acme Bakery", "max_weeks": 1, "target_rank": 0})
	// The plan approves itself after 48 hours; week 1's batch is asked for
	// soon after, and the client approves it with one post reworded.
	h.at(60*time.Hour, func() {
		h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{
			ApprovalID: api.ApprovalID(h.in.CampaignID, "weekly.1.approve_batch"), Decision: api.DecisionApprove, By: "dana@acme",
			Edits: map[string]any{"posts": []any{map[string]any{"id": "b1-post-1", "platform": "linkedin", "text": "Our bread, baked at 4am"}}},
		})
	})
	h.run()
	h.requireFinishedCleanly()
	published := h.actionInputs("publish_posts")
	require.Len(t, published, 1)
	require.Equal(t, []any{map[string]any{"id": "b1-post-1", "platform": "linkedin", "text": "Our bread, baked at 4am"}}, published[0]["posts"])
}

func TestBuiltinReputationRepairNinetyDaysContinuesAsNew(t *testing.T) {
	// A brand that never reaches rank 1: the weekly cycle runs for max_weeks (13,
	// about 90 days). With the history reported past the limit, the run hands over
	// to a new one instead of growing without bound.
	h := newHarness(t, builtin(t, "reputation-repair"), map[string]any{"brand": "Acme Bakery", "target_rank": 0, "max_weeks": 13})
	h.in.ContinueAsNewAfter = 1000
	h.at(40*24*time.Hour, func() { h.env.SetCurrentHistoryLength(1200) })
	h.run()
	next := continuedInput(t, h.env.GetWorkflowError())
	h2 := h.continued(next)
	h2.run()
	h2.requireFinishedCleanly()
	// 13 weekly measurements and the final one: none repeated across the two runs.
	require.Equal(t, int64(14), h.actionCount("measure_rank"))
	require.Contains(t, h.steps()["weekly"].Output, `"iterations":13`)
}

func TestBuiltinAudienceExpansionRuns(t *testing.T) {
	h := newHarness(t, builtin(t, "audience-expansion"), map[string]any{
		"brand": "Acme Bakery", "audience": []any{"sourdough", "local food"}, "competitors": []any{"@rivalbakery"},
	})
	h.run()
	h.requireFinishedCleanly()
	require.Positive(t, h.actionCount("follow_accounts"))
	require.Positive(t, h.actionCount("classify_followers"))
	for _, in := range h.actionInputs("follow_accounts") {
		for _, acc := range asList(in["accounts"]) {
			require.NotEqual(t, "@rivalbakery", acc, "a competitor reached the connector")
		}
	}
}

func TestBuiltinCrisisTriageSensitiveSilenceEscalatesThenHolds(t *testing.T) {
	h := newHarness(t, builtin(t, "crisis-triage"), map[string]any{
		"brand": "Acme", "text": "This is a scam, I want a refund or I call my lawyer", "author": "@dana",
		"url": "https://x.invalid/dana/1",
	})
	h.run()
	h.requireFinishedCleanly()
	id := findApproval(t, h)
	a := h.approval(id)
	require.Equal(t, api.ApprovalExpired, a.Status, "silence never approves a sensitive reply")
	require.Equal(t, playbooks.OnTimeoutReject, a.Policy)
	require.Contains(t, h.auditKinds(), "approval.escalated")
	require.Zero(t, h.actionCount("respond_to_mention"), "nothing is said in public without a person")
}

func TestBuiltinCrisisTriageSensitiveApproved(t *testing.T) {
	h := newHarness(t, builtin(t, "crisis-triage"), map[string]any{
		"brand": "Acme", "text": "My order arrived broken and nobody answers, is this a scam?", "author": "@dana",
		"url": "https://x.invalid/dana/2",
	})
	h.at(time.Hour, func() {
		v := h.status()
		require.Len(t, v.Approvals, 1)
		h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{ApprovalID: v.Approvals[0].ID, Decision: "approve", By: "lead@agency"})
	})
	h.run()
	h.requireFinishedCleanly()
	require.Equal(t, int64(1), h.actionCount("respond_to_mention"))
}

func TestBuiltinCrisisTriageRoutineGetsAcknowledged(t *testing.T) {
	h := newHarness(t, builtin(t, "crisis-triage"), map[string]any{
		"brand": "Acme", "text": "Loved the new sourdough at Acme today!", "author": "@sam",
		"url": "https://x.invalid/sam/3",
	})
	h.run()
	h.requireFinishedCleanly()
	require.Empty(t, h.status().Approvals, "routine mentions need no approval")
	require.Equal(t, int64(1), h.actionCount("respond_to_mention"))
}

func findApproval(t *testing.T, h *harness) string {
	t.Helper()
	v := h.status()
	require.Len(t, v.Approvals, 1)
	return v.Approvals[0].Step
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
