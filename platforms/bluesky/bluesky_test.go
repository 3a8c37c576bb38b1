package bluesky

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/connectortest"
)

func newLog() *connectortest.TestLog { return connectortest.NewTestLog() }

func newConnector(t *testing.T, f *fakePDS, log platforms.ActionLog) *Connector {
	t.Helper()
	c, err := New(f.config(), log)
	require.NoError(t, err)
	return c
}

func action(key, name string, in map[string]any) platforms.Action {
	return platforms.Action{Key: key, Name: name, CampaignID: "c1", Client: "acme", Input: in}
}

func publishAction(key string) platforms.Action {
	return action(key, "publish_posts", map[string]any{"brand": "Acme", "count": float64(2),
		"posts": []any{map[string]any{"text": "Fresh loaves today", "url": "https://acme.example/bread"}, "second post", "third, over count"}})
}

func alicePost(f *fakePDS) fakeRecord { return f.records["at://did:plc:alice/"+collPost+"/"+tid(1)] }
func bobReply(f *fakePDS) fakeRecord  { return f.records["at://did:plc:bob/"+collPost+"/"+tid(2)] }

func TestNewRefusesPlainHTTPAndMissingCredentials(t *testing.T) {
	log := newLog()
	_, err := New(Config{Service: "http://pds.example", Identifier: brandHandle, AppPassword: appPassword}, log)
	require.Error(t, err)
	_, err = New(Config{Service: "https://pds.example", AppPassword: appPassword}, log)
	require.Error(t, err)
	_, err = New(Config{Service: "https://pds.example", Identifier: brandHandle}, log)
	require.Error(t, err)
	_, err = New(Config{Service: "https://pds.example", Identifier: brandHandle, AppPassword: appPassword}, nil)
	require.Error(t, err)
}

func TestPublishPostsOncePerKey(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	ctx := context.Background()

	first, err := c.Perform(ctx, publishAction("k1"))
	require.NoError(t, err)
	require.False(t, first.Replayed)
	require.Equal(t, false, first.Output["simulated"])
	require.Equal(t, "bluesky", first.Output["platform"])
	require.Equal(t, 2, first.Output["count"], "count caps the posts published")

	posts := f.brandRecords(collPost)
	require.Len(t, posts, 2)
	require.Equal(t, "Fresh loaves today\n\nhttps://acme.example/bread", posts[0].Value["text"], "a post's url follows its text")
	require.Equal(t, "second post", posts[1].Value["text"])
	// The link is marked as one, by UTF-8 byte offsets.
	facets := posts[0].Value["facets"].([]any)
	require.Len(t, facets, 1)
	facet := facets[0].(map[string]any)
	index := facet["index"].(map[string]any)
	require.Equal(t, float64(len("Fresh loaves today\n\n")), index["byteStart"])
	require.Equal(t, float64(len(posts[0].Value["text"].(string))), index["byteEnd"])
	feature := facet["features"].([]any)[0].(map[string]any)
	require.Equal(t, "app.bsky.richtext.facet#link", feature["$type"])
	require.Equal(t, "https://acme.example/bread", feature["uri"])

	out := first.Output["posts"].([]any)[0].(map[string]any)
	require.Equal(t, posts[0].URI, out["uri"])
	require.Equal(t, posts[0].CID, out["cid"])
	rkey := strings.TrimPrefix(posts[0].URI, "at://"+brandDID+"/"+collPost+"/")
	require.Equal(t, "https://bsky.app/profile/brand.test/post/"+rkey, out["url"])

	again, err := c.Perform(ctx, publishAction("k1"))
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Len(t, f.brandRecords(collPost), 2, "a key performed twice posts once")
	require.Equal(t, 1, f.count("com.atproto.server.createSession"), "one login serves every call")

	_, err = c.Perform(ctx, publishAction("k2"))
	require.NoError(t, err)
	require.Len(t, f.brandRecords(collPost), 4, "another key posts again")
}

func TestRecordKeysAreTIDsDerivedFromTheKey(t *testing.T) {
	seen := map[string]bool{}
	for i := range 1000 {
		key := "campaign/step/" + strconv.Itoa(i)
		rk := rkeyFor(key)
		tid, err := syntax.ParseTID(rk)
		require.NoError(t, err, "a record key of a TID collection must be a TID")
		require.True(t, tid.Time().Before(time.Now()), "a TID in the future is suspect")
		require.Equal(t, rk, rkeyFor(key), "the same key, the same record key")
		require.False(t, seen[rk], "two keys, two record keys")
		seen[rk] = true
	}
}

// A crash after the PDS accepted a post loses its result; the retry writes
// at the same record key, is refused, and returns the post already there.
func TestRetryAfterLostRecordReturnsTheExistingPost(t *testing.T) {
	f := newFake(t)
	log := newLog()
	log.LoseNext()
	c := newConnector(t, f, log)
	ctx := context.Background()
	a := action("k-lost", "quote", map[string]any{"url": f.webURL(bobReply(f)), "text": "Good question!"})

	_, err := c.Perform(ctx, a)
	require.Error(t, err)
	require.False(t, notify.IsPermanent(err), "a lost record is retried")
	require.Len(t, f.brandRecords(collPost), 1)

	res, err := c.Perform(ctx, a)
	require.NoError(t, err)
	require.False(t, res.Replayed)
	posts := f.brandRecords(collPost)
	require.Len(t, posts, 1, "the retry posts no second time")
	require.Equal(t, 2, f.count("com.atproto.repo.createRecord"), "the retry tried the same record key")
	require.Equal(t, posts[0].URI, res.Output["uri"])
	require.Equal(t, posts[0].CID, res.Output["cid"])
}

func TestRespondToMentionRepliesInItsThread(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	reply, root := bobReply(f), alicePost(f)
	res, err := c.Perform(context.Background(), action("k-reply", "respond_to_mention",
		map[string]any{"url": f.webURL(reply), "message": "It's on Main Street, see https://acme.example/map"}))
	require.NoError(t, err)

	posts := f.brandRecords(collPost)
	require.Len(t, posts, 1)
	ref := posts[0].Value["reply"].(map[string]any)
	require.Equal(t, map[string]any{"uri": reply.URI, "cid": reply.CID}, ref["parent"], "the parent is the mention")
	require.Equal(t, map[string]any{"uri": root.URI, "cid": root.CID}, ref["root"], "the root is the thread's first post")
	require.Equal(t, "It's on Main Street, see https://acme.example/map", posts[0].Value["text"])
	require.Len(t, posts[0].Value["facets"], 1)
	require.Equal(t, posts[0].URI, res.Output["uri"])
	require.Equal(t, reply.URI, res.Output["in_reply_to_uri"])
	require.Equal(t, 1, f.count("com.atproto.identity.resolveHandle"), "the handle in the URL is resolved to its DID")
}

func TestRespondToATopLevelMentionRootsAtIt(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	root := alicePost(f)
	_, err := c.Perform(context.Background(), action("k-reply", "respond_to_mention",
		map[string]any{"url": root.URI, "message": "Main Street!"}))
	require.NoError(t, err)
	ref := f.brandRecords(collPost)[0].Value["reply"].(map[string]any)
	want := map[string]any{"uri": root.URI, "cid": root.CID}
	require.Equal(t, want, ref["parent"])
	require.Equal(t, want, ref["root"])
}

func TestRespondRefusesWhatItCannotDo(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	ctx := context.Background()
	for name, in := range map[string]map[string]any{
		"private":      {"url": f.webURL(alicePost(f)), "message": "hi", "private": true},
		"not bluesky":  {"url": "https://x.example/fan1/status/1", "message": "hi"},
		"no message":   {"url": f.webURL(alicePost(f)), "message": " "},
		"no such post": {"url": "https://bsky.app/profile/alice.test/post/" + tid(40), "message": "hi"},
	} {
		_, err := c.Perform(ctx, action("k-"+name, "respond_to_mention", in))
		require.Error(t, err, name)
		require.True(t, notify.IsPermanent(err), "%s: %v", name, err)
	}
	require.Empty(t, f.brandRecords(collPost))
	_, err := c.Perform(ctx, action("k-missing", "respond_to_mention", map[string]any{"url": "https://bsky.app/profile/alice.test/post/" + tid(40), "message": "hi"}))
	require.ErrorContains(t, err, "RecordNotFound", "the PDS's error is in the text")
}

func TestRepostReferencesThePost(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	post := alicePost(f)
	res, err := c.Perform(context.Background(), action("k-rp", "repost", map[string]any{"url": f.webURL(post)}))
	require.NoError(t, err)
	reposts := f.brandRecords(collRepost)
	require.Len(t, reposts, 1)
	require.Equal(t, map[string]any{"uri": post.URI, "cid": post.CID}, reposts[0].Value["subject"])
	require.Equal(t, collRepost, reposts[0].Value["$type"])
	require.Equal(t, reposts[0].URI, res.Output["uri"])
	require.Equal(t, f.webURL(post), res.Output["url"])
}

func TestQuoteEmbedsThePostAndShareALinkCard(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	ctx := context.Background()
	post := alicePost(f)

	_, err := c.Perform(ctx, action("k-q", "quote", map[string]any{"url": f.webURL(post), "text": "We're on Main Street"}))
	require.NoError(t, err)
	_, err = c.Perform(ctx, action("k-s", "share", map[string]any{"url": "https://acme.example/news"}))
	require.NoError(t, err)
	_, err = c.Perform(ctx, action("k-q0", "quote", map[string]any{"url": f.webURL(post)}))
	require.True(t, notify.IsPermanent(err), "a quote needs text")

	posts := f.brandRecords(collPost)
	require.Len(t, posts, 2)
	require.Equal(t, map[string]any{"$type": "app.bsky.embed.record", "record": map[string]any{"uri": post.URI, "cid": post.CID}},
		posts[0].Value["embed"])
	embed := posts[1].Value["embed"].(map[string]any)
	require.Equal(t, "app.bsky.embed.external", embed["$type"])
	require.Equal(t, "https://acme.example/news", embed["external"].(map[string]any)["uri"])
	require.Equal(t, "https://acme.example/news", posts[1].Value["text"], "a share without text says its link")
}

func TestFollowNeverFollowsTwice(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	ctx := context.Background()
	f.mu.Lock()
	f.put(brandDID, collFollow, tid(30), map[string]any{"$type": collFollow, "subject": "did:plc:bob", "createdAt": "2026-11-01T00:00:00.000Z"})
	f.mu.Unlock()

	res, err := c.Perform(ctx, action("k-f1", "follow_accounts", map[string]any{"count": float64(5),
		"accounts": []any{"@alice.test", "https://bsky.app/profile/bob.test", "did:plc:fan1"}}))
	require.NoError(t, err)
	follows := f.brandRecords(collFollow)
	require.Len(t, follows, 3, "bob was followed already")
	require.Equal(t, "did:plc:alice", follows[1].Value["subject"])
	require.Equal(t, "did:plc:fan1", follows[2].Value["subject"])
	require.Equal(t, 2, res.Output["count"])
	require.Len(t, res.Output["already_following"], 1)

	_, err = c.Perform(ctx, action("k-f2", "follow_accounts", map[string]any{"count": float64(5), "accounts": []any{"alice.test"}}))
	require.NoError(t, err)
	require.Len(t, f.brandRecords(collFollow), 3, "another action does not follow alice again")

	res, err = c.Perform(ctx, action("k-f3", "follow_accounts", map[string]any{"count": float64(0), "accounts": []any{"alice.test"}}))
	require.NoError(t, err)
	require.Equal(t, 1, res.Output["remaining"], "count caps the follows")
}

func TestFollowRefusesABadHandle(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	_, err := c.Perform(context.Background(), action("k-f", "follow_accounts", map[string]any{"count": float64(1), "accounts": []any{"nobody.test"}}))
	require.True(t, notify.IsPermanent(err))
	require.ErrorContains(t, err, "Unable to resolve handle")
}

func TestEngageLikesEachAccountsLatestOwnPost(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	ctx := context.Background()
	// bob's feed, newest first: his repost of alice, his news, his reply.
	res, err := c.Perform(ctx, action("k-e", "engage_posts", map[string]any{"accounts": []any{"bob.test", "brandless.test"}, "count": float64(1)}))
	require.NoError(t, err)
	likes := f.brandRecords(collLike)
	require.Len(t, likes, 1)
	news := f.records["at://did:plc:bob/"+collPost+"/"+tid(3)]
	require.Equal(t, map[string]any{"uri": news.URI, "cid": news.CID}, likes[0].Value["subject"], "not the repost, not the reply")
	require.Equal(t, 1, res.Output["likes"])

	_, err = c.Perform(ctx, action("k-e2", "engage_posts", map[string]any{"accounts": []any{"bob.test"}}))
	require.NoError(t, err)
	require.Len(t, f.brandRecords(collLike), 1, "a post liked already is not liked again")
}

func TestExpiredTokenRefreshesTheSessionOnce(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	ctx := context.Background()
	_, err := c.Perform(ctx, action("k1", "repost", map[string]any{"url": f.webURL(alicePost(f))}))
	require.NoError(t, err)

	f.expireAccess()
	_, err = c.Perform(ctx, action("k2", "repost", map[string]any{"url": f.webURL(bobReply(f))}))
	require.NoError(t, err)
	require.Len(t, f.brandRecords(collRepost), 2)
	require.Equal(t, 1, f.count("com.atproto.server.refreshSession"))
	require.Equal(t, 1, f.count("com.atproto.server.createSession"), "a refresh is not a new login")

	// When the refresh token has expired too, the connector logs in again.
	f.mu.Lock()
	f.expired[f.access] = true
	f.refresh = "revoked"
	f.mu.Unlock()
	_, err = c.Perform(ctx, action("k3", "quote", map[string]any{"url": f.webURL(alicePost(f)), "text": "yes"}))
	require.NoError(t, err)
	require.Equal(t, 2, f.count("com.atproto.server.createSession"))
}

func TestWrongAppPasswordIsPermanent(t *testing.T) {
	f := newFake(t)
	cfg := f.config()
	cfg.AppPassword = "wrong"
	c, err := New(cfg, newLog())
	require.NoError(t, err)
	_, err = c.Perform(context.Background(), publishAction("k1"))
	require.True(t, notify.IsPermanent(err))
	require.ErrorContains(t, err, "Invalid identifier or password")
	require.NotContains(t, err.Error(), "wrong", "the password stays out of errors")
}

func TestRateLimitWaitsUntilReset(t *testing.T) {
	f := newFake(t)
	reset := time.Now().Add(90 * time.Second)
	f.fail = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "com.atproto.repo.createRecord") {
			return false
		}
		w.Header().Set("RateLimit-Limit", "5000")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		w.Header().Set("RateLimit-Policy", "5000;w=3600")
		xrpcError(w, http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
		return true
	}
	c := newConnector(t, f, newLog())
	_, err := c.Perform(context.Background(), publishAction("k1"))
	require.Error(t, err)
	require.False(t, notify.IsPermanent(err))
	after, ok := notify.RetryAfter(err)
	require.True(t, ok, "a rate limit says how long to wait: %v", err)
	require.InDelta(t, 90, after.Seconds(), 3)
	require.ErrorContains(t, err, "RateLimitExceeded")
	require.Empty(t, f.brandRecords(collPost))
}

func TestServerErrorIsRetryableAndRefusalIsNot(t *testing.T) {
	f := newFake(t)
	down := true
	f.fail = func(w http.ResponseWriter, r *http.Request) bool {
		if down && strings.HasSuffix(r.URL.Path, "com.atproto.repo.createRecord") {
			xrpcError(w, http.StatusBadGateway, "UpstreamFailure", "upstream failed")
			return true
		}
		return false
	}
	c := newConnector(t, f, newLog())
	ctx := context.Background()
	_, err := c.Perform(ctx, publishAction("k1"))
	require.Error(t, err)
	require.False(t, notify.IsPermanent(err), "a 5xx may pass")
	_, ok := notify.RetryAfter(err)
	require.False(t, ok)

	down = false
	long := strings.Repeat("bread ", 60)
	_, err = c.Perform(ctx, action("k2", "publish_posts", map[string]any{"count": float64(1), "posts": []any{long}}))
	require.True(t, notify.IsPermanent(err), "an invalid record will not pass")
	require.ErrorContains(t, err, "InvalidRecord: Record/text must not be longer than 300 graphemes")

	_, err = c.Perform(ctx, action("k3", "no_such_action", nil))
	require.True(t, notify.IsPermanent(err))
}

func TestNotificationsSortsMentionsRepliesAndFollows(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	page, err := c.Notifications(context.Background(), "")
	require.NoError(t, err)

	require.Len(t, page.Mentions, 1)
	m := page.Mentions[0]
	require.Equal(t, alicePost(f).URI, m.URI)
	require.Equal(t, "alice.test", m.Author)
	require.Equal(t, "@brand.test where is the bakery?", m.Text)
	require.Equal(t, f.webURL(alicePost(f)), m.URL)

	require.Len(t, page.Replies, 1)
	require.Equal(t, "bob.test", page.Replies[0].Author)
	require.Equal(t, alicePost(f).URI, page.Replies[0].ReplyTo)

	require.Len(t, page.Follows, 1)
	require.Equal(t, Follower{DID: "did:plc:bob", Handle: "bob.test", URL: "https://bsky.app/profile/bob.test",
		Created: "2024-01-01T00:00:00.000Z", FollowedAt: "2026-11-29T10:05:00.000Z"}, page.Follows[0])
	require.NotEmpty(t, page.Cursor)
}

func TestConcurrentCallsShareOneRefresh(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	ctx := context.Background()
	_, err := c.Perform(ctx, action("k0", "repost", map[string]any{"url": f.webURL(alicePost(f))}))
	require.NoError(t, err)
	f.expireAccess()

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = c.Perform(ctx, action("k"+strconv.Itoa(i+1), "quote",
				map[string]any{"url": f.webURL(bobReply(f)), "text": "reply " + strconv.Itoa(i)}))
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, f.brandRecords(collPost), len(errs))
	require.Equal(t, 1, f.count("com.atproto.server.refreshSession"), "calls that saw the token expire together refresh it once")
}

func TestOversizedResponseIsCut(t *testing.T) {
	f := newFake(t)
	f.fail = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "com.atproto.identity.resolveHandle") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"did":"did:plc:alice","padding":"`))
		_, _ = w.Write([]byte(strings.Repeat("x", maxBody+1)))
		_, _ = w.Write([]byte(`"}`))
		return true
	}
	c := newConnector(t, f, newLog())
	_, err := c.Perform(context.Background(), action("k", "repost", map[string]any{"url": f.webURL(alicePost(f))}))
	require.Error(t, err, "a body past the bound is not read whole")
	require.Empty(t, f.brandRecords(collRepost))
}
