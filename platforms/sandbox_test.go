package platforms_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestSandboxActsOncePerKey(t *testing.T) {
	st := storetest.SQLite(t)
	sb := &platforms.Sandbox{Store: st}
	ctx := context.Background()
	a := platforms.Action{Key: "c1/publish", Name: "publish_posts", CampaignID: "c1", Client: "acme",
		Input: map[string]any{"brand": "Acme", "count": float64(3)}}
	first, err := sb.Perform(ctx, a)
	require.NoError(t, err)
	require.True(t, first.Simulated)
	require.False(t, first.Replayed)
	require.Equal(t, true, first.Output["simulated"])

	again, err := sb.Perform(ctx, a)
	require.NoError(t, err)
	require.True(t, again.Replayed, "a retried activity must not act twice")
	require.Equal(t, first.Output["published"], again.Output["published"])
	n, err := st.CountPlatformActions(ctx, "acme", "publish_posts")
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
}

func TestSandboxRankRespondsToWork(t *testing.T) {
	ctx := context.Background()
	measure := func(sb *platforms.Sandbox, key string) float64 {
		res, err := sb.Perform(ctx, platforms.Action{Key: key, Name: "measure_rank", Client: "acme", CampaignID: "c1",
			Input: map[string]any{"brand": "Acme", "platforms": []any{"linkedin", "x"}}})
		require.NoError(t, err)
		return res.Output["best_rank"].(float64)
	}
	st := storetest.SQLite(t)
	sb := &platforms.Sandbox{Store: st}
	before := measure(sb, "m1")
	require.Greater(t, before, 10.0, "a brand in need of repair starts outside the top 10")

	// The same world measured from a fresh store gives the same answer: deterministic.
	require.Equal(t, before, measure(&platforms.Sandbox{Store: storetest.SQLite(t)}, "m1"))

	for _, a := range []platforms.Action{
		{Key: "o", Name: "optimize_profile", Input: map[string]any{"brand": "Acme", "platforms": []any{"linkedin", "x"}}},
		{Key: "b", Name: "launch_blog", Input: map[string]any{"brand": "Acme"}},
		{Key: "p", Name: "publish_posts", Input: map[string]any{"brand": "Acme", "count": float64(5)}},
	} {
		a.Client, a.CampaignID = "acme", "c1"
		_, err := sb.Perform(ctx, a)
		require.NoError(t, err)
	}
	require.Less(t, measure(sb, "m2"), before)
}
