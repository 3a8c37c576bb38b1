// Package links signs and verifies one-click approval links: the token carries its
// own authority, so the API and the worker (for reminders) share only the secret.
package links

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/greenlight/greenlight/api"
)

// A signed one-click link carries its own authority: whoever holds it may take the
// one decision it names, on the one approval it names, until it expires, once.
// The token is base64url(JSON claims) "." base64url(HMAC-SHA256(secret, first part)),
// so it needs no lookup to verify and any change to either part breaks the MAC.

// LinkClaims is what a signed link grants.
type LinkClaims struct {
	ApprovalID string       `json:"aid"`
	Approver   api.Approver `json:"sub"`
	Decision   string       `json:"dec"`
	ExpiresAt  int64        `json:"exp"` // Unix seconds
	ID         string       `json:"jti"` // random; the single-use record's key
	// Token is the id of the API token that minted the link for its own holder:
	// the link stops working when that token is revoked. Links the worker signs
	// for reminders have none.
	Token string `json:"tok,omitempty"`
}

// Expires is the claims' expiry as a time.
func (c LinkClaims) Expires() time.Time { return time.Unix(c.ExpiresAt, 0).UTC() }

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
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode link claims: %w", err)
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(linkMAC(secret, body)), nil
}

// VerifyLink checks a token's signature, then its expiry against now, and returns its
// claims. The signature is checked first and in constant time, so nothing about a
// forged token's contents is trusted or revealed.
func VerifyLink(secret []byte, token string, now time.Time) (LinkClaims, error) {
	var c LinkClaims
	body, sig, ok := strings.Cut(token, ".")
	if !ok || body == "" || sig == "" {
		return c, ErrLinkMalformed
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return c, ErrLinkSignature
	}
	if !hmac.Equal(mac, linkMAC(secret, body)) {
		return c, ErrLinkSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return c, ErrLinkMalformed
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return LinkClaims{}, fmt.Errorf("%w: %w", ErrLinkMalformed, err)
	}
	if c.ApprovalID == "" || c.ID == "" || (c.Approver.ID == "" && c.Approver.Role == "") ||
		(c.Decision != api.DecisionApprove && c.Decision != api.DecisionReject) {
		return LinkClaims{}, ErrLinkMalformed
	}
	if !now.Before(c.Expires()) {
		return c, ErrLinkExpired
	}
	return c, nil
}

func linkMAC(secret []byte, body string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(body))
	return m.Sum(nil)
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
