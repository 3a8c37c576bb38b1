package bluesky

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/api/bsky"

	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/platforms"
)

// publish creates one post per entry of posts ({text, url} or plain text),
// at most count. A failure part way returns the error; the retry writes every
// post again under the same per-post record key, so those already created
// come back as they are.
func (c *Connector) publish(ctx context.Context, a platforms.Action) (map[string]any, error) {
	texts, err := platforms.InputPostTexts(a.Input)
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("bluesky: %w", err))
	}
	me, err := c.session(ctx)
	if err != nil {
		return nil, fmt.Errorf("bluesky: publish_posts: %w", err)
	}
	posts := make([]any, 0, len(texts))
	for i, t := range texts {
		r, err := c.create(ctx, collPost, a.Key+"/"+strconv.Itoa(i), record(newPost(t)))
		if err != nil {
			return nil, fmt.Errorf("bluesky: publish_posts: post %d: %w", i, err)
		}
		posts = append(posts, map[string]any{"uri": r.URI, "cid": r.CID, "url": postURL(r.URI, me.handle), "text": t})
	}
	return map[string]any{"posts": posts, "count": len(posts),
		"summary": fmt.Sprintf("published %d posts", len(posts))}, nil
}

// respond replies to the mention in its thread: parent is the mention, root
// the thread's first post, as clients need both to place a reply.
func (c *Connector) respond(ctx context.Context, a platforms.Action) (map[string]any, error) {
	if a.Input["private"] == true {
		// Bluesky's direct messages are a separate chat service an app
		// password may not reach; a public reply is not what was approved.
		return nil, notify.Permanent(errors.New("bluesky: respond_to_mention: private replies (direct messages) are not supported"))
	}
	msg := strings.TrimSpace(platforms.InputString(a.Input, "message"))
	if msg == "" {
		return nil, notify.Permanent(errors.New("bluesky: respond_to_mention needs a message"))
	}
	mention, err := c.resolve(ctx, platforms.InputString(a.Input, "url"))
	if err != nil {
		return nil, fmt.Errorf("bluesky: respond_to_mention: %w", err)
	}
	root := mention.Ref
	if mention.Record != nil && mention.Record.Reply != nil && mention.Record.Reply.Root != nil {
		root = mention.Record.Reply.Root
	}
	p := newPost(msg)
	p.Reply = &bsky.FeedPost_ReplyRef{Root: root, Parent: mention.Ref}
	r, err := c.create(ctx, collPost, a.Key, record(p))
	if err != nil {
		return nil, fmt.Errorf("bluesky: respond_to_mention: %w", err)
	}
	me, err := c.session(ctx)
	if err != nil {
		return nil, fmt.Errorf("bluesky: respond_to_mention: %w", err)
	}
	return map[string]any{"uri": r.URI, "cid": r.CID, "url": postURL(r.URI, me.handle),
		"in_reply_to_uri": mention.Ref.Uri, "in_reply_to_url": platforms.InputString(a.Input, "url"), "root_uri": root.Uri,
		"private": false, "summary": fmt.Sprintf("replied to %s", mention.Actor)}, nil
}

// repost reposts the post at url as it is. A repost has no page of its own;
// url in the output is the reposted post's.
func (c *Connector) repost(ctx context.Context, a platforms.Action) (map[string]any, error) {
	target, err := c.resolve(ctx, platforms.InputString(a.Input, "url"))
	if err != nil {
		return nil, fmt.Errorf("bluesky: repost: %w", err)
	}
	r, err := c.create(ctx, collRepost, a.Key, record(&bsky.FeedRepost{Subject: target.Ref, CreatedAt: now()}))
	if err != nil {
		return nil, fmt.Errorf("bluesky: repost: %w", err)
	}
	return map[string]any{"uri": r.URI, "cid": r.CID, "url": postURL(target.Ref.Uri, target.Actor),
		"reposted_uri": target.Ref.Uri, "reposted_url": platforms.InputString(a.Input, "url"),
		"summary": fmt.Sprintf("reposted %s", platforms.InputString(a.Input, "url"))}, nil
}

// quote posts the brand's text with the post at url embedded (quote), or
// with a link card (share, or a quote of something not on Bluesky): a
// Bluesky post is embedded as a record, anything else as an external link.
func (c *Connector) quote(ctx context.Context, a platforms.Action) (map[string]any, error) {
	link, text := strings.TrimSpace(platforms.InputString(a.Input, "url")), strings.TrimSpace(platforms.InputString(a.Input, "text"))
	if link == "" {
		return nil, notify.Permanent(fmt.Errorf("bluesky: %s needs a url", a.Name))
	}
	if a.Name == "quote" && text == "" {
		return nil, notify.Permanent(errors.New("bluesky: quote needs text"))
	}
	out := map[string]any{"quoted_url": link}
	var p *bsky.FeedPost
	if _, _, err := parsePostURL(link); err == nil {
		target, err := c.resolve(ctx, link)
		if err != nil {
			return nil, fmt.Errorf("bluesky: %s: %w", a.Name, err)
		}
		p = newPost(text)
		p.Embed = &bsky.FeedPost_Embed{EmbedRecord: &bsky.EmbedRecord{Record: target.Ref}}
		out["quoted_uri"] = target.Ref.Uri
		out["summary"] = fmt.Sprintf("quoted %s", link)
	} else {
		if text == "" {
			text = link // a post needs something to say; the link itself will do
		}
		title := strings.TrimSpace(platforms.InputString(a.Input, "title"))
		if title == "" {
			title = link
		}
		p = newPost(text)
		p.Embed = &bsky.FeedPost_Embed{EmbedExternal: &bsky.EmbedExternal{External: &bsky.EmbedExternal_External{Uri: link, Title: title}}}
		out["summary"] = fmt.Sprintf("posted a link to %s", link)
	}
	r, err := c.create(ctx, collPost, a.Key, record(p))
	if err != nil {
		return nil, fmt.Errorf("bluesky: %s: %w", a.Name, err)
	}
	me, err := c.session(ctx)
	if err != nil {
		return nil, fmt.Errorf("bluesky: %s: %w", a.Name, err)
	}
	out["uri"], out["cid"], out["url"] = r.URI, r.CID, postURL(r.URI, me.handle)
	return out, nil
}

// follow follows up to count (and daily_cap) of the accounts, never one the
// account follows already: the AppView's relationship says so, and a follow
// of this action written before a lost result is found under its record key.
func (c *Connector) follow(ctx context.Context, a platforms.Action) (map[string]any, error) {
	accounts := platforms.InputStrings(a.Input, "accounts")
	limit := platforms.InputLimit(a.Input, len(accounts))
	me, err := c.session(ctx)
	if err != nil {
		return nil, fmt.Errorf("bluesky: follow_accounts: %w", err)
	}
	followed, already := make([]any, 0, limit), make([]any, 0)
	for _, h := range accounts[:limit] {
		did, err := c.did(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("bluesky: follow_accounts: %s: %w", h, err)
		}
		if did == me.did {
			continue // one's own account is no one to follow
		}
		rels, err := bsky.GraphGetRelationships(ctx, api{c}, me.did, []string{did})
		if err != nil {
			return nil, fmt.Errorf("bluesky: follow_accounts: %s: %w", h, err)
		}
		if uri := followingURI(rels, did); uri != "" {
			already = append(already, map[string]any{"account": h, "did": did, "uri": uri})
			continue
		}
		r, err := c.create(ctx, collFollow, a.Key+"/follow/"+did, record(&bsky.GraphFollow{Subject: did, CreatedAt: now()}))
		if err != nil {
			return nil, fmt.Errorf("bluesky: follow_accounts: %s: %w", h, err)
		}
		followed = append(followed, map[string]any{"account": h, "did": did, "uri": r.URI, "cid": r.CID,
			"url": webHost + "/profile/" + did})
	}
	return map[string]any{"followed": followed, "already_following": already, "count": len(followed),
		"remaining": len(accounts) - limit, "summary": fmt.Sprintf("followed %d accounts", len(followed))}, nil
}

// followingURI is the URI of the follow record of did in rels, if any.
func followingURI(rels *bsky.GraphGetRelationships_Output, did string) string {
	for _, r := range rels.Relationships {
		if r != nil && r.GraphDefs_Relationship != nil && r.GraphDefs_Relationship.Did == did && r.GraphDefs_Relationship.Following != nil {
			return *r.GraphDefs_Relationship.Following
		}
	}
	return ""
}

// engage likes each account's latest post of its own (not a repost, not a
// reply), unless the account likes it already.
func (c *Connector) engage(ctx context.Context, a platforms.Action) (map[string]any, error) {
	accounts := platforms.InputStrings(a.Input, "accounts")
	limit := platforms.InputLimit(a.Input, len(accounts))
	liked, engaged := make([]any, 0, limit), make([]any, 0, limit)
	for _, h := range accounts[:limit] {
		engaged = append(engaged, h)
		did, err := c.did(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("bluesky: engage_posts: %s: %w", h, err)
		}
		feed, err := bsky.FeedGetAuthorFeed(ctx, api{c}, did, "", "posts_no_replies", false, 10)
		if err != nil {
			return nil, fmt.Errorf("bluesky: engage_posts: %s: %w", h, err)
		}
		latest := ownLatest(feed, did)
		if latest == nil {
			continue // nothing to like; not an error
		}
		postPage := postURL(latest.Uri, h)
		if latest.Author != nil && latest.Author.Handle != "" {
			postPage = postURL(latest.Uri, latest.Author.Handle)
		}
		if latest.Viewer != nil && latest.Viewer.Like != nil {
			liked = append(liked, map[string]any{"account": h, "post": postPage, "post_uri": latest.Uri,
				"uri": *latest.Viewer.Like, "already": true})
			continue
		}
		subject := &atproto.RepoStrongRef{Uri: latest.Uri, Cid: latest.Cid}
		r, err := c.create(ctx, collLike, a.Key+"/like/"+latest.Uri, record(&bsky.FeedLike{Subject: subject, CreatedAt: now()}))
		if err != nil {
			return nil, fmt.Errorf("bluesky: engage_posts: %s: %w", h, err)
		}
		liked = append(liked, map[string]any{"account": h, "post": postPage, "post_uri": latest.Uri, "uri": r.URI, "cid": r.CID})
	}
	return map[string]any{"accounts": engaged, "liked": liked, "likes": len(liked),
		"replies": 0, "count": limit, "summary": fmt.Sprintf("liked %d posts", len(liked))}, nil
}

// ownLatest is the newest post in feed that did wrote itself.
func ownLatest(feed *bsky.FeedGetAuthorFeed_Output, did string) *bsky.FeedDefs_PostView {
	for _, item := range feed.Feed {
		if item == nil || item.Post == nil || item.Reason != nil || item.Reply != nil {
			continue
		}
		if item.Post.Author != nil && item.Post.Author.Did == did {
			return item.Post
		}
	}
	return nil
}
