package platforms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/greenlight/greenlight/store"
)

// SandboxName is the connector name of the simulated network.
const SandboxName = "sandbox"

// Sandbox is a deterministic simulated social network, so campaigns can be run,
// demonstrated and tested end to end with nothing external. Its world is derived
// from the actions recorded in the store: search rank improves as profiles are
// optimised and posts published. Every output says "simulated": true.
type Sandbox struct {
	Store *store.Store
	Now   func() time.Time
}

// Name implements Connector.
func (s *Sandbox) Name() string { return SandboxName }

// Perform implements Connector. The action log is the idempotency record: a key that
// is already there returns its recorded output and changes nothing.
func (s *Sandbox) Perform(ctx context.Context, a Action) (Result, error) {
	if prev, err := s.Store.GetPlatformAction(ctx, a.Key); err == nil {
		return replayed(prev)
	} else if !errors.Is(err, store.ErrNotFound) {
		return Result{}, fmt.Errorf("sandbox: look up %s: %w", a.Key, err)
	}
	out, err := s.simulate(ctx, a)
	if err != nil {
		return Result{}, err
	}
	out["simulated"] = true
	input, _ := json.Marshal(a.Input)
	output, _ := json.Marshal(out)
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	stored, created, err := s.Store.RecordPlatformAction(ctx, store.PlatformAction{
		IdempotencyKey: a.Key, Platform: SandboxName, ClientID: a.Client, CampaignID: a.CampaignID,
		Action: a.Name, Target: str(a.Input, "brand"), Input: string(input), Output: string(output),
		CreatedAt: now().UTC(),
	})
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: record %s: %w", a.Key, err)
	}
	if !created {
		// Another attempt of the same activity won the race; its result is the truth.
		return replayed(&stored)
	}
	// Hand back the recorded form, so a first run and a replay look alike.
	res, err := replayed(&stored)
	res.Replayed = false
	return res, err
}

func replayed(p *store.PlatformAction) (Result, error) {
	var out map[string]any
	if err := json.Unmarshal([]byte(p.Output), &out); err != nil {
		return Result{}, fmt.Errorf("sandbox: recorded output of %s: %w", p.IdempotencyKey, err)
	}
	return Result{Output: out, Simulated: true, Replayed: true}, nil
}

func (s *Sandbox) simulate(ctx context.Context, a Action) (map[string]any, error) {
	brand := str(a.Input, "brand")
	switch a.Name {
	case "audit_search_presence", "measure_rank":
		w, err := s.world(ctx, a.Client)
		if err != nil {
			return nil, err
		}
		props, best := w.ranks(a.Client, brand, list(a.Input, "platforms"))
		out := map[string]any{"properties": props, "best_rank": best}
		if a.Name == "audit_search_presence" {
			out["negative_results_above_brand"] = int(hash(a.Client, brand, "negative")%3) + 1
			out["summary"] = fmt.Sprintf("%s's best own property ranks #%d; %d negative results rank above it",
				brand, best, out["negative_results_above_brand"])
			return out, nil
		}
		target := num(a.Input, "target_rank", 10)
		out["target_rank"] = target
		out["within_target"] = best <= target
		return out, nil
	case "optimize_profile":
		var profiles []any
		for _, p := range list(a.Input, "platforms") {
			profiles = append(profiles, map[string]any{
				"platform": p, "url": fmt.Sprintf("https://%s.sandbox.invalid/%s", p, slug(brand)), "completeness": 100,
			})
		}
		return map[string]any{"profiles": profiles, "optimized": len(profiles)}, nil
	case "launch_blog":
		return map[string]any{
			"url":          fmt.Sprintf("https://blog.sandbox.invalid/%s", slug(brand)),
			"pre_moderate": a.Input["pre_moderate"] == true,
		}, nil
	case "draft_posts":
		count := num(a.Input, "count", 3)
		topics := list(a.Input, "topics")
		if len(topics) == 0 {
			topics = []string{"news"}
		}
		platforms := list(a.Input, "platforms")
		if len(platforms) == 0 {
			platforms = []string{"blog"}
		}
		posts := make([]any, 0, count)
		for i := 0; i < count; i++ {
			topic := topics[i%len(topics)]
			posts = append(posts, map[string]any{
				"id": fmt.Sprintf("post-%d", i+1), "platform": platforms[i%len(platforms)], "topic": topic,
				"text": fmt.Sprintf("%s on %s: what we learned this week (#%d)", brand, topic, i+1),
			})
		}
		return map[string]any{"posts": posts}, nil
	case "publish_posts":
		count := num(a.Input, "count", 1)
		if posts, ok := a.Input["posts"].([]any); ok {
			count = len(posts)
		}
		return map[string]any{"published": count}, nil
	case "moderate_comments":
		held := int(hash(a.Client, brand, a.Key)%9) + 1
		spam := held / 3
		return map[string]any{"held": held, "approved": held - spam, "dropped_as_spam": spam}, nil
	case "follow_accounts":
		accounts := list(a.Input, "accounts")
		return map[string]any{"followed": accounts, "count": len(accounts)}, nil
	case "classify_followers":
		return classify(a), nil
	case "report":
		return map[string]any{"title": str(a.Input, "title"), "delivered": true}, nil
	case "notify":
		return map[string]any{"delivered": true, "to": str(a.Input, "to")}, nil
	}
	return nil, fmt.Errorf("sandbox: action %q is not simulated", a.Name)
}

// world is the part of the simulated network that past actions changed.
type world struct{ optimized, blogs, published int64 }

func (s *Sandbox) world(ctx context.Context, client string) (world, error) {
	var w world
	for _, c := range []struct {
		action string
		dst    *int64
	}{{"optimize_profile", &w.optimized}, {"launch_blog", &w.blogs}, {"publish_posts", &w.published}} {
		n, err := s.Store.CountPlatformActions(ctx, client, c.action)
		if err != nil {
			return w, fmt.Errorf("sandbox: count %s: %w", c.action, err)
		}
		*c.dst = n
	}
	return w, nil
}

// ranks places each of the brand's own properties in simulated search results. A
// property starts somewhere on pages 2–4 and climbs with the work done on it.
func (w world) ranks(client, brand string, platforms []string) ([]any, int) {
	props := append([]string{"website"}, platforms...)
	if w.blogs > 0 {
		props = append(props, "blog")
	}
	best := 1 << 30
	out := make([]any, 0, len(props))
	for _, p := range props {
		rank := 11 + int(hash(client, brand, p)%30)
		switch p {
		case "website":
			rank -= int(3 * w.published)
		case "blog":
			rank -= 6 + int(4*w.published)
		default:
			rank -= int(8*min(w.optimized, 1) + 2*w.published)
		}
		rank = max(rank, 1)
		best = min(best, rank)
		out = append(out, map[string]any{"property": p, "rank": rank})
	}
	return out, best
}

func classify(a Action) map[string]any {
	classes := []string{"genuine", "genuine", "genuine", "spam", "bot"}
	reasons := map[string]string{
		"genuine": "posts regularly, followers and following in proportion",
		"spam":    "links to a shop in every reply, account under a week old",
		"bot":     "hundreds of follows a day, no profile picture, numbered handle",
	}
	counts := map[string]int{}
	var followers []any
	for i := 0; i < 10; i++ {
		h := hash(a.Client, a.Key, fmt.Sprint(i))
		c := classes[h%uint32(len(classes))]
		counts[c]++
		followers = append(followers, map[string]any{
			"handle": fmt.Sprintf("@follower%04d", h%10000), "class": c, "reason": reasons[c],
		})
	}
	return map[string]any{"followers": followers, "genuine": counts["genuine"], "spam": counts["spam"], "bot": counts["bot"]}
}

func hash(parts ...string) uint32 {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum32()
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func num(m map[string]any, k string, def int) int {
	switch n := m[k].(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return def
}

func list(m map[string]any, k string) []string {
	var out []string
	switch v := m[k].(type) {
	case []any:
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
	case []string:
		out = append(out, v...)
	}
	return out
}

func slug(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s), "-")
}
