package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/workflows"
)

// A three-person approval that needs two approvals, with reminders, followed by a
// publish that only runs if approved and a week that keeps the run open.
const quorumPlaybook = `
name: quorum
version: 1
steps:
  - id: ask
    approval:
      title: Publish the campaign video?
      preview: {posts: [draft one, draft two]}
      approvers: [{id: dana@acme}, {id: lee@acme}, {role: agency-lead}]
      quorum: 2
      timeout: 72h
      on_timeout: reject
      on_reject: continue
      reminders: [6h, 24h, 48h]
  - id: publish
    needs: ask
    action: publish_posts
    with: {brand: Acme, count: 2, posts: "${steps.ask.output.preview.posts}"}
  - id: pause
    wait: 7d
`

func (h *harness) vote(step, decision, by, role string) {
	h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{
		ApprovalID: api.ApprovalID(h.in.CampaignID, step), Decision: decision, By: by, Role: role,
	})
}

func TestQuorumTwoOfThree(t *testing.T) {
	h := newHarness(t, parse(t, quorumPlaybook), nil)
	h.at(time.Hour, func() { h.vote("ask", "approve", "dana@acme", "") })
	h.at(2*time.Hour, func() {
		v := h.status()
		require.Equal(t, api.ApprovalPending, v.Approvals[0].Status, "one approval of two is not enough")
		require.Len(t, v.Approvals[0].Votes, 1)
		h.vote("ask", "approve", "sam@agency", "agency-lead")
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalApproved, a.Status)
	require.Equal(t, "sam@agency", a.DecidedBy, "the vote that met the quorum")
	require.Equal(t, 2, a.Quorum)
	votes, err := h.st.ApprovalVotes(context.Background(), a.ID)
	require.NoError(t, err)
	require.Len(t, votes, 2)
	require.Equal(t, int64(1), h.actionCount("publish_posts"))
}

func TestOneRejectionRejects(t *testing.T) {
	h := newHarness(t, parse(t, quorumPlaybook), nil)
	h.at(time.Hour, func() { h.vote("ask", "approve", "dana@acme", "") })
	h.at(2*time.Hour, func() { h.vote("ask", "reject", "lee@acme", "") })
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalRejected, a.Status)
	require.Equal(t, "lee@acme", a.DecidedBy)
	require.Zero(t, h.actionCount("publish_posts"))
}

func TestStrangersAndDoubleVotesAreRefused(t *testing.T) {
	h := newHarness(t, parse(t, quorumPlaybook), nil)
	h.at(time.Hour, func() {
		h.vote("ask", "approve", "mallory@elsewhere", "")
		h.vote("ask", "approve", "dana@acme", "")
		h.vote("ask", "approve", "dana@acme", "") // twice: one vote
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalExpired, a.Status, "one valid approval never met the quorum of two")
	evs, err := h.st.AuditEvents(context.Background(), h.in.CampaignID)
	require.NoError(t, err)
	var reasons []string
	for _, e := range evs {
		if e.Kind == "approval.ignored" {
			var d map[string]any
			require.NoError(t, json.Unmarshal([]byte(e.Detail), &d))
			reasons = append(reasons, d["reason"].(string))
		}
	}
	require.Len(t, reasons, 2)
	require.Contains(t, reasons[0], "not an approver")
	require.Contains(t, reasons[1], "already voted")
}

func TestRemindersAtTheirTimes(t *testing.T) {
	h := newHarness(t, parse(t, quorumPlaybook), nil)
	h.at(30*time.Hour, func() {
		h.vote("ask", "approve", "dana@acme", "")
		h.vote("ask", "approve", "lee@acme", "")
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	evs, err := h.st.AuditEvents(context.Background(), h.in.CampaignID)
	require.NoError(t, err)
	var requested time.Time
	var reminded []time.Duration
	for _, e := range evs {
		switch e.Kind {
		case "approval.requested":
			requested = e.At
		case "approval.reminded":
			reminded = append(reminded, e.At.Sub(requested))
		}
	}
	require.Equal(t, []time.Duration{6 * time.Hour, 24 * time.Hour}, reminded, "the 48h reminder is not sent once decided at 30h")
	notes := h.actionInputs("notify")
	require.Len(t, notes, 2)
	require.Equal(t, "dana@acme, lee@acme, role:agency-lead", notes[0]["to"])
	require.Equal(t, api.ApprovalID(h.in.CampaignID, "ask"), notes[0]["approval_id"])
}

func TestEscalateThenSecondTierApproves(t *testing.T) {
	h := newHarness(t, parse(t, `
name: tiers
version: 1
steps:
  - id: ask
    approval:
      title: Reply to the complaint?
      approvers: [{id: dana@acme}]
      timeout: 4h
      on_timeout: escalate
      escalate: {to: agency-lead, timeout: 2h, on_timeout: fail}
`), nil)
	h.at(time.Hour, func() { h.vote("ask", "approve", "sam@agency", "agency-lead") }) // not yet their tier
	h.at(5*time.Hour, func() {
		v := h.status()
		require.Equal(t, 1, v.Approvals[0].Tier)
		h.vote("ask", "approve", "sam@agency", "agency-lead")
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalApproved, a.Status)
	require.Equal(t, "sam@agency", a.DecidedBy)
	require.Equal(t, 1, a.Tier)
	require.Contains(t, h.auditKinds(), "approval.escalated")
}

func TestApproveWithEditsReplacesThePreview(t *testing.T) {
	h := newHarness(t, parse(t, quorumPlaybook), nil)
	h.at(time.Hour, func() { h.vote("ask", "approve", "dana@acme", "") })
	h.at(2*time.Hour, func() {
		h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{
			ApprovalID: api.ApprovalID(h.in.CampaignID, "ask"), Decision: "approve", By: "lee@acme",
			Edits: map[string]any{"posts": []any{"draft one, reworded", "draft two"}},
		})
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	in := h.actionInputs("publish_posts")
	require.Equal(t, []any{"draft one, reworded", "draft two"}, in[0]["posts"], "the edited content is what gets published")
	a := h.approval("ask")
	require.Contains(t, a.Preview, `"draft one"`, "the record keeps the original")
	require.Contains(t, a.Edits, "reworded", "and the edit")
}

func TestUpdateAfterExpiryIsRefused(t *testing.T) {
	h := newHarness(t, gateThenWait(t), nil)
	var lateErr error
	h.at(72*time.Hour, func() {
		h.env.UpdateWorkflow(workflows.UpdateDecide, "late", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { lateErr = err }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, workflows.ApprovalSignal{ApprovalID: api.ApprovalID(h.in.CampaignID, "ask"), Decision: "approve", By: "late@acme"})
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(lateErr, &appErr), "late decision: %v", lateErr)
	require.Equal(t, workflows.ErrTypeExpired, appErr.Type())
	require.Equal(t, api.ApprovalExpired, h.approval("ask").Status)
}

func TestGrantLetsCoveredApprovalsPassAndStopsTheRest(t *testing.T) {
	h := newHarness(t, parse(t, `
name: plan-grant
version: 1
steps:
  - id: plan
    approval:
      title: Approve the plan
      timeout: 48h
      on_timeout: reject
      grant: {topics: [expertise, community], max_posts: 3}
  - id: weekly
    repeat:
      every: 7d
      max: 2
      steps:
        - id: draft
          action: draft_posts
          with: {brand: Acme, count: 2, topics: '${iteration == 1 ? ["expertise", "community"] : ["politics"]}'}
        - id: batch
          approval:
            title: Week ${iteration} posts
            preview: {posts: "${steps.draft.output.posts}"}
            covered_by: plan
            timeout: 24h
            on_timeout: reject
            on_reject: continue
        - id: publish
          needs: batch
          action: publish_posts
          with: {brand: Acme, count: 2}
`), nil)
	h.at(time.Hour, func() { h.vote("plan", "approve", "dana@acme", "") })
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	week1 := h.approval("weekly.1.batch")
	require.Equal(t, api.ApprovalApproved, week1.Status, "inside the grant: no waiting")
	require.Equal(t, api.ChannelGrant, week1.Channel)
	require.Equal(t, "grant:"+api.ApprovalID(h.in.CampaignID, "plan"), week1.DecidedBy)
	require.Equal(t, week1.RequestedAt, *week1.DecidedAt)
	week2 := h.approval("weekly.2.batch")
	require.Equal(t, api.ApprovalExpired, week2.Status, "outside the grant it waited for a person, who stayed silent")
	require.Equal(t, int64(1), h.actionCount("publish_posts"))
	kinds := h.auditKinds()
	require.Contains(t, kinds, "approval.granted")
	require.Contains(t, kinds, "approval.outside_grant")
}

func TestRequesterMayNotApproveTheirOwnStep(t *testing.T) {
	h := newHarness(t, parse(t, quorumPlaybook), nil)
	h.in.RequestedBy = "dana@acme"
	h.at(time.Hour, func() {
		h.vote("ask", "approve", "dana@acme", "") // refused: dana launched it
		h.vote("ask", "approve", "lee@acme", "")
		h.vote("ask", "approve", "sam@agency", "agency-lead")
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalApproved, a.Status)
	votes, err := h.st.ApprovalVotes(context.Background(), a.ID)
	require.NoError(t, err)
	for _, v := range votes {
		require.NotEqual(t, "dana@acme", v.Voter)
	}
	require.Contains(t, h.auditKinds(), "approval.ignored")
}

// A grant speaks for the people who approved it, never beyond them: it covers a
// later approval only when they could have approved that one themselves.
const narrowGrantPlaybook = `
name: narrow-grant
version: 1
steps:
  - id: plan
    approval:
      title: Approve the plan
      timeout: 48h
      on_timeout: %s
      grant: {max_posts: 3}
  - id: batch
    approval:
      title: This week's posts
      preview: {posts: [one]}
      covered_by: plan
      approvers: [{id: dana@acme}, {id: lee@acme}]
      quorum: %d
      timeout: 24h
      on_timeout: reject
      on_reject: continue
`

func TestGrantDoesNotWidenWhoDecides(t *testing.T) {
	cases := map[string]struct {
		onTimeout string
		quorum    int
		vote      func(h *harness)
		reason    string
	}{
		"approved by someone the covered step does not accept": {
			onTimeout: "reject", quorum: 1,
			vote:   func(h *harness) { h.vote("plan", "approve", "eve@agency", "") },
			reason: "eve@agency approved the grant but may not decide this approval",
		},
		"approved by someone claiming a role the covered step does not accept": {
			onTimeout: "reject", quorum: 1,
			vote:   func(h *harness) { h.vote("plan", "approve", "sam@agency", "agency-lead") },
			reason: "sam@agency approved the grant but may not decide this approval",
		},
		"approved by fewer people than the covered quorum": {
			onTimeout: "reject", quorum: 2,
			vote:   func(h *harness) { h.vote("plan", "approve", "dana@acme", "") },
			reason: "1 of the grant's approvers may decide this approval; it needs 2",
		},
		"approved by silence": {
			onTimeout: "approve", quorum: 1,
			vote:   func(*harness) {},
			reason: "approved by its timeout policy, not by people",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, parse(t, fmt.Sprintf(narrowGrantPlaybook, tc.onTimeout, tc.quorum)), nil)
			h.in.RequestedBy = "ops@agency"
			h.at(time.Hour, func() { tc.vote(h) })
			h.run()
			require.NoError(t, h.env.GetWorkflowError())
			batch := h.approval("batch")
			require.Equal(t, api.ApprovalExpired, batch.Status, "the covered approval waited for dana, who stayed silent")
			require.NotEqual(t, api.ChannelGrant, batch.Channel)
			require.Contains(t, h.auditKinds(), "approval.outside_grant")
			require.Contains(t, auditDetails(t, h, "approval.outside_grant"), tc.reason)
		})
	}

	// The same grant approved by dana covers the step.
	h := newHarness(t, parse(t, fmt.Sprintf(narrowGrantPlaybook, "reject", 1)), nil)
	h.at(time.Hour, func() { h.vote("plan", "approve", "dana@acme", "") })
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, api.ChannelGrant, h.approval("batch").Channel)
}

// auditDetails joins the details of every audit event of kind.
func auditDetails(t *testing.T, h *harness, kind string) string {
	t.Helper()
	evs, err := h.st.AuditEvents(context.Background(), h.in.CampaignID)
	require.NoError(t, err)
	var out []string
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e.Detail)
		}
	}
	return strings.Join(out, "\n")
}
