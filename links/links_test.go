package links

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
)

var secret = []byte("0123456789abcdef0123456789abcdef-links")

func tokenOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Query().Get("token")
}

// Each kind of token verifies only as its own kind: an approval link is never
// an inbox or a timeline link, nor the reverse.
func TestTokensOfOneKindAreNoneOfAnother(t *testing.T) {
	now := time.Now()
	page, _, err := PageURL(secret, "https://gl.example/", LinkClaims{ApprovalID: "c1.a", Approver: api.Approver{ID: "dana"}}, time.Hour, now)
	require.NoError(t, err)
	inbox, _, err := InboxURL(secret, "https://gl.example", InboxClaims{Person: "dana", Clients: []string{"acme"}}, time.Hour, now)
	require.NoError(t, err)
	timeline, err := TimelineURL(secret, "https://gl.example", TimelineClaims{CampaignID: "c1", Person: "dana"}, now.Add(time.Hour))
	require.NoError(t, err)
	approval, inboxTok, timelineTok := tokenOf(t, page), tokenOf(t, inbox), tokenOf(t, timeline)

	_, err = VerifyLink(secret, approval, now)
	require.NoError(t, err)
	_, err = VerifyInbox(secret, inboxTok, now)
	require.NoError(t, err)
	_, err = VerifyTimeline(secret, timelineTok, now)
	require.NoError(t, err)

	for name, check := range map[string]func() error{
		"inbox as approval":    func() error { _, err := VerifyLink(secret, inboxTok, now); return err },
		"timeline as approval": func() error { _, err := VerifyLink(secret, timelineTok, now); return err },
		"approval as inbox":    func() error { _, err := VerifyInbox(secret, approval, now); return err },
		"timeline as inbox":    func() error { _, err := VerifyInbox(secret, timelineTok, now); return err },
		"approval as timeline": func() error { _, err := VerifyTimeline(secret, approval, now); return err },
		"inbox as timeline":    func() error { _, err := VerifyTimeline(secret, inboxTok, now); return err },
		"inbox, other secret": func() error {
			_, err := VerifyInbox([]byte("another-secret-another-secret-xx"), inboxTok, now)
			return err
		},
	} {
		assert.ErrorIs(t, check(), ErrLinkSignature, name)
	}
	assert.True(t, strings.HasPrefix(page, "https://gl.example/v1/approvals/c1.a/decision?token="), page)
	assert.True(t, strings.HasPrefix(inbox, "https://gl.example/inbox?token="), inbox)
	assert.True(t, strings.HasPrefix(timeline, "https://gl.example/timeline/c1?token="), timeline)
}

func TestPageLinksLetTheApproverChoose(t *testing.T) {
	now := time.Now()
	page, exp, err := PageURL(secret, "", LinkClaims{ApprovalID: "c1.a", Approver: api.Approver{Role: "lead"}, Token: "tok_1"}, time.Hour, now)
	require.NoError(t, err)
	c, err := VerifyLink(secret, tokenOf(t, page), now)
	require.NoError(t, err)
	assert.Equal(t, DecisionAny, c.Decision)
	assert.Equal(t, "tok_1", c.Token)
	assert.Equal(t, exp, c.Expires())
	assert.True(t, c.Allows(api.DecisionApprove))
	assert.True(t, c.Allows(api.DecisionReject))
	assert.False(t, c.Allows("maybe"))
	assert.False(t, c.Allows(DecisionAny), "a choosing link decides approve or reject, never \"any\"")

	approve := LinkClaims{Decision: api.DecisionApprove}
	assert.True(t, approve.Allows(api.DecisionApprove))
	assert.False(t, approve.Allows(api.DecisionReject))

	_, err = VerifyLink(secret, tokenOf(t, page), exp)
	assert.ErrorIs(t, err, ErrLinkExpired)
}

func TestInboxClaimsRoundTripAndExpire(t *testing.T) {
	now := time.Now()
	in := InboxClaims{Person: "dana@acme", Roles: []string{"client-lead"}, Clients: []string{"acme"}, Token: "tok_9"}
	u, exp, err := InboxURL(secret, "http://127.0.0.1:8080", in, 72*time.Hour, now)
	require.NoError(t, err)
	got, err := VerifyInbox(secret, tokenOf(t, u), now)
	require.NoError(t, err)
	in.ExpiresAt, in.ID = exp.Unix(), got.ID
	assert.Equal(t, in, got)
	assert.NotEmpty(t, got.ID)

	late, err := VerifyInbox(secret, tokenOf(t, u), exp.Add(time.Second))
	assert.ErrorIs(t, err, ErrLinkExpired)
	assert.Equal(t, "dana@acme", late.Person, "an expired link still says whose it was")

	tok := tokenOf(t, u)
	body, mac, _ := strings.Cut(tok, ".")
	_, err = VerifyInbox(secret, body+"x."+mac, now)
	assert.ErrorIs(t, err, ErrLinkSignature)
	_, err = VerifyInbox(secret, "nodot", now)
	assert.ErrorIs(t, err, ErrLinkMalformed)
	noPerson, err := sign(secret, purposeInbox, InboxClaims{ID: "x", ExpiresAt: now.Add(time.Hour).Unix()})
	require.NoError(t, err)
	_, err = VerifyInbox(secret, noPerson, now)
	assert.ErrorIs(t, err, ErrLinkMalformed)
}

func TestFormTokensBindAFormToItsLink(t *testing.T) {
	a := FormToken(secret, "link-a")
	assert.True(t, CheckFormToken(secret, "link-a", a))
	assert.False(t, CheckFormToken(secret, "link-b", a))
	assert.False(t, CheckFormToken([]byte("another-secret-another-secret-xx"), "link-a", a))
	assert.False(t, CheckFormToken(secret, "", FormToken(secret, "")), "a link without an id has no form")
	assert.False(t, CheckFormToken(secret, "link-a", ""))
	assert.NotEqual(t, a, FormToken(secret, "link-b"))
}
