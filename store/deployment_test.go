package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestADeploymentIsNamedOnceWhoeverAsks(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ids := make([]string, 5)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := s.Deployment(ctx)
				assert.NoError(t, err)
				ids[i] = d.ID
			}()
		}
		wg.Wait()
		require.Len(t, ids[0], 12)
		for _, id := range ids {
			assert.Equal(t, ids[0], id, "one name, however many processes start at once")
		}
		d, err := s.Deployment(ctx)
		require.NoError(t, err)
		assert.Equal(t, ids[0], d.ID)

		older, err := s.UnfinishedBefore(ctx, d.CreatedAt)
		require.NoError(t, err)
		assert.False(t, older)
		mustCreate(t, s, newCampaign("c-old", "acme", "pb", api.StatusRunning, d.CreatedAt.Add(-time.Hour)))
		mustCreate(t, s, newCampaign("c-done", "acme", "pb", api.StatusCompleted, d.CreatedAt.Add(-time.Hour)))
		older, err = s.UnfinishedBefore(ctx, d.CreatedAt)
		require.NoError(t, err)
		assert.True(t, older, "a campaign from before the name may still run on the shared queue")
	})
}

func TestTheFirstTaskQueueChosenStays(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		d, err := s.Deployment(ctx)
		require.NoError(t, err)
		assert.Empty(t, d.TaskQueue)
		d, err = s.ChooseTaskQueue(ctx, d.ID, "greenlight")
		require.NoError(t, err)
		assert.Equal(t, "greenlight", d.TaskQueue)
		d, err = s.ChooseTaskQueue(ctx, d.ID, "greenlight-other")
		require.NoError(t, err)
		assert.Equal(t, "greenlight", d.TaskQueue, "a later process, or a restart, keeps the first choice")
	})
}
