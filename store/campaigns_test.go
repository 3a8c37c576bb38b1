package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestCampaignCreateGet(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		local := time.FixedZone("CET", 3600)
		c := newCampaign("c1", "acme", "launch", "running", t0.In(local))
		c.IdempotencyKey = ptr("key-1")
		c.RequestDigest = "digest"
		c.Params = ""
		require.NoError(t, s.CreateCampaign(ctx, c))

		assert.Equal(t, time.UTC, c.CreatedAt.Location(), "times are normalised to UTC")
		assert.True(t, c.CreatedAt.Equal(t0.Truncate(time.Microsecond)))
		assert.Equal(t, c.CreatedAt, c.UpdatedAt, "UpdatedAt defaults to CreatedAt")
		assert.Equal(t, "{}", c.Params, "empty params take the column default")

		got, err := s.GetCampaign(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, c, got, "a campaign reads back exactly as written")

		byKey, err := s.CampaignByIdempotencyKey(ctx, "key-1")
		require.NoError(t, err)
		assert.Equal(t, "c1", byKey.ID)

		var client store.Client
		require.NoError(t, s.DB().WithContext(ctx).Where("id = ?", "acme").Take(&client).Error)
		assert.Equal(t, "acme", client.Name, "the client row is created with the campaign")

		// A second campaign for the same client reuses the client row.
		mustCreate(t, s, newCampaign("c2", "acme", "launch", "running", t0))

		_, err = s.GetCampaign(ctx, "nope")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.CampaignByIdempotencyKey(ctx, "nope")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.CampaignByIdempotencyKey(ctx, "")
		assert.ErrorIs(t, err, store.ErrNotFound)

		assert.ErrorIs(t, s.CreateCampaign(ctx, &store.Campaign{ID: "x"}), store.ErrInvalid)
	})
}

func TestCampaignConflicts(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		first := newCampaign("c1", "acme", "launch", "running", t0)
		first.IdempotencyKey = ptr("key-1")
		mustCreate(t, s, first)

		sameID := newCampaign("c1", "other", "launch", "running", t0)
		sameID.WorkflowID = "wf-unique"
		err := s.CreateCampaign(ctx, sameID)
		require.ErrorIs(t, err, store.ErrConflict)

		sameWorkflow := newCampaign("c2", "acme", "launch", "running", t0)
		sameWorkflow.WorkflowID = first.WorkflowID
		require.ErrorIs(t, s.CreateCampaign(ctx, sameWorkflow), store.ErrConflict)

		sameKey := newCampaign("c3", "acme", "launch", "running", t0)
		sameKey.IdempotencyKey = ptr("key-1")
		require.ErrorIs(t, s.CreateCampaign(ctx, sameKey), store.ErrConflict)

		// The failed creation rolled back its client row with it.
		var n int64
		require.NoError(t, s.DB().WithContext(ctx).Model(&store.Client{}).Where("id = ?", "other").Count(&n).Error)
		assert.Zero(t, n)

		// Campaigns without a key (nil or empty) never conflict on it.
		mustCreate(t, s, newCampaign("c4", "acme", "launch", "running", t0))
		empty := newCampaign("c5", "acme", "launch", "running", t0)
		empty.IdempotencyKey = ptr("")
		mustCreate(t, s, empty)
		assert.Nil(t, empty.IdempotencyKey)
	})
}

func TestListCampaigns(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		// c03 and c04 share a timestamp: the id breaks the tie, and a page
		// boundary between them must neither repeat nor skip one.
		created := []time.Duration{0, 1, 2, 2, 3, 4, 5}
		for i, d := range created {
			status, client := "running", "acme"
			if i%2 == 1 {
				status = "completed"
			}
			if i >= 5 {
				client = "globex"
			}
			mustCreate(t, s, newCampaign(fmt.Sprintf("c%02d", i+1), client, "launch", status, t0.Add(d*time.Second)))
		}
		mustCreate(t, s, newCampaign("other-playbook", "acme", "nurture", "running", t0.Add(-time.Hour)))

		want := []string{"c07", "c06", "c05", "c04", "c03", "c02", "c01"}
		var got []string
		token := ""
		pages := 0
		for {
			page, err := s.ListCampaigns(ctx, store.CampaignFilter{Playbook: "launch", Limit: 3, PageToken: token})
			require.NoError(t, err)
			pages++
			assert.LessOrEqual(t, len(page.Items), 3)
			for _, c := range page.Items {
				got = append(got, c.ID)
			}
			if page.NextPageToken == "" {
				break
			}
			require.Less(t, pages, 10, "pagination does not terminate")
			token = page.NextPageToken
		}
		assert.Equal(t, want, got)
		assert.Equal(t, 3, pages)

		// Default limit and no filter.
		all, err := s.ListCampaigns(ctx, store.CampaignFilter{})
		require.NoError(t, err)
		assert.Len(t, all.Items, 8)
		assert.Empty(t, all.NextPageToken)
		assert.Equal(t, "other-playbook", all.Items[7].ID)

		ids := func(f store.CampaignFilter) []string {
			page, err := s.ListCampaigns(ctx, f)
			require.NoError(t, err)
			var out []string
			for _, c := range page.Items {
				out = append(out, c.ID)
			}
			return out
		}
		assert.Equal(t, []string{"c07", "c05", "c03", "c01", "other-playbook"}, ids(store.CampaignFilter{Status: "running"}))
		assert.Equal(t, []string{"c07", "c06"}, ids(store.CampaignFilter{ClientID: "globex"}))
		assert.Equal(t, []string{"c05", "c03", "c01"}, ids(store.CampaignFilter{ClientID: "acme", Status: "running", Playbook: "launch"}))
		assert.Empty(t, ids(store.CampaignFilter{Status: "nope"}))

		// Exactly one full page leaves no token behind.
		page, err := s.ListCampaigns(ctx, store.CampaignFilter{ClientID: "globex", Limit: 2})
		require.NoError(t, err)
		assert.Len(t, page.Items, 2)
		assert.Empty(t, page.NextPageToken)

		for _, bad := range []string{"!!!", "bm90IGpzb24", "e30", "eyJjIjoiMjAyNS0wMy0xNFQwOToyNjo1M1oifQ"} {
			_, err := s.ListCampaigns(ctx, store.CampaignFilter{PageToken: bad})
			assert.ErrorIs(t, err, store.ErrInvalid, "token %q", bad)
		}
		for _, limit := range []int{-1, 201} {
			_, err := s.ListCampaigns(ctx, store.CampaignFilter{Limit: limit})
			assert.ErrorIs(t, err, store.ErrInvalid, "limit %d", limit)
		}
		_, err = s.ListCampaigns(ctx, store.CampaignFilter{Limit: 200})
		assert.NoError(t, err)
	})
}

func TestDeleteCampaign(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		for _, id := range []string{"doomed", "kept"} {
			mustCreate(t, s, newCampaign(id, "acme", "launch", "running", t0))
			require.NoError(t, s.ApplyProjection(ctx, store.Projection{
				CampaignID: id,
				Seq:        1,
				At:         t0,
				Steps:      []store.StepRun{{Key: "draft", StepID: "draft", Kind: "llm", Status: "running", Seq: 1}},
				Approvals: []store.Approval{{ID: id + "/approve", StepKey: "approve", Status: "pending",
					OnTimeout: "reject", RequestedAt: t0, DueAt: t0.Add(time.Hour)}},
				Audit: []store.AuditEvent{{DedupKey: id + "/started", Kind: "campaign.started", At: t0}},
			}))
		}
		_, _, err := s.RecordPlatformAction(ctx, store.PlatformAction{
			IdempotencyKey: "doomed/post", Platform: "x", ClientID: "acme", CampaignID: "doomed", Action: "post",
		})
		require.NoError(t, err)

		require.NoError(t, s.DeleteCampaign(ctx, "doomed"))

		_, err = s.GetCampaign(ctx, "doomed")
		assert.ErrorIs(t, err, store.ErrNotFound)
		steps, err := s.StepRuns(ctx, "doomed")
		require.NoError(t, err)
		assert.Empty(t, steps)
		approvals, err := s.CampaignApprovals(ctx, "doomed")
		require.NoError(t, err)
		assert.Empty(t, approvals)
		events, err := s.AuditEvents(ctx, "doomed")
		require.NoError(t, err)
		assert.Empty(t, events)
		_, err = s.GetPlatformAction(ctx, "doomed/post")
		assert.NoError(t, err, "platform actions record external effects and survive")

		steps, err = s.StepRuns(ctx, "kept")
		require.NoError(t, err)
		assert.Len(t, steps, 1)
		approvals, err = s.CampaignApprovals(ctx, "kept")
		require.NoError(t, err)
		assert.Len(t, approvals, 1)
		events, err = s.AuditEvents(ctx, "kept")
		require.NoError(t, err)
		assert.Len(t, events, 1)

		assert.ErrorIs(t, s.DeleteCampaign(ctx, "doomed"), store.ErrNotFound)

		// The workflow id of a deleted campaign is free again for the retry.
		mustCreate(t, s, newCampaign("doomed", "acme", "launch", "running", t0))
	})
}

// TestListCampaignsSubSecondOrder guards SQLite, which keeps times as text:
// a time on the second (no fraction) must still sort before the same second
// with a fraction, and pages must split between them cleanly.
func TestListCampaignsSubSecondOrder(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		sec := t0.Truncate(time.Second)
		offsets := []time.Duration{0, time.Microsecond, 500 * time.Millisecond, 999999 * time.Microsecond, time.Second, 10 * time.Second}
		for i, d := range offsets {
			mustCreate(t, s, newCampaign(fmt.Sprintf("c%d", i), "acme", "launch", "running", sec.Add(d)))
		}
		var got []string
		token := ""
		for range offsets {
			page, err := s.ListCampaigns(ctx, store.CampaignFilter{Limit: 2, PageToken: token})
			require.NoError(t, err)
			for _, c := range page.Items {
				got = append(got, c.ID)
			}
			if token = page.NextPageToken; token == "" {
				break
			}
		}
		assert.Equal(t, []string{"c5", "c4", "c3", "c2", "c1", "c0"}, got)
	})
}
