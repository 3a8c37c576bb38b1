// Package links signs and verifies the links people act through: one-click
// approval links, inbox links and read-only timeline links. Each token carries its
// own authority, so the API and the worker (for reminders) share only the secret.
package links

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/greenlight/greenlight/api"
)

// A signed one-click link carries its own authority: whoever holds it may take the
// one decision it names, on the one approval it names, until it expires, once.
// The token is base64url(JSON claims) "." base64url(HMAC-SHA256(secret, first part)),
// so it needs no lookup to verify and any change to either part breaks the MAC.

// DecisionAny is the decision of a link that opens the approval's page and lets
// its approver choose there: approve (with edits) or reject.
const DecisionAny = "any"

// LinkClaims is what a signed link grants.
type LinkClaims struct {
	ApprovalID string       `json:"aid"`
	Approver   api.Approver `json:"sub"`
	Decision   string       `json:"dec"` // approve | reject | any (DecisionAny)
	ExpiresAt  int64        `json:"exp"` // Unix seconds
	ID         string       `json:"jti"` // random; the single-use record's key
	// Token is the id of the API token that minted the link for its own holder:
	// the link stops working when that token is revoked. Links the worker signs
	// for reminders have none.
	Token string `json:"tok,omitempty"`
}

// Expires is the claims' expiry as a time.
func (c LinkClaims) Expires() time.Time { return time.Unix(c.ExpiresAt, 0).UTC() }

// Allows says whether the link may take decision d.
func (c LinkClaims) Allows(d string) bool {
	if d != api.DecisionApprove && d != api.DecisionReject {
		return false
	}
	return c.Decision == d || c.Decision == DecisionAny
}

// Who names the approver the way decisions record them: the id, else the role.
func (c LinkClaims) Who() string {
	if c.Approver.ID != "" {
		return c.Approver.ID
	}
	return c.Approver.Role
}

// Errors of a link that cannot be trusted; the API answers each with its own problem.
var (
	ErrLinkMalformed = errors.New("link token is malformed")
	ErrLinkSignature = errors.New("link signature does not match")
	ErrLinkExpired   = errors.New("link expired")
)

// NewLinkID returns a fresh random token id.
func NewLinkID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// SignLink encodes and signs claims with secret.
func SignLink(secret []byte, c LinkClaims) (string, error) {
	return sign(secret, purposeApproval, c)
}

// VerifyLink checks a token's signature, then its expiry against now, and returns its
// claims. The signature is checked first and in constant time, so nothing about a
// forged token's contents is trusted or revealed.
func VerifyLink(secret []byte, token string, now time.Time) (LinkClaims, error) {
	var c LinkClaims
	if err := verify(secret, purposeApproval, token, &c); err != nil {
		return LinkClaims{}, err
	}
	if c.ApprovalID == "" || c.ID == "" || (c.Approver.ID == "" && c.Approver.Role == "") ||
		(c.Decision != api.DecisionApprove && c.Decision != api.DecisionReject && c.Decision != DecisionAny) {
		return LinkClaims{}, ErrLinkMalformed
	}
	if !now.Before(c.Expires()) {
		return c, ErrLinkExpired
	}
	return c, nil
}

// URLs signs an approve and a reject link for the approval and approver that
// claims name (and its minting Token, if any), valid for ttl from now, under base
// (the API's public URL).
func URLs(secret []byte, base string, claims LinkClaims, ttl time.Duration, now time.Time) (approve, reject string, expires time.Time, err error) {
	expires = now.Add(ttl).Truncate(time.Second).UTC()
	approvalID := claims.ApprovalID
	out := map[string]string{}
	for _, d := range []string{api.DecisionApprove, api.DecisionReject} {
		c := claims
		c.Decision, c.ExpiresAt, c.ID = d, expires.Unix(), NewLinkID()
		tok, err := SignLink(secret, c)
		if err != nil {
			return "", "", time.Time{}, err
		}
		q := url.Values{"token": {tok}, "decision": {d}}
		out[d] = strings.TrimRight(base, "/") + "/v1/approvals/" + url.PathEscape(approvalID) + "/decision?" + q.Encode()
	}
	return out[api.DecisionApprove], out[api.DecisionReject], expires, nil
}

// PageURL signs one link that opens the approval's page for the approver that
// claims name, who then chooses there: approve, approve with edited posts, or
// reject. It is what a message links to when it offers more than one click.
func PageURL(secret []byte, base string, claims LinkClaims, ttl time.Duration, now time.Time) (string, time.Time, error) {
	expires := now.Add(ttl).Truncate(time.Second).UTC()
	claims.Decision, claims.ExpiresAt, claims.ID = DecisionAny, expires.Unix(), NewLinkID()
	tok, err := SignLink(secret, claims)
	if err != nil {
		return "", time.Time{}, err
	}
	return ApprovalPageURL(base, claims.ApprovalID, tok), expires, nil
}

// ApprovalPageURL is where a signed approval token opens its page, under base.
func ApprovalPageURL(base, approvalID, token string) string {
	return strings.TrimRight(base, "/") + "/v1/approvals/" + url.PathEscape(approvalID) + "/decision?" + url.Values{"token": {token}}.Encode()
}
