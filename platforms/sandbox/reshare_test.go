package sandbox_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/store/storetest"
)

// Repost, quote and share act once per key, like every action: a retry gets the
// recorded post back and the log holds one record.
func TestSandboxRepostQuoteShareActOncePerKey(t *testing.T) {
	st := storetest.SQLite(t)
	sb := sandbox.New(st)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		in   map[string]any
		flag string
	}{
		{"repost", map[string]any{"url": "https://x.com/dana/status/1", "platform": "x"}, "reposted"},
		{"quote", map[string]any{"url": "https://x.com/dana/status/1", "text": "Well said, Dana", "brand": "Acme"}, "quoted"},
		{"share", map[string]any{"url": "https://news.example/bread", "text": "Worth a read"}, "shared"},
	} {
		a := platforms.Action{Key: "c1/" + c.name, Name: c.name, CampaignID: "c1", Client: "acme", Input: c.in}
		first, err := sb.Perform(ctx, a)
		require.NoError(t, err)
		require.False(t, first.Replayed)
		require.Equal(t, true, first.Output[c.flag], c.name)
		require.Equal(t, true, first.Output["performed"], c.name)
		require.Equal(t, c.in["url"], first.Output["url"])
		require.Regexp(t, `^https://[a-z]+\.sandbox\.invalid/`, first.Output["post_url"])

		again, err := sb.Perform(ctx, a)
		require.NoError(t, err)
		require.True(t, again.Replayed, "a retried %s must not act twice", c.name)
		require.Equal(t, first.Output, again.Output)
		n, err := st.CountPlatformActions(ctx, "acme", c.name)
		require.NoError(t, err)
		require.Equal(t, int64(1), n)
	}
}

// Seed accounts may be competitor objects (a campaign's structured competitors
// passed on as they are): their accounts lead the audience, where the
// guardrail then strikes them from every follow.
func TestSandboxAudienceTakesCompetitorObjectsAsSeeds(t *testing.T) {
	sb := sandbox.New(storetest.SQLite(t))
	out := perform(t, sb, "audience", "define_audience", map[string]any{
		"brand": "Acme", "interests": []any{"bread"}, "size": float64(3),
		"seed_accounts": []any{
			"@oldstyle",
			map[string]any{"name": "RivalCo", "accounts": map[string]any{
				"x": []any{"@RivalCo"}, "mastodon": []any{"@rivalco@mastodon.social"},
			}, "domains": []any{"rivalco.com"}},
		},
	})
	accounts := out["accounts"].([]any)
	require.Equal(t, []any{"@oldstyle", "@rivalco@mastodon.social", "@RivalCo"}, accounts[:3])
	require.Equal(t, float64(3), out["seeds"])
}
