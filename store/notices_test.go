package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// TestNoticesAreWrittenWithTheirEvent: a projection's notices land in its
// transaction, once per key, with the approval's client, and wait for the
// dispatcher until it marks them started.
func TestNoticesAreWrittenWithTheirEvent(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("c1", "acme", "launch", "running", t0))
		request := store.Projection{
			CampaignID: "c1", Seq: 1, At: t0,
			Approvals: []store.Approval{{ID: "c1.ok", StepKey: "ok", Title: "OK?", Status: "pending", OnTimeout: "skip", RequestedAt: t0, DueAt: t0.Add(time.Hour)}},
			Audit:     []store.AuditEvent{{DedupKey: "c1/1/0", Kind: "approval.requested", ApprovalID: "c1.ok", At: t0}},
			Notices: []store.Notice{
				{Key: "c1/1/0", Kind: "requested", ApprovalID: "c1.ok"},
				{Key: "c1/1/0", Kind: "requested", ApprovalID: "c1.ok"}, // twice in one batch
			},
		}
		require.NoError(t, s.ApplyProjection(ctx, request))
		require.NoError(t, s.ApplyProjection(ctx, request), "a retried batch changes nothing")
		reminder := store.Projection{
			CampaignID: "c1", Seq: 2, At: t0.Add(time.Minute),
			Audit:   []store.AuditEvent{{DedupKey: "c1/2/0", Kind: "approval.reminded", ApprovalID: "c1.ok", At: t0}},
			Notices: []store.Notice{{Key: "c1/2/0", Kind: "reminded", ApprovalID: "c1.ok", Seq: 1}},
		}
		require.NoError(t, s.ApplyProjection(ctx, reminder))

		pending, err := s.PendingNotices(ctx, 10)
		require.NoError(t, err)
		require.Len(t, pending, 2)
		assert.Equal(t, "requested", pending[0].Kind)
		assert.Equal(t, "reminded", pending[1].Kind)
		assert.Equal(t, 1, pending[1].Seq)
		for _, n := range pending {
			assert.Equal(t, "acme", n.ClientID, "%s: the client comes from the approval", n.Kind)
			assert.Equal(t, "c1", n.CampaignID)
		}

		require.NoError(t, s.NoticeStarted(ctx, pending[0].ID))
		pending, err = s.PendingNotices(ctx, 10)
		require.NoError(t, err)
		require.Len(t, pending, 1)
		assert.Equal(t, "c1/2/0", pending[0].Key)
	})
}

// TestANoticeIsNeverWrittenWithoutItsEvent: a projection that fails writes no
// notice, so nobody is told of an event the store does not hold.
func TestANoticeIsNeverWrittenWithoutItsEvent(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		err := s.ApplyProjection(ctx, store.Projection{
			CampaignID: "missing", Seq: 1,
			Notices: []store.Notice{{Key: "missing/1/0", Kind: "requested", ApprovalID: "missing.ok"}},
		})
		require.ErrorIs(t, err, store.ErrNotFound)
		pending, err := s.PendingNotices(ctx, 10)
		require.NoError(t, err)
		assert.Empty(t, pending)
	})
}

// TestAddNoticeWritesEachKeyOnce: an alert raised again (a retried action)
// leaves the first row alone, and waits for the dispatcher like any notice.
func TestAddNoticeWritesEachKeyOnce(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		alert := store.Notice{Key: "c1/weekly.1.classify/spam-wave", Kind: "alert", CampaignID: "c1", ClientID: "acme", CreatedAt: t0}
		created, err := s.AddNotice(ctx, alert)
		require.NoError(t, err)
		assert.True(t, created)
		again := alert
		again.CreatedAt, again.ClientID = t0.Add(time.Hour), "other"
		created, err = s.AddNotice(ctx, again)
		require.NoError(t, err)
		assert.False(t, created, "the key is there already")

		pending, err := s.PendingNotices(ctx, 10)
		require.NoError(t, err)
		require.Len(t, pending, 1)
		got := pending[0]
		assert.Equal(t, "alert", got.Kind)
		assert.Empty(t, got.ApprovalID, "an alert is about no approval")
		assert.Equal(t, "acme", got.ClientID, "the first write stands")
		assert.WithinDuration(t, t0, got.CreatedAt, time.Millisecond, "the first write stands")

		_, err = s.AddNotice(ctx, store.Notice{Kind: "alert"})
		assert.ErrorIs(t, err, store.ErrInvalid)
	})
}
