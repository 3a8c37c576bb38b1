package links

import (
	"net/url"
	"strings"
	"time"
)

// InboxClaims is what a signed inbox link grants: to see the pending approvals
// its person may decide (named by id, or through one of the roles), within the
// clients, and to approve them, until it expires. It is signed under a key of its
// own, so it is no approval link, and no approval link is one.
type InboxClaims struct {
	Person  string   `json:"sub"`
	Roles   []string `json:"roles,omitempty"`   // approver roles the person decides in
	Clients []string `json:"clients,omitempty"` // empty: every client
	// RoleClients are the clients on whose approvals Roles count (a person of
	// the directory decides in its roles for its own clients only); empty:
	// wherever the link reaches.
	RoleClients []string `json:"role_clients,omitempty"`
	ExpiresAt   int64    `json:"exp"` // Unix seconds
	ID          string   `json:"jti"` // random; binds the page's forms to this link
	// Token is the id of the API token that minted the link for its own holder:
	// the link stops working when that token is revoked. Links the worker signs
	// have none.
	Token string `json:"tok,omitempty"`
}

// Expires is the claims' expiry as a time.
func (c InboxClaims) Expires() time.Time { return time.Unix(c.ExpiresAt, 0).UTC() }

// SignInbox encodes and signs inbox claims with secret.
func SignInbox(secret []byte, c InboxClaims) (string, error) {
	return sign(secret, purposeInbox, c)
}

// VerifyInbox checks an inbox token's signature, then its expiry against now.
func VerifyInbox(secret []byte, token string, now time.Time) (InboxClaims, error) {
	var c InboxClaims
	if err := verify(secret, purposeInbox, token, &c); err != nil {
		return InboxClaims{}, err
	}
	if c.Person == "" || c.ID == "" || c.ExpiresAt == 0 {
		return InboxClaims{}, ErrLinkMalformed
	}
	if !now.Before(c.Expires()) {
		return c, ErrLinkExpired
	}
	return c, nil
}

// InboxURL signs an inbox link for the person that claims name (with their
// roles, clients and minting Token, if any), valid for ttl from now, under base
// (the API's public URL). The worker calls it to put a person's inbox into every
// message it sends them.
func InboxURL(secret []byte, base string, claims InboxClaims, ttl time.Duration, now time.Time) (string, time.Time, error) {
	expires := now.Add(ttl).Truncate(time.Second).UTC()
	claims.ExpiresAt, claims.ID = expires.Unix(), NewLinkID()
	tok, err := SignInbox(secret, claims)
	if err != nil {
		return "", time.Time{}, err
	}
	return strings.TrimRight(base, "/") + "/inbox?" + url.Values{"token": {tok}}.Encode(), expires, nil
}
