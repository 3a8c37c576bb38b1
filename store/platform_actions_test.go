package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestRecordPlatformAction(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := store.PlatformAction{IdempotencyKey: "c1/publish/1", Platform: "linkedin", ClientID: "acme",
			CampaignID: "c1", Action: "post", Target: "page", Input: `{"text":"hi"}`, Output: `{"id":"42"}`, CreatedAt: t0}
		stored, created, err := s.RecordPlatformAction(ctx, a)
		require.NoError(t, err)
		assert.True(t, created)

		again := a
		again.Output = `{"id":"43"}`
		second, created, err := s.RecordPlatformAction(ctx, again)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, stored, second, "the existing row is returned untouched")
		assert.Equal(t, `{"id":"42"}`, second.Output)

		got, err := s.GetPlatformAction(ctx, "c1/publish/1")
		require.NoError(t, err)
		assert.Equal(t, stored, *got)

		_, _, err = s.RecordPlatformAction(ctx, store.PlatformAction{IdempotencyKey: "c1/like/1", Platform: "linkedin", ClientID: "acme", CampaignID: "c1", Action: "like"})
		require.NoError(t, err)
		_, _, err = s.RecordPlatformAction(ctx, store.PlatformAction{IdempotencyKey: "c2/post/1", Platform: "x", ClientID: "globex", CampaignID: "c2", Action: "post"})
		require.NoError(t, err)

		for _, tc := range []struct {
			client, action string
			want           int64
		}{{"acme", "post", 1}, {"acme", "", 2}, {"", "post", 2}, {"", "", 3}, {"initech", "", 0}} {
			n, err := s.CountPlatformActions(ctx, tc.client, tc.action)
			require.NoError(t, err)
			assert.Equal(t, tc.want, n, "client %q action %q", tc.client, tc.action)
		}

		_, err = s.GetPlatformAction(ctx, "nope")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, _, err = s.RecordPlatformAction(ctx, store.PlatformAction{})
		assert.ErrorIs(t, err, store.ErrInvalid)
	})
}

// TestRecordPlatformActionRace is the connector's guarantee: however many
// retries race on one key, exactly one acts, and all see its result.
func TestRecordPlatformActionRace(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		const n = 20
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			stored  [n]store.PlatformAction
			created [n]bool
			errs    [n]error
		)
		for i := range n {
			wg.Go(func() {
				<-start
				stored[i], created[i], errs[i] = s.RecordPlatformAction(ctx, store.PlatformAction{
					IdempotencyKey: "c1/publish/1", Platform: "x", ClientID: "acme", CampaignID: "c1",
					Action: "post", Output: fmt.Sprintf(`{"attempt":%d}`, i),
				})
			})
		}
		close(start)
		wg.Wait()

		creators := 0
		for i := range n {
			require.NoError(t, errs[i], "call %d", i)
			if created[i] {
				creators++
			}
			assert.Equal(t, stored[0], stored[i], "call %d saw another row", i)
		}
		assert.Equal(t, 1, creators)
		count, err := s.CountPlatformActions(ctx, "acme", "post")
		require.NoError(t, err)
		assert.Equal(t, int64(1), count)
	})
}
