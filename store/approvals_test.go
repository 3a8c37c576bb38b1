package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestApprovals(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("c1", "acme", "launch", "running", t0))
		mustCreate(t, s, newCampaign("c2", "globex", "launch", "running", t0))

		approval := func(id, status string, requested, due time.Duration) store.Approval {
			return store.Approval{ID: id, StepKey: "approve", Status: status, OnTimeout: "reject",
				RequestedAt: t0.Add(requested), DueAt: t0.Add(due)}
		}
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c1", Seq: 1, Approvals: []store.Approval{
			approval("a-late", "pending", 0, 3*time.Hour),
			approval("a-b", "pending", time.Minute, time.Hour), // same due time as a-a: the id breaks the tie
			approval("a-a", "pending", time.Minute, time.Hour),
			approval("a-done", "approved", -time.Hour, 30*time.Minute),
		}}))
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c2", Seq: 1, Approvals: []store.Approval{
			approval("g-1", "pending", 0, 2*time.Hour),
		}}))

		ids := func(list []store.Approval) []string {
			out := []string{}
			for _, a := range list {
				out = append(out, a.ID)
			}
			return out
		}
		list := func(f store.ApprovalFilter) []string {
			got, err := s.ListApprovals(ctx, f)
			require.NoError(t, err)
			return ids(got)
		}
		assert.Equal(t, []string{"a-a", "a-b", "g-1", "a-late"}, list(store.ApprovalFilter{Status: "pending"}))
		assert.Equal(t, []string{"a-done", "a-a", "a-b", "g-1", "a-late"}, list(store.ApprovalFilter{}))
		assert.Equal(t, []string{"a-a", "a-b", "a-late"}, list(store.ApprovalFilter{Status: "pending", ClientID: "acme"}))
		assert.Equal(t, []string{"g-1"}, list(store.ApprovalFilter{CampaignID: "c2"}))
		assert.Equal(t, []string{"a-a", "a-b"}, list(store.ApprovalFilter{Status: "pending", Limit: 2}))
		assert.Empty(t, list(store.ApprovalFilter{Status: "rejected"}))
		assert.Equal(t, []string{"a-a", "a-b"}, list(store.ApprovalFilter{Status: "pending", DueBefore: t0.Add(2 * time.Hour)}),
			"due strictly before: g-1, due at the bound, is left out")
		for _, limit := range []int{-1, 501} {
			_, err := s.ListApprovals(ctx, store.ApprovalFilter{Limit: limit})
			assert.ErrorIs(t, err, store.ErrInvalid, "limit %d", limit)
		}

		byCampaign, err := s.CampaignApprovals(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, []string{"a-done", "a-late", "a-a", "a-b"}, ids(byCampaign), "ordered by RequestedAt, then ID")

		got, err := s.GetApproval(ctx, "g-1")
		require.NoError(t, err)
		want := approval("g-1", "pending", 0, 2*time.Hour)
		want.CampaignID, want.ClientID = "c2", "globex"
		want.RequestedAt = want.RequestedAt.Truncate(time.Microsecond)
		want.DueAt = want.DueAt.Truncate(time.Microsecond)
		assert.Equal(t, &want, got)

		_, err = s.GetApproval(ctx, "nope")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}
