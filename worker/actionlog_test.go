package worker_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
)

func TestStoreActionLogKeepsTheFirstResult(t *testing.T) {
	ctx := context.Background()
	log := worker.StoreActionLog(storetest.SQLite(t))
	a := platforms.Action{Key: "c1/publish", Name: "publish_posts", CampaignID: "c1", Client: "acme", Input: map[string]any{"brand": "Acme"}}

	_, err := log.Performed(ctx, a.Key)
	require.ErrorIs(t, err, platforms.ErrNotPerformed)

	first, created, err := log.Record(ctx, "mastodon", a, platforms.Result{Output: map[string]any{"url": "https://m.example/@acme/1"}})
	require.NoError(t, err)
	assert.True(t, created)
	assert.False(t, first.Replayed)
	assert.Equal(t, "https://m.example/@acme/1", first.Output["url"])

	again, created, err := log.Record(ctx, "mastodon", a, platforms.Result{Output: map[string]any{"url": "https://m.example/@acme/2"}})
	require.NoError(t, err)
	assert.False(t, created, "another attempt recorded it first")
	assert.True(t, again.Replayed)
	assert.Equal(t, "https://m.example/@acme/1", again.Output["url"], "the first result is the truth")

	seen, err := log.Performed(ctx, a.Key)
	require.NoError(t, err)
	assert.True(t, seen.Replayed)
	assert.False(t, seen.Simulated)
	assert.Equal(t, "https://m.example/@acme/1", seen.Output["url"])
}
