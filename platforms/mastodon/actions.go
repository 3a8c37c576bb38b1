package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/platforms"
)

// Status is the part of Mastodon's Status entity the connector reads.
type Status struct {
	ID          string  `json:"id"`
	URI         string  `json:"uri"`
	URL         string  `json:"url"`
	Content     string  `json:"content"`
	Visibility  string  `json:"visibility"`
	InReplyToID *string `json:"in_reply_to_id"`
	CreatedAt   string  `json:"created_at"`
	Account     Account `json:"account"`
	Reblog      *Status `json:"reblog"`
	Favourited  bool    `json:"favourited"`
	Reblogged   bool    `json:"reblogged"`
}

// Account is the part of Mastodon's Account entity the connector reads.
type Account struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	URL            string `json:"url"`
	Bot            bool   `json:"bot"`
	CreatedAt      string `json:"created_at"`
	FollowersCount int    `json:"followers_count"`
	FollowingCount int    `json:"following_count"`
	StatusesCount  int    `json:"statuses_count"`
}

// relationship is Mastodon's Relationship entity, the answer to a follow.
type relationship struct {
	ID        string `json:"id"`
	Following bool   `json:"following"`
	Requested bool   `json:"requested"`
}

// post creates a status; idem is its Idempotency-Key (Mastodon returns the
// first status for a key it saw within the last hour).
func (c *Connector) post(ctx context.Context, form url.Values, idem string) (Status, error) {
	var s Status
	err := c.call(ctx, http.MethodPost, "/api/v1/statuses", form, idem, &s)
	return s, err
}

func (c *Connector) publish(ctx context.Context, a platforms.Action) (map[string]any, error) {
	texts, err := platforms.InputPostTexts(a.Input)
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("mastodon: %w", err))
	}
	// A failure part way returns the error; the retry sends every post again
	// with the same per-post key, so those already created come back as they are.
	posts := make([]any, 0, len(texts))
	for i, t := range texts {
		s, err := c.post(ctx, url.Values{"status": {t}}, a.Key+"/"+strconv.Itoa(i))
		if err != nil {
			return nil, fmt.Errorf("mastodon: publish_posts: post %d: %w", i, err)
		}
		posts = append(posts, map[string]any{"id": s.ID, "url": s.URL, "text": t})
	}
	return map[string]any{"posts": posts, "count": len(posts),
		"summary": fmt.Sprintf("published %d statuses", len(posts))}, nil
}

// resolve finds a post by its URL, fetching it onto the instance when needed,
// so it has a local id to reply to, boost or favourite.
func (c *Connector) resolve(ctx context.Context, postURL string) (Status, error) {
	if postURL == "" {
		return Status{}, notify.Permanent(errors.New("mastodon: a post url is required"))
	}
	var found searchResult
	if err := c.search(ctx, postURL, "statuses", &found); err != nil {
		return Status{}, err
	}
	if len(found.Statuses) == 0 {
		return Status{}, notify.Permanent(fmt.Errorf("mastodon: no post found at %s", postURL))
	}
	return found.Statuses[0], nil
}

// searchResult is Mastodon's Search entity, without hashtags.
type searchResult struct {
	Accounts []Account `json:"accounts"`
	Statuses []Status  `json:"statuses"`
}

// search asks the instance for one account or status, resolving it from its
// home server when the instance has not seen it yet.
func (c *Connector) search(ctx context.Context, q, kind string, into *searchResult) error {
	form := url.Values{"q": {q}, "resolve": {"true"}, "type": {kind}, "limit": {"1"}}
	return c.call(ctx, http.MethodGet, "/api/v2/search", form, "", into)
}

func (c *Connector) respond(ctx context.Context, a platforms.Action) (map[string]any, error) {
	mention, err := c.resolve(ctx, platforms.InputString(a.Input, "url"))
	if err != nil {
		return nil, fmt.Errorf("mastodon: respond_to_mention: %w", err)
	}
	msg := platforms.InputString(a.Input, "message")
	if strings.TrimSpace(msg) == "" {
		return nil, notify.Permanent(errors.New("mastodon: respond_to_mention needs a message"))
	}
	// A reply reaches its author and the thread's people (accounts, after the
	// guardrail struck any competitor), and a direct one is only delivered to
	// those it mentions, so each is mentioned unless the message does already.
	var mentions []string
	for _, h := range append([]string{mention.Account.Acct}, platforms.InputStrings(a.Input, "accounts")...) {
		h = strings.TrimPrefix(strings.TrimSpace(h), "@")
		if h == "" || strings.ContainsAny(h, "/ ") || strings.Contains(msg, "@"+h) || slices.Contains(mentions, "@"+h) {
			continue // empty, a profile URL rather than a handle, or already there
		}
		mentions = append(mentions, "@"+h)
	}
	if len(mentions) > 0 {
		msg = strings.Join(mentions, " ") + " " + msg
	}
	private := a.Input["private"] == true
	form := url.Values{"status": {msg}, "in_reply_to_id": {mention.ID}}
	if private {
		form.Set("visibility", "direct")
	}
	s, err := c.post(ctx, form, a.Key)
	if err != nil {
		return nil, fmt.Errorf("mastodon: respond_to_mention: %w", err)
	}
	return map[string]any{"id": s.ID, "url": s.URL, "in_reply_to_id": mention.ID,
		"in_reply_to_url": platforms.InputString(a.Input, "url"), "private": private, "visibility": s.Visibility,
		"summary": fmt.Sprintf("replied to @%s", mention.Account.Acct)}, nil
}

// boost reblogs a post. Mastodon answers a second boost of the same post with
// the existing reblog, so a retry does not boost twice.
func (c *Connector) boost(ctx context.Context, a platforms.Action) (map[string]any, error) {
	target, err := c.resolve(ctx, platforms.InputString(a.Input, "url"))
	if err != nil {
		return nil, fmt.Errorf("mastodon: repost: %w", err)
	}
	var s Status
	if err := c.call(ctx, http.MethodPost, "/api/v1/statuses/"+url.PathEscape(target.ID)+"/reblog", nil, "", &s); err != nil {
		return nil, fmt.Errorf("mastodon: repost: %w", err)
	}
	return map[string]any{"id": s.ID, "url": s.URL, "reblogged_id": target.ID, "reblogged_url": target.URL,
		"summary": fmt.Sprintf("boosted %s", target.URL)}, nil
}

// quote posts the brand's text with a link to the post (share: to any page).
// Mastodon has no native quote; the link renders as a preview card.
func (c *Connector) quote(ctx context.Context, a platforms.Action) (map[string]any, error) {
	link, text := platforms.InputString(a.Input, "url"), strings.TrimSpace(platforms.InputString(a.Input, "text"))
	if link == "" {
		return nil, notify.Permanent(fmt.Errorf("mastodon: %s needs a url", a.Name))
	}
	if a.Name == "quote" && text == "" {
		return nil, notify.Permanent(errors.New("mastodon: quote needs text"))
	}
	status := link
	if text != "" {
		status = text + "\n\n" + link
	}
	s, err := c.post(ctx, url.Values{"status": {status}}, a.Key)
	if err != nil {
		return nil, fmt.Errorf("mastodon: %s: %w", a.Name, err)
	}
	return map[string]any{"id": s.ID, "url": s.URL, "quoted_url": link,
		"summary": fmt.Sprintf("posted a link to %s", link)}, nil
}

// account finds an account by handle (user@instance, @user@instance) or
// profile URL: lookup knows accounts the instance has seen, search with
// resolve fetches the others.
func (c *Connector) account(ctx context.Context, handle string) (Account, error) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "@")
	if h == "" {
		return Account{}, notify.Permanent(errors.New("mastodon: an empty account"))
	}
	if !strings.Contains(h, "://") {
		var acc Account
		err := c.call(ctx, http.MethodGet, "/api/v1/accounts/lookup", url.Values{"acct": {h}}, "", &acc)
		var api *APIError
		if err == nil || !errors.As(err, &api) || api.Status != http.StatusNotFound {
			return acc, err
		}
	}
	var found searchResult
	if err := c.search(ctx, h, "accounts", &found); err != nil {
		return Account{}, err
	}
	if len(found.Accounts) == 0 {
		return Account{}, notify.Permanent(fmt.Errorf("mastodon: no account %s", handle))
	}
	return found.Accounts[0], nil
}

// follow follows up to count (and daily_cap) of the accounts. Following an
// account already followed is a no-op on Mastodon, so a retry is harmless.
func (c *Connector) follow(ctx context.Context, a platforms.Action) (map[string]any, error) {
	accounts := platforms.InputStrings(a.Input, "accounts")
	limit := platforms.InputLimit(a.Input, len(accounts))
	followed := make([]any, 0, limit)
	for _, h := range accounts[:limit] {
		acc, err := c.account(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("mastodon: follow_accounts: %s: %w", h, err)
		}
		var rel relationship
		if err := c.call(ctx, http.MethodPost, "/api/v1/accounts/"+url.PathEscape(acc.ID)+"/follow", nil, "", &rel); err != nil {
			return nil, fmt.Errorf("mastodon: follow_accounts: %s: %w", h, err)
		}
		followed = append(followed, map[string]any{"account": h, "id": acc.ID, "url": acc.URL,
			"following": rel.Following, "requested": rel.Requested})
	}
	return map[string]any{"followed": followed, "count": len(followed), "remaining": len(accounts) - limit,
		"summary": fmt.Sprintf("followed %d accounts", len(followed))}, nil
}

// engage favourites each account's latest post of its own. A favourite is
// idempotent on Mastodon: favouriting twice leaves one.
func (c *Connector) engage(ctx context.Context, a platforms.Action) (map[string]any, error) {
	accounts := platforms.InputStrings(a.Input, "accounts")
	limit := platforms.InputLimit(a.Input, len(accounts))
	liked, engaged := make([]any, 0, limit), make([]any, 0, limit)
	for _, h := range accounts[:limit] {
		engaged = append(engaged, h)
		acc, err := c.account(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("mastodon: engage_posts: %s: %w", h, err)
		}
		var latest []Status
		q := url.Values{"limit": {"1"}, "exclude_replies": {"true"}, "exclude_reblogs": {"true"}}
		if err := c.call(ctx, http.MethodGet, "/api/v1/accounts/"+url.PathEscape(acc.ID)+"/statuses", q, "", &latest); err != nil {
			return nil, fmt.Errorf("mastodon: engage_posts: %s: %w", h, err)
		}
		if len(latest) == 0 {
			continue // nothing to like; not an error
		}
		var s Status
		if err := c.call(ctx, http.MethodPost, "/api/v1/statuses/"+url.PathEscape(latest[0].ID)+"/favourite", nil, "", &s); err != nil {
			return nil, fmt.Errorf("mastodon: engage_posts: %s: %w", h, err)
		}
		liked = append(liked, map[string]any{"account": h, "status_id": s.ID, "post": s.URL})
	}
	return map[string]any{"accounts": engaged, "liked": liked, "likes": len(liked),
		"replies": 0, "count": limit, "summary": fmt.Sprintf("favourited %d posts", len(liked))}, nil
}

// profile is the part of verify_credentials' CredentialAccount the profile
// check reads.
type profile struct {
	Account
	Note   string `json:"note"`
	Avatar string `json:"avatar"`
	Header string `json:"header"`
	Fields []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
}

// checkProfile reads the brand's own profile and says what it lacks. It
// changes nothing: a bio or links written for the client without their
// words would speak for them.
func (c *Connector) checkProfile(ctx context.Context, a platforms.Action) (map[string]any, error) {
	var p profile
	if err := c.call(ctx, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, "", &p); err != nil {
		return nil, fmt.Errorf("mastodon: optimize_profile: %w", err)
	}
	brand := platforms.InputString(a.Input, "brand")
	missing := []any{}
	if strings.TrimSpace(p.DisplayName) == "" || brand != "" && !strings.Contains(strings.ToLower(p.DisplayName), strings.ToLower(brand)) {
		missing = append(missing, "display name with the brand")
	}
	if strings.TrimSpace(p.Note) == "" {
		missing = append(missing, "bio")
	}
	if len(p.Fields) == 0 {
		missing = append(missing, "profile links")
	}
	if p.Avatar == "" || strings.Contains(p.Avatar, "missing") {
		missing = append(missing, "avatar")
	}
	summary := "the profile is complete"
	if len(missing) > 0 {
		summary = fmt.Sprintf("the profile lacks %d thing(s) the client should fill in", len(missing))
	}
	return map[string]any{"profile": p.URL, "handle": "@" + p.Acct, "missing": missing, "changed": false,
		"followers": p.FollowersCount, "summary": summary}, nil
}
