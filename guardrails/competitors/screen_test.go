package competitors_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/idna"

	"github.com/greenlight/greenlight/guardrails/competitors"
	"github.com/greenlight/greenlight/platforms"
)

// rivals is a client's competitor list as a launch gives it: one competitor
// with an account on every platform and a domain, and one written the old way.
var rivals = []any{
	map[string]any{
		"name": "RivalCo",
		"accounts": map[string]any{
			"x":         []any{"@RivalCo"},
			"mastodon":  []any{"@rivalco@mastodon.social"},
			"bluesky":   []any{"rivalco.bsky.social"},
			"linkedin":  []any{"company/rivalco"},
			"instagram": []any{"rivalco"},
			"facebook":  []any{"RivalCo"},
			"tiktok":    []any{"@rivalco"},
			"youtube":   []any{"@RivalCo"},
		},
		"domains": []any{"rivalco.com"},
	},
	"@OldRival",
}

func guard(t *testing.T) *competitors.Guard {
	t.Helper()
	list, probs := competitors.Parse(rivals)
	require.Empty(t, probs)
	return competitors.New(list)
}

// The kinds of move the guardrail stands in front of.
const (
	follow   = "follow"
	like     = "like"
	reply    = "reply"
	repost   = "repost"
	quote    = "quote"
	share    = "share"
	postTag  = "post text with tag"
	postLink = "post text with link"
)

type blockCase struct {
	move    string
	action  string
	input   map[string]any
	at      string // the input the block is recorded under
	target  string // as written
	via     string
	matched string
	who     string // competitor; RivalCo when empty
}

func homoglyphDomain(t *testing.T) string {
	t.Helper()
	// rivalcо.com with a Cyrillic о, as a browser would send it.
	a, err := idna.Punycode.ToASCII("rivalc\u043e.com")
	require.NoError(t, err)
	require.NotEqual(t, "rivalco.com", a)
	return "https://" + a + "/offer"
}

func blockCases(t *testing.T) []blockCase {
	accounts := func(move, action, written, via, matched string) blockCase {
		in := map[string]any{"count": float64(5), "accounts": []any{"@fan_one", written, "@fan_two"}}
		return blockCase{move: move, action: action, input: in, at: "accounts", target: written, via: via, matched: matched}
	}
	one := func(move, action, key, written, via, matched string, rest map[string]any) blockCase {
		in := map[string]any{key: written}
		for k, v := range rest {
			in[k] = v
		}
		return blockCase{move: move, action: action, input: in, at: key, target: written, via: via, matched: matched}
	}
	posts := func(move string, post any, at, target, via, matched string) blockCase {
		in := map[string]any{"brand": "Acme", "count": float64(2), "posts": []any{
			map[string]any{"id": "post-1", "text": "Fresh bread at 7"}, post,
		}}
		return blockCase{move: move, action: "publish_posts", input: in, at: at, target: target, via: via, matched: matched}
	}
	by := func(who string, c blockCase) blockCase {
		c.who = who
		return c
	}
	const (
		onX    = "x account @RivalCo"
		onMast = "mastodon account @rivalco@mastodon.social"
		onBsky = "bluesky account rivalco.bsky.social"
		onDom  = "domain rivalco.com"
	)
	repostIn := map[string]any{"platform": "x"}
	quoteIn := map[string]any{"text": "Worth a read"}
	shareIn := map[string]any{"text": "Our take"}
	replyIn := map[string]any{"message": "Thanks for the kind words!"}
	cases := []blockCase{
		// follow_accounts: a handle any way it can be written, and profile URLs.
		accounts(follow, "follow_accounts", "@RivalCo", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "rivalco", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "RIVALCO", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "https://x.com/RivalCo", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "x.com/rivalco", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "https://twitter.com/RivalCo/", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "https://mobile.twitter.com/RivalCo?ref_src=twsrc%5Etfw#top", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "http://www.x.com/RIVALCO/with_replies", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "https://x.com/intent/follow?screen_name=RivalCo", competitors.ViaAccount, onX),
		accounts(follow, "follow_accounts", "＠ＲｉｖａｌＣｏ", competitors.ViaAccount, onX),           // fullwidth
		accounts(follow, "follow_accounts", "@r\u0456valco", competitors.ViaAccount, onX),      // Ukrainian і
		accounts(follow, "follow_accounts", "@Rival\u200bCo", competitors.ViaAccount, onX),     // zero-width space
		accounts(follow, "follow_accounts", "@R\u0131valC\u00f3", competitors.ViaAccount, onX), // dotless ı, accented ó
		accounts(follow, "follow_accounts", "@rivalco@mastodon.social", competitors.ViaAccount, onMast),
		accounts(follow, "follow_accounts", "https://mastodon.social/@rivalco", competitors.ViaAccount, onMast),
		accounts(follow, "follow_accounts", "https://mastodon.social/users/rivalco", competitors.ViaAccount, onMast),
		accounts(follow, "follow_accounts", "rivalco.bsky.social", competitors.ViaAccount, onBsky),
		accounts(follow, "follow_accounts", "https://bsky.app/profile/rivalco.bsky.social", competitors.ViaAccount, onBsky),
		accounts(follow, "follow_accounts", "https://www.linkedin.com/company/rivalco/", competitors.ViaAccount, "linkedin account company/rivalco"),
		accounts(follow, "follow_accounts", "https://www.instagram.com/rivalco/?hl=en", competitors.ViaAccount, "instagram account rivalco"),
		accounts(follow, "follow_accounts", "https://www.facebook.com/Rival.Co", competitors.ViaAccount, "facebook account RivalCo"),
		accounts(follow, "follow_accounts", "https://www.tiktok.com/@rivalco", competitors.ViaAccount, "tiktok account @rivalco"),
		accounts(follow, "follow_accounts", "https://www.youtube.com/@RivalCo/videos", competitors.ViaAccount, "youtube account @RivalCo"),
		accounts(follow, "follow_accounts", "https://blog.rivalco.com", competitors.ViaDomain, onDom),
		{move: follow, action: "follow_accounts", at: "accounts", target: "instagram.com/oldrival", via: competitors.ViaAccount,
			matched: "handle @OldRival (any platform)", who: "@OldRival",
			input: map[string]any{"count": float64(1), "accounts": []any{"instagram.com/oldrival"}}},

		// engage_posts likes and answers: the accounts, or their posts.
		accounts(like, "engage_posts", "@rivalco", competitors.ViaAccount, onX),
		accounts(like, "engage_posts", "https://x.com/RivalCo/status/1790000000000000000", competitors.ViaPost, onX),
		accounts(like, "engage_posts", "https://mastodon.social/@rivalco/112233445566", competitors.ViaPost, onMast),
		accounts(like, "engage_posts", "https://bsky.app/profile/rivalco.bsky.social/post/3kabc", competitors.ViaPost, onBsky),

		// respond_to_mention: the competitor's thread, its account, or a reply tagging it.
		one(reply, "respond_to_mention", "url", "https://x.com/RivalCo/status/123?s=20", competitors.ViaPost, onX, replyIn),
		one(reply, "respond_to_mention", "url", "https://www.tiktok.com/@rivalco/video/7300000000000", competitors.ViaPost, "tiktok account @rivalco", replyIn),
		{move: reply, action: "respond_to_mention", at: "accounts", target: "https://x.com/rivalco", via: competitors.ViaAccount, matched: onX,
			input: map[string]any{"url": "https://x.com/dana/status/9", "message": "Hi", "accounts": []any{"https://x.com/rivalco"}}},
		one(reply, "respond_to_mention", "message", "@RivalCo", competitors.ViaTag, onX,
			map[string]any{"url": "https://x.com/dana/status/9"}),

		// repost, quote, share: the post or link itself, or the text that goes with it.
		one(repost, "repost", "url", "https://twitter.com/rivalco/status/1", competitors.ViaPost, onX, repostIn),
		one(repost, "repost", "url", "https://www.facebook.com/rivalco/posts/pfbid0123", competitors.ViaPost, "facebook account RivalCo", repostIn),
		one(repost, "repost", "url", "https://www.linkedin.com/posts/rivalco_launch-day-activity-7123456-abcd", competitors.ViaPost, "linkedin account company/rivalco", repostIn),
		one(repost, "repost", "url", "https://www.instagram.com/stories/rivalco/3300/", competitors.ViaPost, "instagram account rivalco", repostIn),
		one(quote, "quote", "url", "https://mastodon.social/@rivalco/1", competitors.ViaPost, onMast, quoteIn),
		one(quote, "quote", "url", "https://www.youtube.com/@rivalco", competitors.ViaAccount, "youtube account @RivalCo", quoteIn),
		{move: quote, action: "quote", at: "text", target: "https://rivalco.com/pricing", via: competitors.ViaLink, matched: onDom,
			input: map[string]any{"url": "https://x.com/dana/status/2", "text": "Cheaper than https://rivalco.com/pricing!"}},
		one(share, "share", "url", "https://blog.rivalco.com/2024/launch?utm_source=x", competitors.ViaDomain, onDom, shareIn),
		one(share, "share", "url", "rivalco.com", competitors.ViaDomain, onDom, shareIn),
		one(share, "share", "url", "HTTPS://RIVALCO.COM./", competitors.ViaDomain, onDom, shareIn),
		one(share, "share", "url", homoglyphDomain(t), competitors.ViaDomain, onDom, shareIn),
		{move: share, action: "share", at: "text", target: "www.rivalco.com", via: competitors.ViaLink, matched: onDom,
			input: map[string]any{"url": "https://news.example/bread", "text": "Compare with www.rivalco.com."}},

		// publish_posts: a post that tags or links a competitor is dropped.
		posts(postTag, map[string]any{"id": "post-2", "text": "Hello @RivalCo!"}, "posts[1].text", "@RivalCo", competitors.ViaTag, onX),
		posts(postTag, map[string]any{"id": "post-2", "text": "cc @rivalco@mastodon.social"}, "posts[1].text", "@rivalco@mastodon.social", competitors.ViaTag, onMast),
		posts(postTag, "@rivalco.bsky.social is wrong about rye", "posts[1]", "@rivalco.bsky.social", competitors.ViaTag, onBsky),
		posts(postTag, map[string]any{"id": "post-2", "text": "\U0001D407\U0001D422 @\U0001D411\U0001D422\U0001D42F\U0001D41A\U0001D425\U0001D402\U0001D428"}, "posts[1].text",
			"@\U0001D411\U0001D422\U0001D42F\U0001D41A\U0001D425\U0001D402\U0001D428", competitors.ViaTag, onX), // mathematical bold
		by("@OldRival", posts(postTag, map[string]any{"id": "post-2", "text": "Ask @oldrival"}, "posts[1].text", "@oldrival", competitors.ViaTag, "handle @OldRival (any platform)")),
		posts(postLink, map[string]any{"id": "post-2", "text": "See RIVALCO.COM/deals"}, "posts[1].text", "RIVALCO.COM/deals", competitors.ViaLink, onDom),
		posts(postLink, map[string]any{"id": "post-2", "text": "Write to sales@rivalco.com"}, "posts[1].text", "sales@rivalco.com", competitors.ViaLink, onDom),
		posts(postLink, map[string]any{"id": "post-2", "text": "Their thread: https://x.com/RivalCo/status/5"}, "posts[1].text", "https://x.com/RivalCo/status/5", competitors.ViaLink, onX),
		posts(postLink, map[string]any{"id": "post-2", "text": "Look", "url": "https://instagram.com/rivalco"}, "posts[1].url", "https://instagram.com/rivalco", competitors.ViaAccount, "instagram account rivalco"),
	}
	for i := range cases {
		if cases[i].who == "" {
			cases[i].who = "RivalCo"
		}
	}
	return cases
}

// TestGuardrailBlocksEveryWayOfWritingACompetitor: every way of writing a
// competitor target, in every outreach and publishing action, is kept from
// the connector and recorded with the rule, the target as written and what
// it matched.
func TestGuardrailBlocksEveryWayOfWritingACompetitor(t *testing.T) {
	g := guard(t)
	cases := blockCases(t)
	require.GreaterOrEqual(t, len(cases), 30)
	moves := map[string]int{}
	for _, c := range cases {
		moves[c.move]++
		t.Run(c.move+"/"+c.target, func(t *testing.T) {
			spec, ok := platforms.Catalog[c.action]
			require.True(t, ok, c.action)
			given := clone(t, c.input)
			s := competitors.Screen(spec.Guarded, c.input, g, competitors.Override{})
			require.Equal(t, given, c.input, "the input given is not changed")
			require.Equal(t, []competitors.Block{{
				Rule: competitors.Rule, Input: c.at, Target: c.target,
				Match: competitors.Match{Competitor: c.who, Via: c.via, Matched: c.matched},
			}}, s.Blocked)
			switch list := s.Input[c.at].(type) {
			case []any:
				require.NotContains(t, list, c.target, "the blocked account is struck")
				require.False(t, s.Stopped)
			default:
				if c.action == "publish_posts" {
					posts := s.Input["posts"].([]any)
					require.Len(t, posts, 1, "the post that reaches the competitor is dropped, the other kept")
					require.Equal(t, "post-1", posts[0].(map[string]any)["id"])
					return
				}
				require.True(t, s.Stopped, "the action's own target or text stops it")
			}
		})
	}
	for _, m := range []string{follow, like, reply, repost, quote, share, postTag, postLink} {
		require.Positive(t, moves[m], "no case for %s", m)
	}
}

// TestGuardrailLetsLookAlikesThrough: matching is exact, never a substring.
func TestGuardrailLetsLookAlikesThrough(t *testing.T) {
	g := guard(t)
	for _, c := range []struct{ action, key, value string }{
		{"follow_accounts", "accounts", "@rivalcollective"},
		{"follow_accounts", "accounts", "@rivalco_fan"},
		{"follow_accounts", "accounts", "@rival"},
		{"follow_accounts", "accounts", "x.com/RivalCoFan"},
		{"follow_accounts", "accounts", "https://x.com/RivalCoFan/status/1"},
		{"follow_accounts", "accounts", "https://fosstodon.org/@rivalco"}, // the same name on another instance
		{"follow_accounts", "accounts", "https://mastodon.social/@rivalco2"},
		{"follow_accounts", "accounts", "rivalco.community"},
		{"follow_accounts", "accounts", "notrivalco.com"},
		{"follow_accounts", "accounts", "instagram.com/rivalcofans"},
		{"follow_accounts", "accounts", "https://www.linkedin.com/company/rivalco-fans"},
		{"follow_accounts", "accounts", "@oldrivals"},
		{"engage_posts", "accounts", "https://x.com/dana/status/123"}, // Dana's reply to RivalCo's post
		{"respond_to_mention", "url", "https://x.com/dana/status/123"},
		{"repost", "url", "https://notrivalco.com/post"},
		{"repost", "url", "https://rivalco.com.evil.example/post"},
		{"repost", "url", "https://evil.example/rivalco.com"},
		{"share", "url", "https://rivalco.community/about"},
		{"share", "text", "We beat RivalCo again #rivalco"},
		{"share", "text", "email dana@notrivalco.com or @rivalcollective"},
		{"quote", "text", "rivalco.com.evil.example is a scam site"},
	} {
		t.Run(c.action+"/"+c.value, func(t *testing.T) {
			in := map[string]any{"url": "https://news.example/a", "text": "hi", "message": "hi", "count": float64(1)}
			if c.key == "accounts" {
				in[c.key] = []any{c.value}
			} else {
				in[c.key] = c.value
			}
			s := competitors.Screen(platforms.Catalog[c.action].Guarded, in, g, competitors.Override{})
			require.Empty(t, s.Blocked)
			require.False(t, s.Stopped)
			require.Equal(t, in[c.key], s.Input[c.key])
		})
	}
	posts := []any{map[string]any{"text": "RivalCo's new loaf? Ours is better. #bread"}, "Visit acme.example"}
	s := competitors.Screen(platforms.Catalog["publish_posts"].Guarded, map[string]any{"posts": posts}, g, competitors.Override{})
	require.Empty(t, s.Blocked)
	require.Equal(t, posts, s.Input["posts"])
}

// A post link that does not show its author is let through and said so.
func TestGuardrailSaysWhichPostsItCannotAttribute(t *testing.T) {
	g := guard(t)
	for _, u := range []string{
		"https://www.instagram.com/p/C1a2b3/", "https://instagram.com/reel/C9/", "https://youtu.be/dQw4w9WgXcQ",
		"https://x.com/i/web/status/123", "https://vm.tiktok.com/ZM123/", "https://www.facebook.com/share/p/abc/",
		"https://www.linkedin.com/feed/update/urn:li:activity:7123/",
	} {
		s := competitors.Screen(platforms.Catalog["repost"].Guarded, map[string]any{"url": u}, g, competitors.Override{})
		require.Empty(t, s.Blocked, u)
		require.False(t, s.Stopped, u)
		require.Len(t, s.Unattributed, 1, u)
		require.Equal(t, competitors.Rule, s.Unattributed[0].Rule)
		require.Equal(t, u, s.Unattributed[0].Target)
		require.NotEmpty(t, s.Unattributed[0].Reason)
	}
}

// An override lets through exactly the blocks a person approved, and with
// Only, nothing the first run already did.
func TestGuardrailOverride(t *testing.T) {
	g := guard(t)
	spec := platforms.Catalog["follow_accounts"].Guarded
	in := map[string]any{"count": float64(5), "accounts": []any{"@fan", "@RivalCo", "instagram.com/oldrival"}}
	first := competitors.Screen(spec, in, g, competitors.Override{})
	require.Len(t, first.Blocked, 2)
	require.Equal(t, []any{"@fan"}, first.Input["accounts"])

	approved := first.Blocked[:1] // the person approved @RivalCo only
	again := competitors.Screen(spec, in, g, competitors.Override{Allowed: approved, Only: true})
	require.Equal(t, []any{"@RivalCo"}, again.Input["accounts"], "only what was approved, nothing done twice")
	require.Equal(t, approved, again.Allowed)
	require.Len(t, again.Blocked, 1, "what was not approved stays blocked")

	stopped := competitors.Screen(platforms.Catalog["repost"].Guarded, map[string]any{"url": "x.com/RivalCo/status/1"}, g, competitors.Override{})
	require.True(t, stopped.Stopped)
	lifted := competitors.Screen(platforms.Catalog["repost"].Guarded, map[string]any{"url": "x.com/RivalCo/status/1"}, g,
		competitors.Override{Allowed: stopped.Blocked})
	require.False(t, lifted.Stopped)
	require.Equal(t, "x.com/RivalCo/status/1", lifted.Input["url"])
	// An approval for another target lifts nothing.
	other := competitors.Screen(platforms.Catalog["repost"].Guarded, map[string]any{"url": "x.com/RivalCo/status/2"}, g,
		competitors.Override{Allowed: stopped.Blocked})
	require.True(t, other.Stopped)
}

// Every outreach action names the inputs the guardrail reads, and each is an
// input the action takes.
func TestEveryOutreachActionIsGuarded(t *testing.T) {
	for _, name := range platforms.ActionNames() {
		spec := platforms.Catalog[name]
		if spec.Outreach {
			require.NotEmpty(t, spec.Guarded, "%s touches other people's accounts but the guardrail reads none of its inputs", name)
		}
		for _, gi := range spec.Guarded {
			require.True(t, slices.Contains(spec.Required, gi.Input) || slices.Contains(spec.Optional, gi.Input), "%s guards %s, which it does not take", name, gi.Input)
			require.Contains(t, []string{platforms.GuardAccounts, platforms.GuardTarget, platforms.GuardText, platforms.GuardPosts}, gi.As)
		}
	}
	for _, name := range []string{"follow_accounts", "engage_posts", "respond_to_mention", "repost", "quote", "share", "publish_posts"} {
		require.NotEmpty(t, platforms.Catalog[name].Guarded, name)
	}
}

func clone(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
