package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Mention is a post that mentioned the account, from its notifications.
type Mention struct {
	ID         string // the notification's id: pass the newest as sinceID next time
	StatusID   string
	URL        string
	Content    string // HTML, as Mastodon renders it
	Visibility string
	Author     string // acct: user, or user@instance when remote
	AuthorURL  string
	CreatedAt  string
}

// Follower is an account that began following the account.
type Follower struct {
	ID             string // the notification's id
	AccountID      string
	Acct           string
	URL            string
	DisplayName    string
	Bot            bool
	AccountCreated string
	FollowersCount int
	FollowingCount int
	StatusesCount  int
	FollowedAt     string
}

type notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	CreatedAt string  `json:"created_at"`
	Account   Account `json:"account"`
	Status    *Status `json:"status"`
}

func (c *Connector) notifications(ctx context.Context, kind, sinceID string) ([]notification, error) {
	q := url.Values{"types[]": {kind}, "limit": {"40"}}
	if sinceID != "" {
		q.Set("since_id", sinceID)
	}
	var ns []notification
	if err := c.call(ctx, http.MethodGet, "/api/v1/notifications", q, "", &ns); err != nil {
		return nil, fmt.Errorf("mastodon: unable to read %s notifications: %w", kind, err)
	}
	return ns, nil
}

// Mentions returns the mentions newer than sinceID ("" for the latest page),
// newest first, at most one page (40).
func (c *Connector) Mentions(ctx context.Context, sinceID string) ([]Mention, error) {
	ns, err := c.notifications(ctx, "mention", sinceID)
	if err != nil {
		return nil, err
	}
	out := make([]Mention, 0, len(ns))
	for _, n := range ns {
		if n.Type != "mention" || n.Status == nil {
			continue
		}
		out = append(out, Mention{ID: n.ID, StatusID: n.Status.ID, URL: n.Status.URL, Content: n.Status.Content,
			Visibility: n.Status.Visibility, Author: n.Account.Acct, AuthorURL: n.Account.URL, CreatedAt: n.Status.CreatedAt})
	}
	return out, nil
}

// NewFollowers returns the follows newer than sinceID ("" for the latest
// page), newest first, at most one page (40).
func (c *Connector) NewFollowers(ctx context.Context, sinceID string) ([]Follower, error) {
	ns, err := c.notifications(ctx, "follow", sinceID)
	if err != nil {
		return nil, err
	}
	out := make([]Follower, 0, len(ns))
	for _, n := range ns {
		if n.Type != "follow" {
			continue
		}
		a := n.Account
		out = append(out, Follower{ID: n.ID, AccountID: a.ID, Acct: a.Acct, URL: a.URL, DisplayName: a.DisplayName,
			Bot: a.Bot, AccountCreated: a.CreatedAt, FollowersCount: a.FollowersCount, FollowingCount: a.FollowingCount,
			StatusesCount: a.StatusesCount, FollowedAt: n.CreatedAt})
	}
	return out, nil
}
