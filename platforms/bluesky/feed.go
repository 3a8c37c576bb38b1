package bluesky

import (
	"context"
	"fmt"

	"github.com/bluesky-social/indigo/api/bsky"
)

// Mention is a post that mentioned or replied to the account, from its
// notifications.
type Mention struct {
	URI       string // the post's at:// URI
	CID       string
	URL       string // its page
	Text      string
	Reason    string // "mention" or "reply"
	ReplyTo   string // for a reply, the URI of the post it answers
	Author    string // handle
	AuthorDID string
	AuthorURL string
	CreatedAt string // as the author's client said
	IndexedAt string // when the AppView saw it
}

// Follower is an account that began following the account.
type Follower struct {
	DID         string
	Handle      string
	URL         string
	DisplayName string
	Description string
	Created     string // the account's creation, when the AppView knows it
	FollowedAt  string
}

// Notifications is one page of what happened to the account, newest first.
type Notifications struct {
	Mentions []Mention
	Replies  []Mention
	Follows  []Follower
	// Cursor reads the next, older page; empty at the end.
	Cursor string
}

// pageSize is the most listNotifications answers at once.
const pageSize = 100

// Notifications returns one page of the account's mentions, replies and new
// followers, newest first, starting after cursor ("" for the newest).
func (c *Connector) Notifications(ctx context.Context, cursor string) (Notifications, error) {
	out, err := bsky.NotificationListNotifications(ctx, api{c}, cursor, pageSize, false, []string{"mention", "reply", "follow"}, "")
	if err != nil {
		return Notifications{}, fmt.Errorf("bluesky: unable to read notifications: %w", err)
	}
	var page Notifications
	if out.Cursor != nil {
		page.Cursor = *out.Cursor
	}
	for _, n := range out.Notifications {
		if n == nil || n.Author == nil {
			continue
		}
		switch n.Reason {
		case "mention", "reply":
			m := Mention{URI: n.Uri, CID: n.Cid, URL: postURL(n.Uri, n.Author.Handle), Reason: n.Reason,
				Author: n.Author.Handle, AuthorDID: n.Author.Did, AuthorURL: webHost + "/profile/" + n.Author.Handle,
				IndexedAt: n.IndexedAt}
			if n.Record != nil {
				if p, ok := n.Record.Val.(*bsky.FeedPost); ok {
					m.Text, m.CreatedAt = p.Text, p.CreatedAt
					if p.Reply != nil && p.Reply.Parent != nil {
						m.ReplyTo = p.Reply.Parent.Uri
					}
				}
			}
			if n.Reason == "reply" {
				page.Replies = append(page.Replies, m)
			} else {
				page.Mentions = append(page.Mentions, m)
			}
		case "follow":
			f := Follower{DID: n.Author.Did, Handle: n.Author.Handle, URL: webHost + "/profile/" + n.Author.Handle,
				FollowedAt: n.IndexedAt}
			if n.Author.DisplayName != nil {
				f.DisplayName = *n.Author.DisplayName
			}
			if n.Author.Description != nil {
				f.Description = *n.Author.Description
			}
			if n.Author.CreatedAt != nil {
				f.Created = *n.Author.CreatedAt
			}
			page.Follows = append(page.Follows, f)
		}
	}
	return page, nil
}
