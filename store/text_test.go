package store_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// TestWorkflowTextNeverBlocksAWrite: text produced inside a workflow (an
// expression yielding "\x00", bytes that are not UTF-8, a title longer than its
// column) is stored, made storable, instead of failing the write. On
// PostgreSQL each of these used to fail the whole projection, so the approval
// never reached the inbox while its silence policy ran.
func TestWorkflowTextNeverBlocksAWrite(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("c-nul", "acme", "p", "running", t0))
		long := strings.Repeat("é", 400)
		nul, bad := "Ac\x00me", "caf\xe9 \xff"
		// A voter named in a signal sent past the API; the column holds 200.
		longVoter := strings.Repeat("v", 300)
		err := s.ApplyProjection(ctx, store.Projection{
			CampaignID: "c-nul", Seq: 1, At: t0,
			Campaign: &store.CampaignPatch{Status: "waiting_approval", CurrentStep: ptr("approve " + nul), Error: ptr(bad)},
			Steps: []store.StepRun{{Key: "approve", StepID: "approve", Kind: "approval", Name: nul + long,
				Status: "waiting_approval", Seq: 1, StartedAt: &t0, Output: `{"brand":"` + nul + `"}`, Error: bad}},
			Approvals: []store.Approval{{ID: "c-nul.approve", StepKey: "approve", Title: "Post for " + nul + long,
				Preview: `{"posts":["` + bad + `"]}`, Status: "pending", OnTimeout: "approve",
				RequestedAt: t0, DueAt: t0.Add(1e12), Quorum: 2, Approvers: `[]`, RequestedBy: nul}},
			Votes: []store.ApprovalVote{
				{ApprovalID: "c-nul.approve", Voter: "dana", Decision: "approve", Comment: nul + bad, At: t0},
				{ApprovalID: "c-nul.approve", Voter: longVoter + "a", Decision: "approve", At: t0},
				{ApprovalID: "c-nul.approve", Voter: longVoter + "b", Decision: "reject", At: t0},
			},
			Audit: []store.AuditEvent{{DedupKey: "c-nul/requested", Kind: "approval.requested", Actor: nul, Detail: `{"title":"` + nul + `"}`, At: t0}},
		})
		require.NoError(t, err, "the projection is written")

		inbox, err := s.ListApprovals(ctx, store.ApprovalFilter{Status: "pending"})
		require.NoError(t, err)
		require.Len(t, inbox, 1, "the approval is in the inbox")
		a := inbox[0]
		assert.True(t, strings.HasPrefix(a.Title, "Post for Ac\uFFFDme"), a.Title)
		assert.Equal(t, 300, len([]rune(a.Title)), "cut to its column")
		assert.True(t, strings.HasSuffix(a.Title, "…"), "and the cut shows")
		assert.Equal(t, `{"posts":["caf`+"\uFFFD \uFFFD"+`"]}`, a.Preview)
		assert.Equal(t, "Ac\uFFFDme", a.RequestedBy)

		camp, err := s.GetCampaign(ctx, "c-nul")
		require.NoError(t, err)
		assert.Equal(t, "approve Ac\uFFFDme", camp.CurrentStep)
		assert.Equal(t, "caf\uFFFD \uFFFD", camp.Error)
		steps, err := s.StepRuns(ctx, "c-nul")
		require.NoError(t, err)
		require.Len(t, steps, 1)
		assert.Equal(t, 200, len([]rune(steps[0].Name)))
		assert.Equal(t, `{"brand":"Ac`+"\uFFFD"+`me"}`, steps[0].Output)
		votes, err := s.ApprovalVotes(ctx, "c-nul.approve")
		require.NoError(t, err)
		require.Len(t, votes, 3, "two long voters that differ only past the column stay two votes")
		assert.Equal(t, "Ac\uFFFDmecaf\uFFFD \uFFFD", votes[0].Comment)
		for _, v := range votes[1:] {
			assert.Equal(t, 200, len([]rune(v.Voter)), "a key is cut to its column")
			assert.True(t, strings.HasPrefix(v.Voter, strings.Repeat("v", 184)+"~"), v.Voter)
		}
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c-nul", Seq: 2,
			Votes: []store.ApprovalVote{{ApprovalID: "c-nul.approve", Voter: longVoter + "a", Decision: "reject", At: t0}}}))
		votes, err = s.ApprovalVotes(ctx, "c-nul.approve")
		require.NoError(t, err)
		require.Len(t, votes, 3, "the same long voter again lands on its own row")

		require.NoError(t, s.AppendAudit(ctx, store.AuditEvent{
			DedupKey: "c-nul/decided\x00", CampaignID: "c-nul", Kind: "approval.decided", Actor: bad + long, Detail: nul,
		}), "an audit event outside a projection is written too")
		events, err := s.AuditEvents(ctx, "c-nul")
		require.NoError(t, err)
		require.Len(t, events, 2)
		assert.Equal(t, "Ac\uFFFDme", events[0].Actor)
		assert.Equal(t, "c-nul/decided\uFFFD", events[1].DedupKey, "keys are made storable, never cut")
		assert.Equal(t, 200, len([]rune(events[1].Actor)))

		key := "reply/" + nul + strings.Repeat("k", 400)
		recorded, created, err := s.RecordPlatformAction(ctx, store.PlatformAction{IdempotencyKey: key, Platform: "sandbox",
			ClientID: "acme", CampaignID: "c-nul", Action: "reply", Target: nul + long, Output: bad})
		require.NoError(t, err)
		require.True(t, created)
		assert.Equal(t, 200, len([]rune(recorded.Target)))
		got, err := s.GetPlatformAction(ctx, key)
		require.NoError(t, err, "found by the key as the connector knows it")
		assert.Equal(t, "caf\uFFFD \uFFFD", got.Output)
	})
}
