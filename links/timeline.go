package links

import (
	"net/url"
	"strings"
	"time"
)

// TimelineClaims is what a signed timeline link grants: reading one campaign's
// steps and decisions, nothing else. The approval page and the inbox mint them
// for the campaigns their holder may see, to expire with the link they came from.
type TimelineClaims struct {
	CampaignID string `json:"cid"`
	Person     string `json:"sub"` // who it was minted for, for the record
	ExpiresAt  int64  `json:"exp"` // Unix seconds
	ID         string `json:"jti"`
	Token      string `json:"tok,omitempty"` // the minting API token, as in LinkClaims
}

// Expires is the claims' expiry as a time.
func (c TimelineClaims) Expires() time.Time { return time.Unix(c.ExpiresAt, 0).UTC() }

// VerifyTimeline checks a timeline token's signature, then its expiry against now.
func VerifyTimeline(secret []byte, token string, now time.Time) (TimelineClaims, error) {
	var c TimelineClaims
	if err := verify(secret, purposeTimeline, token, &c); err != nil {
		return TimelineClaims{}, err
	}
	if c.CampaignID == "" || c.ID == "" || c.ExpiresAt == 0 {
		return TimelineClaims{}, ErrLinkMalformed
	}
	if !now.Before(c.Expires()) {
		return c, ErrLinkExpired
	}
	return c, nil
}

// TimelineURL signs a read-only link to the campaign's timeline for claims'
// person, expiring at expires, under base.
func TimelineURL(secret []byte, base string, claims TimelineClaims, expires time.Time) (string, error) {
	claims.ExpiresAt, claims.ID = expires.Unix(), NewLinkID()
	tok, err := sign(secret, purposeTimeline, claims)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/") + "/timeline/" + url.PathEscape(claims.CampaignID) + "?" + url.Values{"token": {tok}}.Encode(), nil
}
