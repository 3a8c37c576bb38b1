package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// snapshot is everything a projection can touch, to compare before and after.
type snapshot struct {
	Campaign  *store.Campaign
	Steps     []store.StepRun
	Approvals []store.Approval
	Audit     []store.AuditEvent
}

func snap(t *testing.T, s *store.Store, id string) snapshot {
	t.Helper()
	ctx := ctxT(t)
	c, err := s.GetCampaign(ctx, id)
	require.NoError(t, err)
	steps, err := s.StepRuns(ctx, id)
	require.NoError(t, err)
	approvals, err := s.CampaignApprovals(ctx, id)
	require.NoError(t, err)
	audit, err := s.AuditEvents(ctx, id)
	require.NoError(t, err)
	return snapshot{c, steps, approvals, audit}
}

func TestApplyProjection(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("c1", "acme", "launch", "pending", t0))

		first := store.Projection{
			CampaignID: "c1",
			Seq:        1,
			At:         t0.Add(time.Minute),
			Campaign:   &store.CampaignPatch{Status: "running", CurrentStep: ptr("draft")},
			Steps: []store.StepRun{
				{Key: "draft", StepID: "draft", Kind: "llm", Status: "running", Seq: 1, StartedAt: ptr(t0.Add(time.Minute))},
				// Reported twice in one batch: the last report wins.
				{Key: "research", StepID: "research", Kind: "http", Status: "running", Seq: 0},
				{Key: "research", StepID: "research", Kind: "http", Status: "failed", Seq: 0, Error: "timeout", Output: `{"partial":true}`},
			},
			Approvals: []store.Approval{{
				ID: "c1/approve", StepKey: "approve", Title: "Approve post", Preview: `{"text":"hi"}`,
				Status: "pending", OnTimeout: "reject", RequestedAt: t0.Add(time.Minute), DueAt: t0.Add(time.Hour),
			}},
			Audit: []store.AuditEvent{
				{DedupKey: "c1/started", Kind: "campaign.started", Actor: "alice", Channel: "api", At: t0},
				{DedupKey: "c1/started", Kind: "campaign.started", Actor: "mallory", At: t0}, // duplicate in the batch
				{DedupKey: "c1/approval", Kind: "approval.requested", ApprovalID: "c1/approve", At: t0.Add(time.Minute)},
			},
		}
		require.NoError(t, s.ApplyProjection(ctx, first))
		assert.Empty(t, first.Steps[0].CampaignID, "the caller's rows are not modified")

		after1 := snap(t, s, "c1")
		c := after1.Campaign
		assert.Equal(t, "running", c.Status)
		assert.Equal(t, "draft", c.CurrentStep)
		assert.Equal(t, int64(1), c.ProjectionSeq)
		assert.Equal(t, t0.Add(time.Minute).Truncate(time.Microsecond), c.UpdatedAt)
		require.Len(t, after1.Steps, 2)
		assert.Equal(t, "research", after1.Steps[0].Key, "ordered by Seq, then Key")
		assert.Equal(t, "failed", after1.Steps[0].Status)
		assert.Equal(t, "c1", after1.Steps[0].CampaignID, "CampaignID is filled")
		assert.Equal(t, ptr(t0.Add(time.Minute).Truncate(time.Microsecond)), after1.Steps[1].StartedAt)
		require.Len(t, after1.Approvals, 1)
		assert.Equal(t, "acme", after1.Approvals[0].ClientID, "ClientID is filled from the campaign")
		require.Len(t, after1.Audit, 2)
		assert.Equal(t, "alice", after1.Audit[0].Actor)
		assert.Equal(t, "c1/approval", after1.Audit[1].DedupKey)

		// A retry of Seq 1, even with other content, changes nothing.
		retry := first
		retry.Campaign = &store.CampaignPatch{Status: "bogus"}
		retry.Steps = []store.StepRun{{Key: "bogus", StepID: "x", Kind: "x", Status: "x"}}
		retry.Audit = []store.AuditEvent{{DedupKey: "c1/bogus", Kind: "bogus"}}
		require.NoError(t, s.ApplyProjection(ctx, retry))
		assert.Equal(t, after1, snap(t, s, "c1"))

		// Seq 3 overwrites every column of existing rows, to empty values too.
		third := store.Projection{
			CampaignID: "c1",
			Seq:        3,
			At:         t0.Add(2 * time.Hour),
			Campaign:   &store.CampaignPatch{Status: "completed", CurrentStep: ptr(""), Error: ptr(""), FinishedAt: ptr(t0.Add(2 * time.Hour))},
			Steps: []store.StepRun{
				{CampaignID: "c1", Key: "research", StepID: "research2", Kind: "http", Name: "Research", Status: "succeeded", Seq: 5},
			},
			Approvals: []store.Approval{{
				ID: "c1/approve", ClientID: "acme", StepKey: "approve", Status: "approved", OnTimeout: "approve",
				RequestedAt: t0.Add(time.Minute), DueAt: t0.Add(time.Hour), DecidedAt: ptr(t0.Add(30 * time.Minute)),
				Decision: "approve", DecidedBy: "bob", Channel: "cli",
			}},
			Audit: []store.AuditEvent{
				{DedupKey: "c1/started", Kind: "campaign.started", Actor: "mallory", At: t0}, // kept as is
				{DedupKey: "c1/done", Kind: "campaign.completed", At: t0.Add(2 * time.Hour)},
			},
		}
		require.NoError(t, s.ApplyProjection(ctx, third))
		after3 := snap(t, s, "c1")
		c = after3.Campaign
		assert.Equal(t, "completed", c.Status)
		assert.Empty(t, c.CurrentStep)
		assert.Equal(t, int64(3), c.ProjectionSeq)
		assert.Equal(t, ptr(t0.Add(2*time.Hour).Truncate(time.Microsecond)), c.FinishedAt)
		require.Len(t, after3.Steps, 2)
		assert.Equal(t, "draft", after3.Steps[0].Key)
		research := after3.Steps[1]
		assert.Equal(t, store.StepRun{CampaignID: "c1", Key: "research", StepID: "research2", Kind: "http",
			Name: "Research", Status: "succeeded", Seq: 5}, research, "Error and Output were overwritten with empty values")
		a := after3.Approvals[0]
		assert.Equal(t, "approved", a.Status)
		assert.Equal(t, "bob", a.DecidedBy)
		assert.Empty(t, a.Title, "Title was overwritten with an empty value")
		require.Len(t, after3.Audit, 3)
		assert.Equal(t, "alice", after3.Audit[0].Actor, "an existing dedup key is kept as is")
		assert.Equal(t, "c1/done", after3.Audit[2].DedupKey)

		// Seq 2 arrives late: stale, ignored.
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{
			CampaignID: "c1", Seq: 2, At: t0.Add(3 * time.Hour),
			Campaign: &store.CampaignPatch{Status: "running"},
			Steps:    []store.StepRun{{Key: "late", StepID: "late", Kind: "x", Status: "running"}},
		}))
		assert.Equal(t, after3, snap(t, s, "c1"))

		// A projection with nothing but a Seq still advances the campaign.
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c1", Seq: 4, At: t0.Add(4 * time.Hour)}))
		c, err := s.GetCampaign(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, int64(4), c.ProjectionSeq)
		assert.Equal(t, "completed", c.Status)

		err = s.ApplyProjection(ctx, store.Projection{CampaignID: "ghost", Seq: 1})
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.ErrorIs(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c1", Seq: 0}), store.ErrInvalid)
		assert.ErrorIs(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c1", Seq: 9,
			Steps: []store.StepRun{{CampaignID: "other", Key: "k"}}}), store.ErrInvalid)
		assert.ErrorIs(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c1", Seq: 9,
			Audit: []store.AuditEvent{{Kind: "no-dedup-key"}}}), store.ErrInvalid)
	})
}

func TestApplyProjectionRollsBackAsAWhole(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("c1", "acme", "launch", "pending", t0))
		before := snap(t, s, "c1")
		// The audit insert comes last; with its table gone it fails after the
		// campaign row and the step runs were written, which must be undone.
		db := s.DB().WithContext(ctx)
		require.NoError(t, db.Exec("ALTER TABLE audit_events RENAME TO audit_events_gone").Error)
		err := s.ApplyProjection(ctx, store.Projection{
			CampaignID: "c1", Seq: 1,
			Campaign: &store.CampaignPatch{Status: "running"},
			Steps:    []store.StepRun{{Key: "draft", StepID: "draft", Kind: "llm", Status: "running"}},
			Audit:    []store.AuditEvent{{DedupKey: "c1/started", Kind: "campaign.started"}},
		})
		require.Error(t, err)
		require.NoError(t, db.Exec("ALTER TABLE audit_events_gone RENAME TO audit_events").Error)
		assert.Equal(t, before, snap(t, s, "c1"))
	})
}

func TestAppendAudit(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("c1", "acme", "launch", "running", t0))
		e := store.AuditEvent{DedupKey: "api/decide/1", CampaignID: "c1", ApprovalID: "a1", Kind: "approval.decided",
			Actor: "bob", Channel: "api", Detail: `{"decision":"approve"}`, At: t0}
		require.NoError(t, s.AppendAudit(ctx, e))
		again := e
		again.Actor = "eve"
		require.NoError(t, s.AppendAudit(ctx, again), "a retried append succeeds")
		require.NoError(t, s.AppendAudit(ctx, store.AuditEvent{DedupKey: "api/decide/2", CampaignID: "c1", Kind: "approval.decided"}))

		events, err := s.AuditEvents(ctx, "c1")
		require.NoError(t, err)
		require.Len(t, events, 2)
		assert.NotZero(t, events[0].ID)
		assert.Less(t, events[0].ID, events[1].ID)
		e.ID = events[0].ID
		e.At = e.At.Truncate(time.Microsecond)
		e.ClientID = "acme" // the campaign's, filled in by the store
		assert.Equal(t, e, events[0])
		assert.WithinDuration(t, time.Now(), events[1].At, time.Minute, "a zero At means now")

		assert.ErrorIs(t, s.AppendAudit(ctx, store.AuditEvent{Kind: "x"}), store.ErrInvalid)
	})
}
