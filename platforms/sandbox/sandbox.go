// Package sandbox is the simulated social network connector. It lives apart from
// package platforms because it keeps its world in the store: the catalog and the
// Connector interface must stay importable by the playbook language without GORM.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/mentions"
	"github.com/greenlight/greenlight/store"
)

// Name is the connector name of the simulated network.
const Name = "sandbox"

// Network is a deterministic simulated social network, so campaigns can be run,
// demonstrated and tested end to end with nothing external. Its world is derived
// from the actions recorded in the store: search rank improves as profiles are
// optimised and posts published, followers arrive as accounts are followed and
// engaged with, and a conversation calms down once it has been answered. Every
// output says "simulated": true.
type Network struct {
	Store *store.Store
	Now   func() time.Time // defaults to time.Now
}

// New returns the simulated network whose world is the action log in st.
func New(st *store.Store) *Network { return &Network{Store: st} }

// Name implements platforms.Connector.
func (s *Network) Name() string { return Name }

// Perform implements platforms.Connector. The action log is the idempotency record: a key that
// is already there returns its recorded output and changes nothing.
func (s *Network) Perform(ctx context.Context, a platforms.Action) (platforms.Result, error) {
	if prev, err := s.Store.GetPlatformAction(ctx, a.Key); err == nil {
		return replayed(prev)
	} else if !errors.Is(err, store.ErrNotFound) {
		return platforms.Result{}, fmt.Errorf("sandbox: look up %s: %w", a.Key, err)
	}
	out, err := s.simulate(ctx, a)
	if err != nil {
		return platforms.Result{}, err
	}
	out["simulated"] = true
	input, _ := json.Marshal(a.Input)
	output, _ := json.Marshal(out)
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	stored, created, err := s.Store.RecordPlatformAction(ctx, store.PlatformAction{
		IdempotencyKey: a.Key, Platform: Name, ClientID: a.Client, CampaignID: a.CampaignID,
		Action: a.Name, Target: str(a.Input, "brand"), Input: string(input), Output: string(output),
		CreatedAt: now().UTC(),
	})
	if err != nil {
		return platforms.Result{}, fmt.Errorf("sandbox: record %s: %w", a.Key, err)
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

func replayed(p *store.PlatformAction) (platforms.Result, error) {
	var out map[string]any
	if err := json.Unmarshal([]byte(p.Output), &out); err != nil {
		return platforms.Result{}, fmt.Errorf("sandbox: recorded output of %s: %w", p.IdempotencyKey, err)
	}
	return platforms.Result{Output: out, Simulated: true, Replayed: true}, nil
}

func (s *Network) simulate(ctx context.Context, a platforms.Action) (map[string]any, error) {
	brand := str(a.Input, "brand")
	switch a.Name {
	case "define_audience":
		return defineAudience(a), nil
	case "classify_mention":
		return classifyMention(a)
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
		return draftPosts(a), nil
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
	case "respond_to_mention":
		return respond(a), nil
	case "repost", "quote", "share":
		return reshare(a), nil
	case "report":
		return report(a), nil
	case "notify":
		return map[string]any{"delivered": true, "to": str(a.Input, "to")}, nil
	}

	// The rest read the world that earlier actions shaped.
	w, err := s.world(ctx, a.Client)
	if err != nil {
		return nil, err
	}
	switch a.Name {
	case "audit_search_presence", "measure_rank":
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
		out["published_batches"] = w.batches
		return out, nil
	case "follow_accounts":
		return w.follow(a), nil
	case "engage_posts":
		return w.engage(a), nil
	case "measure_followers":
		return w.measureFollowers(a), nil
	case "classify_followers":
		return w.classifyFollowers(a), nil
	case "check_conversation":
		return w.checkConversation(a), nil
	}
	return nil, fmt.Errorf("sandbox: action %q is not simulated", a.Name)
}

// world is the part of the simulated network that past actions changed. It is
// folded from the client's recorded action log, so the same log always gives the
// same world, whichever worker asks and however often.
type world struct {
	client    string
	optimized map[string]bool // platforms whose profile was optimised
	blogs     int
	batches   int // publish_posts that published at least one post

	// Outreach: the accounts followed and engaged with, each with the action that
	// first touched it, and the order of first touches (followers are listed in it).
	followed map[string]touch
	engaged  map[string]touch
	touched  []string
	// Spam accounts drawn in by active following, attributed to the follow that did.
	spam []follower
	// Handles each campaign has already classified, so a check reports only news.
	classified map[string]map[string]bool

	mentions  map[string]string // conversation url → sensitivity as classified
	responses map[string]bool   // conversation url → a reply went out
}

// touch names the recorded action that first reached an account.
type touch struct{ handle, campaign, key string }

// worldActions are the actions whose records change the world.
var worldActions = []string{
	"optimize_profile", "launch_blog", "publish_posts", "follow_accounts", "engage_posts",
	"classify_followers", "classify_mention", "respond_to_mention",
}

func (s *Network) world(ctx context.Context, client string) (*world, error) {
	// The store offers counts only; the world needs the recorded outputs, which is
	// what Store.DB is for. Ordered so that "first touched by" is stable.
	var rows []store.PlatformAction
	err := s.Store.DB().WithContext(ctx).
		Select("idempotency_key", "campaign_id", "action", "output").
		Where("client_id = ? AND action IN ?", client, worldActions).
		Order("created_at, idempotency_key").
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("sandbox: read the action log of %s: %w", client, err)
	}
	w := &world{
		client: client, optimized: map[string]bool{}, followed: map[string]touch{}, engaged: map[string]touch{},
		classified: map[string]map[string]bool{}, mentions: map[string]string{}, responses: map[string]bool{},
	}
	for _, r := range rows {
		var out map[string]any
		if r.Output == "" {
			continue
		}
		if err := json.Unmarshal([]byte(r.Output), &out); err != nil {
			return nil, fmt.Errorf("sandbox: recorded output of %s: %w", r.IdempotencyKey, err)
		}
		w.apply(r, out)
	}
	return w, nil
}

func (w *world) apply(r store.PlatformAction, out map[string]any) {
	switch r.Action {
	case "optimize_profile":
		for _, p := range objects(out, "profiles") {
			w.optimized[str(p, "platform")] = true
		}
	case "launch_blog":
		w.blogs++
	case "publish_posts":
		if num(out, "published", 0) > 0 {
			w.batches++
		}
	case "follow_accounts":
		followed := list(out, "followed")
		for _, h := range followed {
			w.touch(w.followed, h, r)
		}
		// Accounts that follow everyone who is active: roughly one per 35 follows.
		for i := 0; i < len(followed)/35; i++ {
			hv := hash(r.IdempotencyKey, "spam", fmt.Sprint(i))
			w.spam = append(w.spam, follower{
				handle: fmt.Sprintf("@%s_deals_%06d", spamShops[hv%uint32(len(spamShops))], hv%1000000), class: "spam",
				reason: "links to a shop in every reply, account under a week old", campaign: r.CampaignID, key: r.IdempotencyKey,
			})
		}
	case "engage_posts":
		for _, h := range list(out, "accounts") {
			w.touch(w.engaged, h, r)
		}
	case "classify_followers":
		seen := w.classified[r.CampaignID]
		if seen == nil {
			seen = map[string]bool{}
			w.classified[r.CampaignID] = seen
		}
		for _, f := range objects(out, "followers") {
			seen[handleKey(str(f, "handle"))] = true
		}
	case "classify_mention":
		if u := str(out, "url"); u != "" {
			w.mentions[u] = str(out, "sensitivity")
		}
	case "respond_to_mention":
		if out["responded"] == true {
			w.responses[str(out, "url")] = true
		}
	}
}

func (w *world) touch(set map[string]touch, handle string, r store.PlatformAction) {
	k := handleKey(handle)
	if k == "" {
		return
	}
	if _, ok := set[k]; ok {
		return
	}
	if _, f := w.followed[k]; !f {
		if _, e := w.engaged[k]; !e {
			w.touched = append(w.touched, k)
		}
	}
	set[k] = touch{handle: handle, campaign: r.CampaignID, key: r.IdempotencyKey}
}

// ranks places each of the brand's own properties in simulated search results. A
// property starts on pages 2–4 (#18–#35); an optimised profile gains three places
// once, and every published batch lifts each property again: the website by one,
// profiles by two, the blog, which carries the posts, by three. Tuned so that with
// the default four platforms the best property reaches the top 10 after 3 to 9
// weekly batches (4 for most brands): the rank visibly improves week over week and
// the default twelve weeks always suffice.
func (w *world) ranks(client, brand string, platforms []string) ([]any, int) {
	props := append([]string{"website"}, platforms...)
	listed := map[string]bool{}
	for _, p := range props {
		listed[p] = true
	}
	// Optimised profiles are the brand's own properties whether or not the caller
	// named them.
	for _, p := range slices.Sorted(maps.Keys(w.optimized)) {
		if !listed[p] {
			props = append(props, p)
		}
	}
	if w.blogs > 0 {
		props = append(props, "blog")
	}
	best := 1 << 30
	out := make([]any, 0, len(props))
	for _, p := range props {
		rank := 18 + int(hash(client, brand, p)%18)
		switch p {
		case "website":
			rank -= w.batches
		case "blog":
			rank -= 3 * w.batches
		default:
			if w.optimized[p] {
				rank -= 3
			}
			rank -= 2 * w.batches
		}
		rank = max(rank, 1)
		best = min(best, rank)
		out = append(out, map[string]any{"property": p, "rank": rank})
	}
	return out, best
}

func draftPosts(a platforms.Action) map[string]any {
	brand := str(a.Input, "brand")
	count := num(a.Input, "count", 3)
	topics := list(a.Input, "topics")
	if len(topics) == 0 {
		topics = []string{"news"}
	}
	platforms := list(a.Input, "platforms")
	if len(platforms) == 0 {
		platforms = []string{"blog"}
	}
	// A recurring batch starts where the last left off in the topic rotation, so
	// week after week the posts differ.
	batch := num(a.Input, "batch", 0)
	prefix, offset := "", 0
	if batch > 0 {
		prefix, offset = fmt.Sprintf("b%d-", batch), (batch-1)*count
	}
	posts := make([]any, 0, count)
	for i := 0; i < count; i++ {
		topic := topics[(offset+i)%len(topics)]
		posts = append(posts, map[string]any{
			"id": fmt.Sprintf("%spost-%d", prefix, i+1), "platform": platforms[i%len(platforms)], "topic": topic,
			"text": fmt.Sprintf("%s on %s: what we learned this week (#%d)", brand, topic, offset+i+1),
		})
	}
	out := map[string]any{"posts": posts}
	if batch > 0 {
		out["batch"] = batch
	}
	return out
}

// Audience handles are built from these, so that a list reads like people.
var (
	handlePrefixes = []string{"the", "daily", "just", "all", "my", "real"}
	handleSuffixes = []string{"fan", "lover", "club", "notes", "life", "diaries", "nerd"}
	spamShops      = []string{"cheap", "promo", "best", "mega", "hot"}
)

const maxAudience = 2000

// defineAudience lists candidate accounts for the interests, deterministic from the
// brand and interests. The seed accounts come first: they are the accounts at the
// centre of the conversation (often the competitors), and outreach to them is what
// the competitor guardrail exists to stop. About one generated account in thirty is
// a bot with a numbered handle, as in any real audience.
func defineAudience(a platforms.Action) map[string]any {
	brand := str(a.Input, "brand")
	interests := list(a.Input, "interests")
	if len(interests) == 0 {
		interests = []string{brand}
	}
	size := min(max(num(a.Input, "size", 100), 1), maxAudience)
	seen := map[string]bool{}
	accounts := make([]any, 0, size)
	var seeds []any
	for _, s := range seedAccounts(a.Input) {
		if k := handleKey(s); k != "" && !seen[k] {
			seen[k] = true
			seeds = append(seeds, s)
			accounts = append(accounts, s)
		}
	}
	for i := 0; len(accounts) < len(seeds)+size; i++ {
		interest := interests[i%len(interests)]
		h := hash(brand, interest, fmt.Sprint(i))
		word := compact(interest)
		handle := fmt.Sprintf("@%s_%s_%s%d", handlePrefixes[h%uint32(len(handlePrefixes))], word,
			handleSuffixes[(h/7)%uint32(len(handleSuffixes))], i+1)
		if h%30 == 0 {
			handle = fmt.Sprintf("@%s%08d", word, h%100000000)
		}
		if k := handleKey(handle); !seen[k] {
			seen[k] = true
			accounts = append(accounts, handle)
		}
	}
	reach := len(accounts)*40 + int(hash(brand, strings.Join(interests, ","), "reach")%20000)
	return map[string]any{
		"accounts":        accounts,
		"size":            len(accounts),
		"seeds":           len(seeds),
		"interests":       toAny(interests),
		"platforms":       toAny(list(a.Input, "platforms")),
		"estimated_reach": reach,
		"summary": fmt.Sprintf("%d candidate accounts interested in %s (%d seed accounts first); about %d people see their posts",
			len(accounts), strings.Join(interests, ", "), len(seeds), reach),
	}
}

// seedAccounts are the accounts listed in seed_accounts: handles, or competitor
// objects ({name, accounts: {platform: [...]}}, as a campaign's competitors
// may be given), whose accounts are taken platform by platform.
func seedAccounts(in map[string]any) []string {
	raw, _ := in["seed_accounts"].([]any)
	var out []string
	for _, e := range raw {
		switch v := e.(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			accs, _ := v["accounts"].(map[string]any)
			for _, p := range slices.Sorted(maps.Keys(accs)) {
				out = append(out, list(accs, p)...)
			}
		}
	}
	return out
}

// budget is how many accounts an outreach action may touch: at most count, and at
// most daily_cap a day over days when a daily cap is given.
func budget(in map[string]any, available int) (limit, dailyCap, days int) {
	limit = num(in, "count", available)
	dailyCap = num(in, "daily_cap", 0)
	days = max(num(in, "days", 1), 1)
	if dailyCap > 0 {
		limit = min(limit, dailyCap*days)
	}
	return max(limit, 0), dailyCap, days
}

// schedule spreads n actions evenly over days; with n ≤ cap×days no day exceeds cap.
func schedule(n, days int) []any {
	out := make([]any, days)
	for d := range out {
		out[d] = n / days
		if d < n%days {
			out[d] = n/days + 1
		}
	}
	return out
}

// pick takes up to limit accounts from the list, in order, skipping duplicates and
// accounts already in done: outreach never touches the same account twice.
func pick(accounts []string, limit int, done map[string]touch) (picked []string, skipped, remaining int) {
	seen := map[string]bool{}
	for _, acc := range accounts {
		k := handleKey(acc)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		switch _, ok := done[k]; {
		case ok:
			skipped++
		case len(picked) < limit:
			picked = append(picked, acc)
		default:
			remaining++
		}
	}
	return picked, skipped, remaining
}

// follow follows only accounts named in the `accounts` input: that list is what the
// competitor guardrail filtered, so the sandbox never invents targets of its own.
func (w *world) follow(a platforms.Action) map[string]any {
	accounts := list(a.Input, "accounts")
	limit, dailyCap, days := budget(a.Input, len(accounts))
	picked, skipped, remaining := pick(accounts, limit, w.followed)
	out := map[string]any{
		"followed": toAny(picked), "count": len(picked), "already_followed": skipped, "remaining": remaining,
	}
	if dailyCap > 0 {
		out["daily_cap"] = dailyCap
		out["per_day"] = schedule(len(picked), days)
	}
	if aud := list(a.Input, "audience"); len(aud) > 0 {
		out["audience"] = toAny(aud)
	}
	return out
}

// engage likes or replies to one recent post of each picked account.
func (w *world) engage(a platforms.Action) map[string]any {
	accounts := list(a.Input, "accounts")
	limit, dailyCap, days := budget(a.Input, len(accounts))
	picked, skipped, _ := pick(accounts, limit, w.engaged)
	engaged := make([]any, 0, len(picked))
	likes, replies := 0, 0
	for _, acc := range picked {
		h := hash(w.client, acc, "post")
		kind := "like"
		if h%3 == 0 {
			kind = "reply"
			replies++
		} else {
			likes++
		}
		engaged = append(engaged, map[string]any{
			"account": acc, "kind": kind,
			"post": fmt.Sprintf("https://social.sandbox.invalid/%s/posts/%d", handleKey(acc), h%100000),
		})
	}
	out := map[string]any{
		"accounts": toAny(picked), "engaged": engaged, "count": len(picked), "likes": likes, "replies": replies,
		"already_engaged": skipped,
	}
	if dailyCap > 0 {
		out["daily_cap"] = dailyCap
		out["per_day"] = schedule(len(picked), days)
	}
	return out
}

// follower is one account that followed the brand, and the action that drew it.
type follower struct{ handle, class, reason, campaign, key string }

// followers lists everyone the outreach has drawn, in order of first touch, then
// the spam it attracted. An account follows back on a roll of the dice fixed by its
// handle: 30% of followed accounts, 15% of those only engaged with, 45% of those
// both followed and engaged; bots follow back every time.
func (w *world) followers() []follower {
	var out []follower
	for _, k := range w.touched {
		f, followed := w.followed[k]
		e, engaged := w.engaged[k]
		chance := 0
		if followed {
			chance += 30
		}
		if engaged {
			chance += 15
		}
		cause, why := f, "followed back after the campaign followed them"
		if !followed {
			cause, why = e, "followed after the campaign engaged with their posts"
		}
		switch {
		case isBot(k):
			out = append(out, follower{handle: cause.handle, class: "bot", campaign: cause.campaign, key: cause.key,
				reason: "followed back within seconds; numbered handle, no posts, no profile picture"})
		case int(hash(w.client, k, "follows-back")%100) < chance:
			out = append(out, follower{handle: cause.handle, class: "genuine", campaign: cause.campaign, key: cause.key,
				reason: why + "; posts regularly, followers and following in proportion"})
		}
	}
	return append(out, w.spam...)
}

// isBot recognises the numbered handles defineAudience gives its bots.
func isBot(k string) bool {
	digits := len(k) - len(strings.TrimRight(k, "0123456789"))
	return digits >= 6
}

func (w *world) measureFollowers(a platforms.Action) map[string]any {
	brand := str(a.Input, "brand")
	base := 250 + int(hash(w.client, brand, "followers")%750)
	all := w.followers()
	gained := 0
	for _, f := range all {
		if f.campaign == a.CampaignID {
			gained++
		}
	}
	out := map[string]any{
		"followers": base + len(all),
		"baseline":  base + len(all) - gained, // what the brand would have without this campaign
		"gained":    gained,
	}
	if _, ok := a.Input["goal"]; ok {
		goal := num(a.Input, "goal", 0)
		out["goal"] = goal
		out["goal_reached"] = gained >= goal
	}
	return out
}

// classifyFollowers answers "are we being spammed?": it classifies the followers
// this campaign drew that no earlier check of the campaign has seen, says which
// step drew them, and gives a one-sentence verdict.
func (w *world) classifyFollowers(a platforms.Action) map[string]any {
	seen := w.classified[a.CampaignID]
	counts := map[string]int{}
	byStep := map[string]any{}
	followers := []any{}
	for _, f := range w.followers() {
		if (a.CampaignID != "" && f.campaign != a.CampaignID) || seen[handleKey(f.handle)] {
			continue
		}
		step := strings.TrimPrefix(f.key, f.campaign+"/")
		counts[f.class]++
		sc, _ := byStep[step].(map[string]any)
		if sc == nil {
			sc = map[string]any{"genuine": 0, "spam": 0, "bot": 0}
			byStep[step] = sc
		}
		sc[f.class] = sc[f.class].(int) + 1
		followers = append(followers, map[string]any{
			"handle": f.handle, "class": f.class, "reason": f.reason, "driven_by": step,
		})
	}
	total := len(followers)
	suspicious := counts["spam"] + counts["bot"]
	share := platforms.SuspiciousPercent(total, suspicious)
	wave := platforms.SpamWave(total, suspicious)
	var answer string
	switch {
	case total == 0:
		answer = "No new followers since the last check, so nothing to worry about."
	case wave:
		answer = fmt.Sprintf("Yes: %d of %d new followers (%d%%) look like spam or bots; block them and slow the outreach down.",
			suspicious, total, share)
	default:
		answer = fmt.Sprintf("No: %d of %d new followers are genuine; %d (%d%%) look like spam or bots, normal for active outreach, and can be removed.",
			counts["genuine"], total, suspicious, share)
	}
	out := map[string]any{
		"followers": followers, "total": total, "genuine": counts["genuine"], "spam": counts["spam"], "bot": counts["bot"],
		"suspicious_percent": share, "spam_wave": wave, "answer": answer, "by_step": byStep,
	}
	if since := str(a.Input, "since"); since != "" {
		out["since"] = since
	}
	return out
}

// classifyMention rates a mention with the shared classifier (package
// mentions), adding the client's extra_terms, and drafts a reply to match: a
// person reads it before anything but a routine acknowledgement goes out.
func classifyMention(a platforms.Action) (map[string]any, error) {
	c, err := mentions.ForInput(a.Input["extra_terms"])
	if err != nil {
		return nil, fmt.Errorf("sandbox: classify_mention: %w", err)
	}
	r := c.Classify(str(a.Input, "text"))
	signals := make([]any, 0, len(r.Signals))
	for _, sg := range r.Signals {
		m := map[string]any{"kind": sg.Kind, "level": sg.Level, "text": sg.Text, "pattern": sg.Pattern}
		if sg.Client {
			m["client"] = true
		}
		signals = append(signals, m)
	}
	author := str(a.Input, "author")
	out := map[string]any{
		"sensitivity": r.Sensitivity, "subjects": toAny(r.Subjects), "cues": toAny(r.Cues),
		"reasons": toAny(r.Reasons()), "signals": signals, "sentiment": r.Sentiment,
		"suggested_response": suggestReply(r, author, str(a.Input, "brand")),
		"author":             author, "platform": str(a.Input, "platform"), "url": str(a.Input, "url"),
		"author_reach": int(hash(str(a.Input, "platform"), handleKey(author), "reach") % 50000),
	}
	if probs := c.Problems(); len(probs) > 0 {
		out["term_problems"] = toAny(probs)
	}
	return out, nil
}

// suggestReply drafts the reply: for a sensitive or unsure mention, words a
// person can send after reading it (they may edit it when approving); for a
// routine one, the acknowledgement that goes out on its own.
func suggestReply(r mentions.Result, author, brand string) string {
	hi := "Hi"
	if author != "" {
		hi = "Hi " + author
	}
	team := "The team"
	if brand != "" {
		team = "The " + brand + " team"
	}
	personal := false
	for _, s := range r.Subjects {
		switch s {
		case mentions.SelfHarm:
			return fmt.Sprintf("%s, thank you for telling us, and we're so sorry you're going through this. If you are in danger right now, please contact your local emergency services. Someone from our team will reach out to you personally. %s", hi, team)
		case mentions.Illness, mentions.Death, mentions.Accident, mentions.Violence, mentions.Disaster, mentions.Children:
			personal = true
		}
	}
	switch {
	case personal:
		return fmt.Sprintf("%s, we're so sorry, and thank you for telling us. Someone from our team will reach out to you personally. %s", hi, team)
	case slices.Contains(r.Subjects, mentions.Discrimination):
		return fmt.Sprintf("%s, thank you for raising this. We take it seriously; please send us a direct message so someone from our team can look into it with you today. %s", hi, team)
	case r.Sensitivity == mentions.Sensitive:
		return fmt.Sprintf("%s, we're sorry: this is not the experience we want for anyone. We're looking into it now; please send us a direct message with your details so we can put it right. %s", hi, team)
	case r.Sensitivity == mentions.Unsure:
		return fmt.Sprintf("%s, thanks for getting in touch. Could you tell us a bit more? We're here to help. %s", hi, team)
	case r.Sentiment == "positive":
		return fmt.Sprintf("%s, thank you, that made our day! %s", hi, team)
	}
	return fmt.Sprintf("%s, thanks for reaching out! We've seen this and will get back to you if there's anything to add. %s", hi, team)
}

// respond replies to a mention. When the step named whose thread it is and the
// guardrails removed that account, nothing is sent.
func respond(a platforms.Action) map[string]any {
	url := str(a.Input, "url")
	out := map[string]any{"url": url, "platform": str(a.Input, "platform"), "private": a.Input["private"] == true}
	if _, named := a.Input["accounts"]; named && len(list(a.Input, "accounts")) == 0 {
		out["responded"] = false
		out["reason"] = "no account left to reply to after the guardrails"
		return out
	}
	out["responded"] = true
	out["message"] = str(a.Input, "message")
	out["reply_url"] = fmt.Sprintf("%s#reply-%08x", url, hash(a.Client, url, str(a.Input, "message")))
	if to := list(a.Input, "accounts"); len(to) > 0 {
		out["to"] = toAny(to)
	}
	return out
}

// reshare reposts, quotes or shares a post or link on the brand's profile. The
// competitor guardrail has read the url and text before: a competitor's post
// or site never gets here.
func reshare(a platforms.Action) map[string]any {
	url, text := str(a.Input, "url"), str(a.Input, "text")
	platform := str(a.Input, "platform")
	network := platform
	if network == "" {
		network = "social"
	}
	owner := str(a.Input, "brand")
	if owner == "" {
		owner = a.Client
	}
	out := map[string]any{
		"performed": true, "url": url, "platform": platform,
		"post_url": fmt.Sprintf("https://%s.sandbox.invalid/%s/posts/%d", slug(network), slug(owner), hash(a.Client, a.Name, url, text)%1000000),
	}
	switch a.Name {
	case "repost":
		out["reposted"] = true
	case "quote":
		out["quoted"], out["text"] = true, text
	case "share":
		out["shared"] = true
		if text != "" {
			out["text"] = text
		}
	}
	return out
}

// checkConversation follows a conversation up: a reply calms it, silence on a
// sensitive mention lets it grow.
func (w *world) checkConversation(a platforms.Action) map[string]any {
	url := str(a.Input, "url")
	sensitivity := w.mentions[url]
	if sensitivity == "" {
		sensitivity = mentions.Routine
	}
	// Mentions classified before the classifier's scale changed were rated
	// low, medium or high.
	high := sensitivity == mentions.Sensitive || sensitivity == "high"
	responded := w.responses[url]
	replies := int(hash(w.client, url, "replies") % 8)
	sentiment, resolved, attention := "steady", false, false
	var summary string
	switch {
	case responded && high:
		sentiment = "improving"
		summary = "The author took the conversation to direct messages; keep the case open until it is put right."
	case responded:
		sentiment, resolved = "improving", true
		summary = "The reply landed well; the conversation has settled."
	case high:
		sentiment, attention = "worsening", true
		replies += 6
		summary = "No reply went out and others are joining in; the conversation needs someone now."
	case sensitivity == mentions.Unsure || sensitivity == "medium":
		attention = true
		summary = "No reply went out; the author is still waiting."
	default:
		resolved = true
		summary = "Nothing more to do."
	}
	return map[string]any{
		"url": url, "platform": str(a.Input, "platform"), "sensitivity": sensitivity, "responded": responded,
		"new_replies": replies, "sentiment": sentiment, "resolved": resolved, "needs_attention": attention,
		"summary": summary,
	}
}

func report(a platforms.Action) map[string]any {
	to := str(a.Input, "to")
	if to == "" {
		to = "client"
	}
	sections := []any{}
	switch inc := a.Input["include"].(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(inc)) {
			sections = append(sections, k)
		}
	case []any:
		sections = inc
	}
	return map[string]any{"title": str(a.Input, "title"), "to": to, "sections": sections, "delivered": true}
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
	case int64:
		return int(n)
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

func objects(m map[string]any, k string) []map[string]any {
	var out []map[string]any
	if v, ok := m[k].([]any); ok {
		for _, e := range v {
			if o, ok := e.(map[string]any); ok {
				out = append(out, o)
			}
		}
	}
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// handleKey is how accounts compare: "@RivalCo" and "rivalco" are one account.
func handleKey(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
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

// compact is an interest as a handle fragment: "Customer stories" → "customerstories".
func compact(s string) string {
	c := strings.ReplaceAll(slug(s), "-", "")
	if len(c) > 15 {
		c = c[:15]
	}
	if c == "" {
		c = "fan"
	}
	return c
}
