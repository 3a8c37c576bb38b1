package sandbox_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/connectortest"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestSandboxActsOncePerKey(t *testing.T) {
	st := storetest.SQLite(t)
	sb := sandbox.New(st)
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
	measure := func(sb *sandbox.Network, key string) float64 {
		res, err := sb.Perform(ctx, platforms.Action{Key: key, Name: "measure_rank", Client: "acme", CampaignID: "c1",
			Input: map[string]any{"brand": "Acme", "platforms": []any{"linkedin", "x"}}})
		require.NoError(t, err)
		return res.Output["best_rank"].(float64)
	}
	st := storetest.SQLite(t)
	sb := sandbox.New(st)
	before := measure(sb, "m1")
	require.Greater(t, before, 10.0, "a brand in need of repair starts outside the top 10")

	// The same world measured from a fresh store gives the same answer: deterministic.
	require.Equal(t, before, measure(sandbox.New(storetest.SQLite(t)), "m1"))

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

func TestEveryCatalogActionIsSimulated(t *testing.T) {
	ctx := context.Background()
	sb := sandbox.New(storetest.SQLite(t))
	for _, name := range platforms.ActionNames() {
		t.Run(name, func(t *testing.T) {
			in := map[string]any{}
			for _, k := range platforms.Catalog[name].Required {
				v, ok := connectortest.SampleInputs[k]
				require.True(t, ok, "no sample value for required input %q: add one to connectortest.SampleInputs", k)
				in[k] = v
			}
			res, err := sb.Perform(ctx, platforms.Action{Key: "c1/" + name, Name: name, CampaignID: "c1", Client: "acme", Input: in})
			require.NoError(t, err)
			require.True(t, res.Simulated)
			require.Equal(t, true, res.Output["simulated"], "the recorded output must say it is simulated")
		})
	}
}

// perform runs one action for client acme in campaign c1 and returns its output.
func perform(t *testing.T, sb *sandbox.Network, key, name string, in map[string]any) map[string]any {
	t.Helper()
	res, err := sb.Perform(context.Background(), platforms.Action{Key: "c1/" + key, Name: name, CampaignID: "c1", Client: "acme", Input: in})
	require.NoError(t, err)
	return res.Output
}

func TestSandboxRankImprovesWithEveryPublishedBatch(t *testing.T) {
	platformsIn := []any{"linkedin", "x", "facebook", "instagram"}
	for _, brand := range []string{"Acme", "Acme Bakery", "Globex", "Initech", "Northwind Traders", "Umbrella"} {
		t.Run(brand, func(t *testing.T) {
			sb := sandbox.New(storetest.SQLite(t))
			// measure returns the best rank and each property's rank.
			measure := func(key string) (float64, map[string]float64) {
				out := perform(t, sb, key, "measure_rank", map[string]any{"brand": brand, "platforms": platformsIn, "target_rank": float64(10)})
				props := map[string]float64{}
				for _, p := range out["properties"].([]any) {
					p := p.(map[string]any)
					props[p["property"].(string)] = p["rank"].(float64)
				}
				return out["best_rank"].(float64), props
			}
			start, before := measure("audit")
			require.Greater(t, start, 10.0, "a brand in need of repair starts outside the top 10")
			// The playbook optimises one platform per parallel branch.
			for _, p := range platformsIn {
				perform(t, sb, "optimize/"+p.(string), "optimize_profile", map[string]any{"brand": brand, "platforms": []any{p}})
			}
			perform(t, sb, "blog", "launch_blog", map[string]any{"brand": brand, "pre_moderate": true})
			prev, after := measure("after-setup")
			require.LessOrEqual(t, prev, start)
			for _, p := range platformsIn {
				require.Less(t, after[p.(string)], before[p.(string)], "the optimised %s profile climbs", p)
			}
			require.Contains(t, after, "blog", "the blog is one of the brand's properties once launched")
			reached := 0
			for week := 1; week <= 12; week++ {
				w := fmt.Sprint(week)
				perform(t, sb, "week/"+w+"/publish", "publish_posts", map[string]any{"brand": brand, "count": float64(5)})
				rank, _ := measure("week/" + w + "/measure")
				require.Less(t, rank, prev, "week %d: every published batch lifts the best property", week)
				prev = rank
				if rank <= 10 && reached == 0 {
					reached = week
				}
				if rank <= 1 {
					break
				}
			}
			require.NotZero(t, reached, "the top 10 is reached within the default 12 weeks")
			t.Logf("%s: #%v before, top 10 in week %d", brand, start, reached)
		})
	}
}

func TestSandboxRankIgnoresUnpublishedBatches(t *testing.T) {
	sb := sandbox.New(storetest.SQLite(t))
	before := perform(t, sb, "m1", "measure_rank", map[string]any{"brand": "Acme"})["best_rank"]
	// A batch whose approval was rejected is skipped; one that published nothing
	// must not count either.
	perform(t, sb, "p0", "publish_posts", map[string]any{"brand": "Acme", "count": float64(0)})
	require.Equal(t, before, perform(t, sb, "m2", "measure_rank", map[string]any{"brand": "Acme"})["best_rank"])
}

func TestSandboxFollowersGrowWithFollowsAndEngagement(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		sb := sandbox.New(st)
		aud := perform(t, sb, "audience", "define_audience", map[string]any{
			"brand": "Acme Bakery", "interests": []any{"sourdough", "coffee"}, "seed_accounts": []any{"@RivalBakes"},
			"size": float64(20 * 7 * 12),
		})
		accounts := aud["accounts"].([]any)
		require.Len(t, accounts, 20*7*12+1)
		require.Equal(t, "@RivalBakes", accounts[0], "seed accounts come first, where the guardrail can see them")
		again := perform(t, sb, "audience-again", "define_audience", map[string]any{
			"brand": "Acme Bakery", "interests": []any{"sourdough", "coffee"}, "seed_accounts": []any{"@RivalBakes"},
			"size": float64(20 * 7 * 12),
		})
		require.Equal(t, accounts, again["accounts"], "the audience is deterministic from brand and interests")

		measure := func(key string) map[string]any {
			return perform(t, sb, key, "measure_followers", map[string]any{"brand": "Acme Bakery", "goal": float64(200)})
		}
		start := measure("measure/0")
		require.Equal(t, float64(0), start["gained"])
		require.Equal(t, false, start["goal_reached"])

		followed := map[string]bool{}
		prev := start["followers"].(float64)
		reached := 0
		for week := 1; week <= 12 && reached == 0; week++ {
			w := fmt.Sprint(week)
			f := perform(t, sb, "week/"+w+"/follow", "follow_accounts", map[string]any{
				"accounts": accounts, "count": float64(140), "daily_cap": float64(20), "days": float64(7),
			})
			require.Equal(t, float64(140), f["count"])
			for _, d := range f["per_day"].([]any) {
				require.LessOrEqual(t, d.(float64), 20.0, "the daily cap holds")
			}
			for _, acc := range f["followed"].([]any) {
				require.False(t, followed[acc.(string)], "week %s follows %s a second time", w, acc)
				followed[acc.(string)] = true
			}
			perform(t, sb, "week/"+w+"/engage", "engage_posts", map[string]any{
				"accounts": f["followed"], "daily_cap": float64(10), "days": float64(7),
			})
			m := measure("week/" + w + "/measure")
			require.Greater(t, m["followers"].(float64), prev, "week %s: outreach brings followers", w)
			prev = m["followers"].(float64)
			if m["goal_reached"] == true {
				reached = week
			}
		}
		require.NotZero(t, reached, "200 new followers within 12 weeks at 20 follows a day")
		t.Logf("goal of 200 reached in week %d", reached)

		// Another campaign of the same client sees the followers but did not gain them.
		res, err := sb.Perform(context.Background(), platforms.Action{Key: "c2/m", Name: "measure_followers", CampaignID: "c2", Client: "acme",
			Input: map[string]any{"brand": "Acme Bakery"}})
		require.NoError(t, err)
		require.Equal(t, prev, res.Output["followers"])
		require.Equal(t, float64(0), res.Output["gained"])
	})
}

func TestSandboxClassifiesEachNewFollowerOnce(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		sb := sandbox.New(st)
		aud := perform(t, sb, "audience", "define_audience", map[string]any{"brand": "Acme", "interests": []any{"sourdough"}, "size": float64(400)})
		perform(t, sb, "week/1/follow", "follow_accounts", map[string]any{"accounts": aud["accounts"], "count": float64(140)})

		first := perform(t, sb, "week/1/classify", "classify_followers", map[string]any{"since": "7d"})
		total := first["total"].(float64)
		require.Greater(t, total, 10.0)
		require.Equal(t, total, first["genuine"].(float64)+first["spam"].(float64)+first["bot"].(float64))
		require.Greater(t, first["genuine"], first["spam"].(float64)+first["bot"].(float64), "active outreach is not a spam wave")
		require.Equal(t, false, first["spam_wave"])
		require.Contains(t, first["answer"], "No:")
		for _, f := range first["followers"].([]any) {
			f := f.(map[string]any)
			require.Contains(t, []any{"genuine", "spam", "bot"}, f["class"])
			require.NotEmpty(t, f["reason"])
			require.Equal(t, "week/1/follow", f["driven_by"], "each follower is attributed to the step that drew it")
		}
		require.Contains(t, first["by_step"], "week/1/follow")

		second := perform(t, sb, "week/2/classify", "classify_followers", map[string]any{})
		require.Equal(t, float64(0), second["total"], "a follower is reported once")
		require.Contains(t, second["answer"], "No new followers")
	})
}

// TestSandboxReportsASpamWave: following accounts that are bots draws them all
// back, and the check calls it a wave by the shared rule (platforms.SpamWave).
func TestSandboxReportsASpamWave(t *testing.T) {
	sb := sandbox.New(storetest.SQLite(t))
	var accounts []any
	for i := range 12 {
		accounts = append(accounts, fmt.Sprintf("@bakery%08d", 31000000+i))
	}
	accounts = append(accounts, "@the_sourdough_fan1", "@daily_sourdough_club2")
	perform(t, sb, "week/1/follow", "follow_accounts", map[string]any{"accounts": accounts})

	out := perform(t, sb, "week/1/classify", "classify_followers", map[string]any{"since": "7d"})
	total, suspicious := int(out["total"].(float64)), int(out["spam"].(float64)+out["bot"].(float64))
	require.GreaterOrEqual(t, suspicious, 12, "bots follow back every time")
	require.True(t, platforms.SpamWave(total, suspicious))
	require.Equal(t, true, out["spam_wave"])
	require.Equal(t, float64(platforms.SuspiciousPercent(total, suspicious)), out["suspicious_percent"])
	require.Contains(t, out["answer"], "Yes:")
}

func TestSandboxClassifiesMentions(t *testing.T) {
	sb := sandbox.New(storetest.SQLite(t))
	for i, c := range []struct {
		text, want string
		subjects   []any
		extra      any
		reply      string
	}{
		{text: "I want a refund, this is a scam", want: "sensitive", subjects: []any{"money"}, reply: "direct message"},
		{text: "My lawyer will hear about this", want: "sensitive", subjects: []any{"legal"}, reply: "direct message"},
		{text: "My mum passed away last week, she loved your scones", want: "sensitive", subjects: []any{"death"}, reply: "so sorry"},
		{text: "Order #41 is late again. Disappointed.", want: "sensitive", subjects: []any{"complaint"}},
		{text: "Well, that was disappointing.", want: "unsure", reply: "tell us a bit more"},
		{text: "Love the new sourdough, thank you!", want: "routine", reply: "made our day"},
		{text: "No issue with the suede jacket", want: "routine", reply: "thanks for reaching out"},
		// The client's words, in both shapes a connector takes them.
		{text: "The nursery next door is closing", want: "sensitive", subjects: []any{"children"}, extra: map[string]any{"children": []any{"nursery"}}},
		{text: "The nursery next door is closing", want: "sensitive", subjects: []any{"children"}, extra: []any{"children: nursery"}},
		{text: "The nursery next door is closing", want: "routine"},
	} {
		in := map[string]any{"text": c.text, "author": "@dana", "brand": "Acme"}
		if c.extra != nil {
			in["extra_terms"] = c.extra
		}
		out := perform(t, sb, fmt.Sprintf("mention/%d", i), "classify_mention", in)
		require.Equal(t, c.want, out["sensitivity"], c.text)
		require.NotEmpty(t, out["reasons"], c.text)
		require.Contains(t, out["suggested_response"], "@dana", c.text)
		require.Contains(t, out["suggested_response"], c.reply, c.text)
		if c.subjects != nil {
			require.Equal(t, c.subjects, out["subjects"], c.text)
		}
		require.NotContains(t, out, "term_problems")
	}
	out := perform(t, sb, "mention/bad-terms", "classify_mention", map[string]any{
		"text": "Love the new sourdough, thank you!", "extra_terms": []any{"praise: sourdough"},
	})
	require.Equal(t, "unsure", out["sensitivity"], "a client list that could not be read leaves nothing routine")
	require.Len(t, out["term_problems"], 1)
}

func TestSandboxConversationCalmsOnceAnswered(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		sb := sandbox.New(st)
		mention := func(url string) {
			perform(t, sb, "classify "+url, "classify_mention", map[string]any{"text": "This is a scam, refund me", "url": url})
		}
		mention("https://x.sandbox.invalid/a/1")
		mention("https://x.sandbox.invalid/b/2")
		sent := perform(t, sb, "respond", "respond_to_mention", map[string]any{
			"url": "https://x.sandbox.invalid/a/1", "message": "Sorry, please DM us", "accounts": []any{"@a"},
		})
		require.Equal(t, true, sent["responded"])
		// The competitor guardrail emptied the list of whom to answer: nothing goes out.
		blocked := perform(t, sb, "respond-blocked", "respond_to_mention", map[string]any{
			"url": "https://x.sandbox.invalid/b/2", "message": "Hi", "accounts": []any{},
		})
		require.Equal(t, false, blocked["responded"])

		answered := perform(t, sb, "check a", "check_conversation", map[string]any{"url": "https://x.sandbox.invalid/a/1"})
		require.Equal(t, "improving", answered["sentiment"])
		require.Equal(t, true, answered["responded"])
		held := perform(t, sb, "check b", "check_conversation", map[string]any{"url": "https://x.sandbox.invalid/b/2"})
		require.Equal(t, "worsening", held["sentiment"])
		require.Equal(t, true, held["needs_attention"])
	})
}

// A world-reading action, retried after the world moved on, still returns what it
// first recorded: the key, not the world, decides.
func TestSandboxReplaysWorldReadingActions(t *testing.T) {
	sb := sandbox.New(storetest.SQLite(t))
	first := perform(t, sb, "measure", "measure_rank", map[string]any{"brand": "Acme"})
	perform(t, sb, "publish", "publish_posts", map[string]any{"brand": "Acme", "count": float64(5)})
	res, err := sb.Perform(context.Background(), platforms.Action{Key: "c1/measure", Name: "measure_rank", CampaignID: "c1", Client: "acme",
		Input: map[string]any{"brand": "Acme"}})
	require.NoError(t, err)
	require.True(t, res.Replayed)
	require.Equal(t, first, res.Output)
}
