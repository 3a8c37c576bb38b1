package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/connectortest"
)

func newLog() *connectortest.TestLog { return connectortest.NewTestLog() }

func newConnector(t *testing.T, f *fakeMastodon, log platforms.ActionLog) *Connector {
	t.Helper()
	c, err := New(f.config(), log)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func publishAction(key string) platforms.Action {
	return platforms.Action{Key: key, Name: "publish_posts", CampaignID: "c1", Client: "acme",
		Input: map[string]any{"brand": "Acme", "count": float64(2),
			"posts": []any{map[string]any{"text": "first post"}, "second post"}}}
}

func TestPerformTwiceActsOnce(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	first, err := c.Perform(context.Background(), publishAction("k1"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Replayed || first.Simulated || first.Output["simulated"] != false {
		t.Fatalf("first result: %+v", first)
	}
	again, err := c.Perform(context.Background(), publishAction("k1"))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Replayed {
		t.Fatal("second perform was not a replay")
	}
	if got := len(f.ownStatuses()); got != 2 {
		t.Fatalf("statuses on the instance = %d, want 2", got)
	}
	if f.posts != 2 {
		t.Fatalf("status requests = %d, want 2 (the replay must not reach the instance)", f.posts)
	}
	a, _ := json.Marshal(first.Output)
	b, _ := json.Marshal(again.Output)
	if string(a) != string(b) {
		t.Fatalf("replay output differs:\n%s\n%s", a, b)
	}
}

func TestCrashBeforeRecordRetriesToOneStatus(t *testing.T) {
	f := newFake(t)
	log := newLog()
	log.LoseNext()
	c := newConnector(t, f, log)
	if _, err := c.Perform(context.Background(), publishAction("k2")); err == nil {
		t.Fatal("a failed record must fail the perform, so the activity retries")
	} else if notify.IsPermanent(err) {
		t.Fatalf("a failed record is transient, got permanent: %v", err)
	}
	r, err := c.Perform(context.Background(), publishAction("k2"))
	if err != nil {
		t.Fatal(err)
	}
	own := f.ownStatuses()
	if len(own) != 2 {
		t.Fatalf("statuses on the instance = %d, want 2 (one per post)", len(own))
	}
	if f.posts != 4 {
		t.Fatalf("status requests = %d, want 4: the retry reached the instance, which answered by Idempotency-Key", f.posts)
	}
	posts := r.Output["posts"].([]any)
	for i, p := range posts {
		if got := p.(map[string]any)["id"]; got != own[i].ID {
			t.Fatalf("post %d id = %v, want the first status %s", i, got, own[i].ID)
		}
	}
}

func TestEveryAction(t *testing.T) {
	tests := []struct {
		name  string
		input map[string]any
		check func(t *testing.T, f *fakeMastodon, out map[string]any)
	}{
		{"publish_posts", publishAction("").Input, func(t *testing.T, f *fakeMastodon, out map[string]any) {
			own := f.ownStatuses()
			if len(own) != 2 || own[0].Content != "<p>first post</p>" || own[1].Content != "<p>second post</p>" {
				t.Fatalf("statuses: %+v", own)
			}
			p := out["posts"].([]any)[1].(map[string]any)
			if p["url"] != own[1].URL || p["id"] != own[1].ID || out["count"] != 2 {
				t.Fatalf("output: %v", out)
			}
		}},
		{"respond_to_mention", map[string]any{"url": "https://other.example/@alice/9001", "message": "Thanks!", "private": true},
			func(t *testing.T, f *fakeMastodon, out map[string]any) {
				own := f.ownStatuses()
				if len(own) != 1 || own[0].InReplyToID == nil || *own[0].InReplyToID != "9001" || own[0].Visibility != "direct" {
					t.Fatalf("reply: %+v", own)
				}
				if own[0].Content != "<p>@alice@other.example Thanks!</p>" {
					t.Fatalf("a direct reply must mention its author: %q", own[0].Content)
				}
				if out["url"] != own[0].URL || out["in_reply_to_id"] != "9001" || out["private"] != true {
					t.Fatalf("output: %v", out)
				}
			}},
		{"respond_to_mention", map[string]any{"url": "https://other.example/@alice/9001", "message": "@alice@other.example hi"},
			func(t *testing.T, f *fakeMastodon, out map[string]any) {
				own := f.ownStatuses()
				if len(own) != 1 || own[0].Visibility != "public" || own[0].Content != "<p>@alice@other.example hi</p>" {
					t.Fatalf("public reply: %+v", own)
				}
			}},
		{"respond_to_mention", map[string]any{"url": "https://other.example/@alice/9001", "message": "Thanks, @bob!",
			"accounts": []any{"@carol@third.example", "bob", "https://other.example/@dave"}},
			func(t *testing.T, f *fakeMastodon, out map[string]any) {
				own := f.ownStatuses()
				if len(own) != 1 || own[0].Content != "<p>@alice@other.example @carol@third.example Thanks, @bob!</p>" {
					t.Fatalf("a reply mentions the thread's people once each, handles only: %+v", own)
				}
			}},
		{"repost", map[string]any{"url": "https://other.example/@alice/9001"}, func(t *testing.T, f *fakeMastodon, out map[string]any) {
			if f.reblogs["9001"] == "" || out["id"] != f.reblogs["9001"] || out["reblogged_id"] != "9001" {
				t.Fatalf("reblogs %v, output %v", f.reblogs, out)
			}
		}},
		{"quote", map[string]any{"url": "https://other.example/@alice/9001", "text": "Worth reading"},
			func(t *testing.T, f *fakeMastodon, out map[string]any) {
				own := f.ownStatuses()
				if len(own) != 1 || own[0].Content != "<p>Worth reading\n\nhttps://other.example/@alice/9001</p>" {
					t.Fatalf("quote: %+v", own)
				}
				if out["url"] != own[0].URL || out["quoted_url"] != "https://other.example/@alice/9001" {
					t.Fatalf("output: %v", out)
				}
			}},
		{"share", map[string]any{"url": "https://acme.example/blog/launch"}, func(t *testing.T, f *fakeMastodon, out map[string]any) {
			if own := f.ownStatuses(); len(own) != 1 || own[0].Content != "<p>https://acme.example/blog/launch</p>" {
				t.Fatalf("share: %+v", own)
			}
		}},
		{"follow_accounts", map[string]any{"count": float64(2), "accounts": []any{"@alice@other.example", "https://" + "BOBURL", "carol@x.example"}},
			func(t *testing.T, f *fakeMastodon, out map[string]any) {
				if !f.follows["101"] || !f.follows["102"] || len(f.follows) != 2 {
					t.Fatalf("follows: %v", f.follows)
				}
				if out["count"] != 2 || out["remaining"] != 1 {
					t.Fatalf("output: %v", out)
				}
			}},
		{"engage_posts", map[string]any{"accounts": []string{"bob"}}, func(t *testing.T, f *fakeMastodon, out map[string]any) {
			if !f.favourites["9002"] || len(f.favourites) != 1 {
				t.Fatalf("favourites: %v", f.favourites)
			}
			liked := out["liked"].([]any)
			if len(liked) != 1 || liked[0].(map[string]any)["status_id"] != "9002" {
				t.Fatalf("output: %v", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			in := map[string]any{}
			for k, v := range tt.input {
				if v == "https://BOBURL" {
					v = f.srv.URL + "/@bob"
				}
				if l, ok := v.([]any); ok {
					l = append([]any(nil), l...)
					for i := range l {
						if l[i] == "https://BOBURL" {
							l[i] = f.srv.URL + "/@bob"
						}
					}
					v = l
				}
				in[k] = v
			}
			c := newConnector(t, f, newLog())
			r, err := c.Perform(context.Background(), platforms.Action{Key: "key-" + tt.name, Name: tt.name, Client: "acme", Input: in})
			if err != nil {
				t.Fatal(err)
			}
			if r.Simulated || r.Output["simulated"] != false || r.Output["platform"] != Name {
				t.Fatalf("result must say it is real: %+v", r)
			}
			tt.check(t, f, r.Output)
			if b, _ := json.Marshal(r.Output); strings.Contains(string(b), testToken) {
				t.Fatal("the token appears in the output")
			}
		})
	}
}

func TestUnsupportedActionIsPermanent(t *testing.T) {
	c := newConnector(t, newFake(t), newLog())
	_, err := c.Perform(context.Background(), platforms.Action{Key: "k", Name: "measure_rank"})
	if !notify.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
}

func TestErrorMapping(t *testing.T) {
	reset := time.Now().Add(90 * time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		token     string
		permanent bool
		after     time.Duration // > 0: a RetryAfterError of about this much
		message   string
	}{
		{"bad token", 0, nil, "", "wrong-token", true, 0, "The access token is invalid"},
		{"forbidden", 403, nil, `{"error":"This action is not allowed"}`, "", true, 0, "This action is not allowed"},
		{"not found", 404, nil, `{"error":"Record not found"}`, "", true, 0, "Record not found"},
		{"invalid", 422, nil, `{"error":"Validation failed: Text character limit of 500 exceeded"}`, "", true, 0, "character limit"},
		{"rate limited, reset", 429, map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
			`{"error":"Too many requests"}`, "", false, 90 * time.Second, "Too many requests"},
		{"rate limited, retry-after", 429, map[string]string{"Retry-After": "30"}, `{"error":"Too many requests"}`, "", false, 30 * time.Second, ""},
		{"unavailable", 503, nil, "<html>down</html>", "", false, 0, "Service Unavailable"},
		{"server error", 500, nil, `{"error":"boom"}`, "", false, 0, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			if tt.status != 0 {
				f.fail = func(w http.ResponseWriter, r *http.Request) bool {
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte(tt.body))
					return true
				}
			}
			cfg := f.config()
			if tt.token != "" {
				cfg.AccessToken = tt.token
			}
			log := newLog()
			c, err := New(cfg, log)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Perform(context.Background(), publishAction("k"))
			if err == nil {
				t.Fatal("no error")
			}
			if notify.IsPermanent(err) != tt.permanent {
				t.Fatalf("permanent = %v, want %v: %v", notify.IsPermanent(err), tt.permanent, err)
			}
			after, ok := notify.RetryAfter(err)
			if tt.after > 0 && (!ok || after < tt.after-5*time.Second || after > tt.after) {
				t.Fatalf("retry after = %v, %v; want about %v", after, ok, tt.after)
			}
			if tt.after == 0 && ok {
				t.Fatalf("unexpected retry after %v", after)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %q does not carry %q", err, tt.message)
			}
			if strings.Contains(err.Error(), cfg.AccessToken) {
				t.Fatalf("the token appears in the error: %v", err)
			}
			if log.Memory.Len() != 0 {
				t.Fatal("a failed action was recorded")
			}
		})
	}
}

func TestNetworkErrorIsTransient(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	f.srv.Close()
	_, err := c.Perform(context.Background(), publishAction("k"))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("err = %v, want transient", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Fatalf("the token appears in the error: %v", err)
	}
}

func TestCanceledContextStopsTheCall(t *testing.T) {
	f := newFake(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.block = func(r *http.Request) {
		once.Do(func() { close(arrived) })
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	defer close(release)
	log := newLog()
	c := newConnector(t, f, log)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.Perform(ctx, publishAction("k"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if log.Memory.Len() != 0 {
		t.Fatal("a canceled action was recorded")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Server: "http://mastodon.example", AccessToken: "t"}, // plain http off loopback
		{Server: "mastodon.example", AccessToken: "t"},
		{Server: "https://mastodon.example"},
	} {
		if _, err := New(cfg, newLog()); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		} else if strings.Contains(err.Error(), "t\"") {
			t.Errorf("error quotes the token: %v", err)
		}
	}
	if _, err := New(Config{Server: "https://mastodon.example", AccessToken: "t"}, nil); err == nil {
		t.Error("New accepted no action log")
	}
}

func TestMentionsAndNewFollowers(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	ms, err := c.Mentions(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].ID != "1" || ms[0].StatusID != "9001" || ms[0].Author != "alice@other.example" ||
		ms[0].URL != "https://other.example/@alice/9001" || ms[0].Content != "<p>@brand hello</p>" {
		t.Fatalf("mentions: %+v", ms)
	}
	if ms, err = c.Mentions(context.Background(), "1"); err != nil || len(ms) != 0 {
		t.Fatalf("mentions since 1: %+v, %v", ms, err)
	}
	fs, err := c.NewFollowers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].ID != "2" || fs[0].AccountID != "102" || fs[0].Acct != "bob" || fs[0].FollowedAt == "" {
		t.Fatalf("followers: %+v", fs)
	}
	f.fail = func(w http.ResponseWriter, r *http.Request) bool {
		apiError(w, http.StatusForbidden, "This action is outside the authorized scopes")
		return true
	}
	if _, err := c.NewFollowers(context.Background(), ""); !notify.IsPermanent(err) || !strings.Contains(err.Error(), "scopes") {
		t.Fatalf("err = %v, want permanent with the scope message", err)
	}
}

func TestOptimizeProfileChecksAndChangesNothing(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f, newLog())
	res, err := c.Perform(context.Background(), platforms.Action{Key: "p1", Name: "optimize_profile",
		Input: map[string]any{"brand": "Acme", "platforms": []any{"mastodon"}}})
	if err != nil {
		t.Fatal(err)
	}
	missing, _ := res.Output["missing"].([]any)
	want := []any{"display name with the brand", "bio", "profile links", "avatar"}
	if fmt.Sprint(missing) != fmt.Sprint(want) {
		t.Errorf("missing = %v, want %v", missing, want)
	}
	if res.Output["changed"] != false || res.Output["simulated"] != false {
		t.Errorf("output = %v: a real check that changes nothing", res.Output)
	}

	f.mu.Lock()
	f.me["display_name"], f.me["note"], f.me["avatar"] = "Acme Bakery", "Bread since 1921", f.srv.URL+"/avatars/acme.png"
	f.me["fields"] = []any{map[string]any{"name": "Web", "value": "acme.example"}}
	f.mu.Unlock()
	res, err = c.Perform(context.Background(), platforms.Action{Key: "p2", Name: "optimize_profile", Input: map[string]any{"brand": "Acme"}})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := res.Output["missing"].([]any); len(m) != 0 {
		t.Errorf("a complete profile lacks %v", m)
	}
}

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	if _, err := New(Config{Server: "http://127.0.0.1:3000", AccessToken: "t"}, newLog()); err != nil {
		t.Errorf("a local instance on loopback refused: %v", err)
	}
}
