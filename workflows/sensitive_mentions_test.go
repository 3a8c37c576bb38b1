package workflows_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/platforms/mentions"
	"github.com/greenlight/greenlight/platforms/mentions/mentiontest"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/workflows"
)

// Every mention of the shared table runs through crisis-triage v2 end to end,
// with nobody deciding anything: each sensitive or unsure mention reaches a
// person with its reasons in the approval's preview, and once the deadline and
// the escalation have passed in silence, nothing was said in public; each
// routine one is acknowledged without a person.
func TestCrisisTriageV2EveryMentionOfTheTable(t *testing.T) {
	pb := builtinVersion(t, "crisis-triage", 2)
	for i, c := range mentiontest.Corpus {
		t.Run(fmt.Sprintf("%s-%02d", c.Want, i), func(t *testing.T) {
			t.Parallel()
			params := map[string]any{"brand": "Acme", "text": c.Text, "author": "@dana", "url": fmt.Sprintf("https://x.invalid/dana/%d", i)}
			if c.ExtraTerms != nil {
				params["extra_terms"] = c.ExtraTerms
			}
			h := newHarness(t, pb, params)
			h.run()
			h.requireFinishedCleanly()

			classifier, err := mentions.ForInput(c.ExtraTerms)
			require.NoError(t, err)
			want := classifier.Classify(c.Text)
			require.Equal(t, c.Want, want.Sensitivity, c.Text)
			var res workflows.CampaignResult
			require.NoError(t, h.env.GetWorkflowResult(&res))
			require.Equal(t, c.Want, res.Outputs["classify"]["sensitivity"], c.Text)

			if c.Want == mentions.Routine {
				require.Empty(t, h.status().Approvals, "a routine mention needs no person: %s", c.Text)
				replies := h.actionInputs("respond_to_mention")
				require.Len(t, replies, 1, c.Text)
				require.Contains(t, replies[0]["message"], "Hi @dana", "the acknowledgement")
				require.Equal(t, api.StepCompleted, h.steps()["acknowledge"].Status)
				return
			}

			// It reached a person, with its reasons.
			v := h.status()
			require.Len(t, v.Approvals, 1, c.Text)
			require.Equal(t, api.ApprovalID(h.in.CampaignID, "decide"), v.Approvals[0].ID)
			stored := h.approval("decide")
			var preview map[string]any
			require.NoError(t, json.Unmarshal([]byte(stored.Preview), &preview))
			require.Equal(t, c.Want, preview["sensitivity"])
			require.Equal(t, c.Text, preview["mention"])
			reasons := asList(preview["reasons"])
			require.Equal(t, toAnyList(want.Reasons()), reasons, c.Text)
			if c.Kind != "" && c.Want == mentions.Sensitive {
				require.Contains(t, asList(preview["subjects"]), c.Kind)
				require.True(t, anyContains(reasons, mentions.Label(c.Kind)), "reasons %q name the subject %s", reasons, mentions.Label(c.Kind))
			}
			if c.Quote != "" {
				require.True(t, anyContains(reasons, c.Quote), "reasons %q quote %q", reasons, c.Quote)
			}
			require.Contains(t, stored.Title, c.Want)

			// Silence, then the escalation's silence: rejected by policy, never
			// approved, and nothing said in public.
			require.Equal(t, api.ApprovalExpired, stored.Status)
			require.Equal(t, playbooks.OnTimeoutReject, stored.Policy)
			require.Empty(t, stored.DecidedBy)
			require.Contains(t, h.auditKinds(), "approval.escalated")
			require.NotNil(t, stored.DecidedAt)
			require.WithinDuration(t, h.start().Add(6*time.Hour), *stored.DecidedAt, time.Second, "4h for the client, 2h for the agency lead")
			require.Zero(t, h.actionCount("respond_to_mention"), "nothing answered by silence or automatically: %s", c.Text)
			require.Equal(t, api.StepSkipped, h.steps()["respond"].Status)
			require.Equal(t, api.StepCompleted, h.steps()["notify_hold"].Status)
		})
	}
}

// A person's yes sends the reply as they worded it; their no holds it.
func TestCrisisTriageV2PersonDecides(t *testing.T) {
	pb := builtinVersion(t, "crisis-triage", 2)
	text := mentiontest.Sensitive[0].Text // a mother's cancer diagnosis
	t.Run("approved with edits", func(t *testing.T) {
		h := newHarness(t, pb, map[string]any{"brand": "Acme", "text": text, "author": "@dana", "url": "https://x.invalid/dana/1"})
		h.at(time.Hour, func() {
			h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{
				ApprovalID: api.ApprovalID(h.in.CampaignID, "decide"), Decision: api.DecisionApprove, By: "lead@agency",
				Edits: map[string]any{"proposed_reply": "Dana, we're thinking of you both. Her table is always ready. Sam at Acme"},
			})
		})
		h.run()
		h.requireFinishedCleanly()
		replies := h.actionInputs("respond_to_mention")
		require.Len(t, replies, 1)
		require.Equal(t, "Dana, we're thinking of you both. Her table is always ready. Sam at Acme", replies[0]["message"])
		require.Equal(t, api.ApprovalApproved, h.approval("decide").Status)
		require.Equal(t, "lead@agency", h.approval("decide").DecidedBy)
	})
	t.Run("rejected", func(t *testing.T) {
		h := newHarness(t, pb, map[string]any{"brand": "Acme", "text": text, "author": "@dana", "url": "https://x.invalid/dana/2"})
		h.at(time.Hour, func() { h.signal("decide", api.DecisionReject, "lead@agency") })
		h.run()
		h.requireFinishedCleanly()
		require.Zero(t, h.actionCount("respond_to_mention"))
		require.Equal(t, api.StepCompleted, h.steps()["notify_hold"].Status)
	})
}

// Campaigns of crisis-triage v1 keep running: its routine test ("low") no
// longer matches the classifier's scale, so every mention, routine ones
// included, waits for its decide step, and silence still sends nothing.
func TestCrisisTriageV1StillRunsAndAnswersNothingBySilence(t *testing.T) {
	pb := builtinVersion(t, "crisis-triage", 1)
	for i, text := range []string{mentiontest.Sensitive[0].Text, mentiontest.Routine[0].Text} {
		h := newHarness(t, pb, map[string]any{"brand": "Acme", "text": text, "author": "@dana", "url": fmt.Sprintf("https://x.invalid/dana/%d", i)})
		h.run()
		h.requireFinishedCleanly()
		require.Len(t, h.status().Approvals, 1, text)
		require.Equal(t, api.ApprovalExpired, h.approval("decide").Status)
		require.Equal(t, playbooks.OnTimeoutReject, h.approval("decide").Policy)
		require.Zero(t, h.actionCount("respond_to_mention"), text)
	}
}

// A workflow input made by hand past validation, with a sensitive approval
// that silence would approve and a grant that would cover it: the workflow
// still waits for a person and treats silence as a rejection.
func TestSensitiveApprovalSilenceNeverApprovesEvenPastValidation(t *testing.T) {
	pb := &playbooks.Playbook{Name: "hand-made", Version: 1, Steps: []playbooks.Step{
		{ID: "plan", Approval: &playbooks.Approval{Title: "Plan", Timeout: playbooks.Duration{Duration: time.Hour},
			OnTimeout: playbooks.OnTimeoutApprove, Grant: &playbooks.Grant{MaxPosts: 5}}},
		{ID: "decide", Approval: &playbooks.Approval{Title: "Reply?", Sensitive: true, CoveredBy: "plan",
			Timeout: playbooks.Duration{Duration: time.Hour}, OnTimeout: playbooks.OnTimeoutApprove, OnReject: playbooks.OnRejectContinue}},
		{ID: "reply", Needs: "decide", Action: "respond_to_mention", With: map[string]any{"url": "https://x.invalid/1", "message": "Hi"}},
	}}
	require.NotEmpty(t, playbooks.Validate(pb), "validation refuses it")
	h := newHarness(t, pb, nil)
	h.run()
	h.requireFinishedCleanly()
	require.Equal(t, api.ApprovalExpired, h.approval("plan").Status)
	a := h.approval("decide")
	require.Equal(t, api.ApprovalExpired, a.Status, "not passed by the grant")
	require.Equal(t, playbooks.OnTimeoutReject, a.Policy, "silence rejected it")
	require.Zero(t, h.actionCount("respond_to_mention"))
}

func toAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func anyContains(list []any, sub string) bool {
	for _, e := range list {
		if s, ok := e.(string); ok && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
