package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
)

// These tests cover the pages of signed links up to where a decision would
// reach Temporal; app/pages_e2e_test.go drives them in a browser against the
// real stack.

const formType = "application/x-www-form-urlencoded"

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken is the anti-forgery value of the page's form.
func formToken(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	require.Len(t, m, 2, "the page has a form token: %s", page)
	return m[1]
}

func (a approvalsAPI) send(method, target, contentType, body string, header map[string]string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

func postsApproval(id string, due time.Duration) store.Approval {
	a := pendingApproval(id, due, `[{"id":"dana@acme"},{"role":"agency-lead"}]`)
	a.Preview = `{"posts":[{"id":"p1","platform":"linkedin","text":"We fixed it."},{"id":"p2","platform":"x","text":"Fresh bread"}],"risk":"low"}`
	return a
}

func decisionPath(id, token string) string {
	return "/v1/approvals/" + id + "/decision?token=" + url.QueryEscape(token)
}

// A link that lets its approver choose shows both decisions and the posts'
// editors; the form's checks refuse before anything is decided.
func TestApprovalPageOfAChoosingLink(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	srv.seed("c1", postsApproval("c1.approve", time.Hour))
	u, _, err := links.PageURL(testSecret, "http://example.com", links.LinkClaims{ApprovalID: "c1.approve", Approver: api.Approver{ID: "dana@acme"}}, time.Hour, time.Now())
	require.NoError(t, err)
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	path := parsed.Path + "?" + parsed.RawQuery
	assert.Equal(t, "/v1/approvals/c1.approve/decision", parsed.Path)

	rec := srv.send("GET", path, "", "", nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	page := rec.Body.String()
	for _, want := range []string{
		`value="approve" class="primary">Approve</button>`, `value="reject" class="secondary">Reject</button>`,
		`<textarea id="post-0" name="post.0"`, "We fixed it.</textarea>", `<span class="platform">linkedin</span>`,
		"If nobody answers by", "this is rejected.", `<a href="http://example.com/timeline/c1?token=`,
	} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "This link can only")
	csrf := formToken(t, page)

	for name, tc := range map[string]struct {
		body   string
		header map[string]string
		status int
		want   string
	}{
		"no form token":     {"decision=approve", nil, 403, "this form does not belong to this link"},
		"another token":     {"csrf=" + links.FormToken(testSecret, "another-link") + "&decision=approve", nil, 403, "this form does not belong"},
		"from another site": {"csrf=" + csrf + "&decision=approve", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "posted from another site"},
		"another origin":    {"csrf=" + csrf + "&decision=approve", map[string]string{"Origin": "https://evil.example"}, 403, "Origin: https://evil.example"},
		"no decision":       {"csrf=" + csrf, nil, 422, "decision is required"},
		"post out of range": {"csrf=" + csrf + "&decision=approve&post.7=x", nil, 422, "post 8: the preview has 2 posts"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := srv.send("POST", path, formType, tc.body, tc.header)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Contains(t, rec.Body.String(), tc.want)
			assert.Equal(t, api.ApprovalPending, srv.status("c1.approve"))
		})
	}
	// A refused edit shows the form again as the person filled it.
	rec = srv.send("POST", path, formType, "csrf="+csrf+"&decision=approve&post.0=Mine&post.7=x&comment=keep+me", nil)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Contains(t, rec.Body.String(), "<details open>")
	assert.Contains(t, rec.Body.String(), ">\nMine</textarea>")
	assert.Contains(t, rec.Body.String(), ">\nkeep me</textarea>")

	// Unknown fields and a same-origin browser post's Origin "null".
	rec = srv.send("POST", path, formType, "csrf="+csrf+"&decision=approve&sneaky=1", nil)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Contains(t, rec.Body.String(), `"field":"sneaky"`)
	// JSON callers choose in the body; a wrong word is refused.
	rec = srv.send("POST", path, "application/json", `{"decision":"maybe"}`, nil)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `decision must be approve or reject, not \"maybe\"`)
	rec = srv.send("POST", path, "application/json", ``, nil)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())

	// HEAD decides nothing, and neither does GET.
	rec = srv.send("HEAD", path, "", "", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, api.ApprovalPending, srv.status("c1.approve"))
}

// A link whose approval is settled, that is spent, or that is late shows what
// became of the approval, not an error; the status code keeps the refusal's.
func TestSettledLinksSayWhatHappened(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	decidedAt := time.Date(2026, 11, 3, 8, 30, 0, 0, time.UTC)
	approved := postsApproval("c1.approve", time.Hour)
	approved.Status, approved.Decision, approved.DecidedBy, approved.Channel, approved.DecidedAt = api.ApprovalApproved, api.DecisionApprove, "sam@agency", "email", &decidedAt
	srv.seed("c1", approved)
	silent := postsApproval("c2.approve", time.Hour)
	silent.Status, silent.DecidedBy, silent.Channel, silent.Policy, silent.OnTimeout, silent.DecidedAt = api.ApprovalExpired, "policy:skip", api.ChannelPolicy, "skip", "skip", &decidedAt
	srv.seed("c2", silent)
	srv.seed("c3", postsApproval("c3.approve", time.Hour))
	dana := api.Approver{ID: "dana@acme"}

	rec := srv.send("GET", decisionPath("c1.approve", link(t, testSecret, links.LinkClaims{ApprovalID: "c1.approve", Approver: dana})), "", "", nil)
	require.Equal(t, http.StatusConflict, rec.Code)
	assert.Contains(t, rec.Body.String(), "<h1>Already decided</h1>")
	assert.Contains(t, rec.Body.String(), "Approved by sam@agency via email on Tue 3 Nov 08:30 UTC.")
	assert.NotContains(t, rec.Body.String(), "<form")

	rec = srv.send("GET", decisionPath("c2.approve", link(t, testSecret, links.LinkClaims{ApprovalID: "c2.approve", Approver: dana})), "", "", nil)
	require.Equal(t, http.StatusConflict, rec.Code)
	assert.Contains(t, rec.Body.String(), `<span class="silence-badge">Decided by silence</span>`)
	assert.Contains(t, rec.Body.String(), "Decided by silence: skipped, on Tue 3 Nov 08:30 UTC.")

	// A late link on a settled approval says what happened too; on a pending
	// one it says the link expired, without a form.
	late := time.Now().Add(-time.Minute).Unix()
	rec = srv.send("GET", decisionPath("c1.approve", link(t, testSecret, links.LinkClaims{ApprovalID: "c1.approve", Approver: dana, ExpiresAt: late})), "", "", nil)
	require.Equal(t, http.StatusGone, rec.Code)
	assert.Contains(t, rec.Body.String(), "Approved by sam@agency")
	rec = srv.send("GET", decisionPath("c3.approve", link(t, testSecret, links.LinkClaims{ApprovalID: "c3.approve", Approver: dana, ExpiresAt: late})), "", "", nil)
	require.Equal(t, http.StatusGone, rec.Code)
	assert.Contains(t, rec.Body.String(), "This link has expired")
	assert.NotContains(t, rec.Body.String(), "<form")

	// A spent link, posted again from its page: the person's own vote.
	require.NoError(t, srv.st.ApplyProjection(context.Background(), store.Projection{CampaignID: "c3", Seq: 2,
		Votes: []store.ApprovalVote{{ApprovalID: "c3.approve", Voter: "dana@acme", Decision: "approve", Channel: api.ChannelLink, At: decidedAt}}}))
	tok := link(t, testSecret, links.LinkClaims{ApprovalID: "c3.approve", Approver: dana})
	rec = srv.send("GET", decisionPath("c3.approve", tok), "", "", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "You voted approve on Tue 3 Nov 08:30 UTC.")
	claims, err := links.VerifyLink(testSecret, tok, time.Now())
	require.NoError(t, err)
	require.NoError(t, srv.st.UseDecisionToken(context.Background(), store.DecisionToken{ID: claims.ID, ApprovalID: "c3.approve", Approver: "dana@acme", Decision: "approve", ExpiresAt: claims.Expires()}))
	rec = srv.send("POST", decisionPath("c3.approve", tok), formType, "csrf="+links.FormToken(testSecret, claims.ID), nil)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), "<h1>You have voted</h1>")

	// JSON callers keep their problems.
	rec = srv.send("POST", decisionPath("c3.approve", tok), "", "", nil)
	require.Equal(t, http.StatusConflict, rec.Code)
	assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	assert.Contains(t, rec.Body.String(), "link already used")
}

// tokenAPI is a server with API tokens, for the routes that act as the caller.
func tokenAPI(t *testing.T) approvalsAPI {
	t.Helper()
	return newApprovalsAPI(t, server.Deps{LinkSecret: testSecret, Auth: true})
}

func (a approvalsAPI) token(name string, clients, roles []string) (string, string) {
	a.t.Helper()
	tok, secret, err := a.st.CreateToken(context.Background(), store.TokenSpec{Name: name, Role: api.RoleApprover, Clients: clients, ApprovalRoles: roles})
	require.NoError(a.t, err)
	return tok.ID, secret
}

func (a approvalsAPI) seedPosts(campaignID, client string, approvals ...store.Approval) {
	a.t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(a.t, a.st.CreateCampaign(ctx, &store.Campaign{
		ID: campaignID, WorkflowID: api.CampaignWorkflowID(campaignID), ClientID: client,
		Playbook: "e2e-posts", PlaybookVersion: 1, Status: api.StatusWaitingApproval, CreatedAt: now, UpdatedAt: now,
	}))
	for i := range approvals {
		approvals[i].ClientID = client
	}
	require.NoError(a.t, a.st.ApplyProjection(ctx, store.Projection{CampaignID: campaignID, Seq: 1, Approvals: approvals,
		Steps: []store.StepRun{{CampaignID: campaignID, Key: "approve", StepID: "approve", Kind: "approval", Name: "Approve the posts", Status: "running", Seq: 1}}}))
}

func (a approvalsAPI) mintInbox(secret, body string) (*httptest.ResponseRecorder, map[string]any) {
	a.t.Helper()
	rec := a.send("POST", "/v1/inbox/links", "application/json", body, map[string]string{"Authorization": "Bearer " + secret})
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

func TestInboxLinks(t *testing.T) {
	srv := tokenAPI(t)
	later := postsApproval("c1.approve", 3*time.Hour)
	soon := pendingApproval("c2.approve", time.Hour, `[{"role":"agency-lead"}]`)
	srv.seedPosts("c1", "acme", later)
	srv.seedPosts("c2", "acme", soon)
	srv.seedPosts("c3", "acme", pendingApproval("c3.approve", 30*time.Minute, `[{"id":"sam@acme"}]`)) // not dana's
	asked := postsApproval("c4.approve", 30*time.Minute)
	asked.RequestedBy = "dana@acme"
	srv.seedPosts("c4", "acme", asked)                                         // dana asked for it: no approving it
	srv.seedPosts("c5", "globex", postsApproval("c5.approve", 10*time.Minute)) // another client
	tokenID, secret := srv.token("dana@acme", []string{"acme"}, []string{"agency-lead"})

	rec, body := srv.mintInbox(secret, `{"ttl":"48h"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	inbox, err := url.Parse(body["inbox_url"].(string))
	require.NoError(t, err)
	assert.Equal(t, "http://example.com/inbox", inbox.Scheme+"://"+inbox.Host+inbox.Path)
	claims, err := links.VerifyInbox(testSecret, inbox.Query().Get("token"), time.Now())
	require.NoError(t, err)
	assert.Equal(t, links.InboxClaims{Person: "dana@acme", Roles: []string{"agency-lead"}, Clients: []string{"acme"},
		ExpiresAt: claims.ExpiresAt, ID: claims.ID, Token: tokenID}, claims)
	expires, err := time.Parse(time.RFC3339, body["expires_at"].(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(48*time.Hour), expires, 2*time.Second)
	// The link acts as dana until it expires: it is on record, as acme's.
	minted, err := srv.st.ListAudit(context.Background(), store.AuditFilter{Kind: api.AuditInboxLinkMinted, Limit: 10})
	require.NoError(t, err)
	require.Len(t, minted.Items, 1)
	assert.Equal(t, "dana@acme", minted.Items[0].Actor)
	assert.Equal(t, "acme", minted.Items[0].ClientID)
	assert.Contains(t, minted.Items[0].Detail, tokenID)

	for name, tc := range map[string]struct {
		body   string
		status int
	}{
		"bad ttl":       {`{"ttl":"soon"}`, 422},
		"ttl too long":  {`{"ttl":"90d"}`, 422},
		"unknown field": {`{"person":"sam@acme"}`, 400},
	} {
		t.Run(name, func(t *testing.T) {
			rec, _ := srv.mintInbox(secret, tc.body)
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
		})
	}
	_, viewer, err := srv.st.CreateToken(context.Background(), store.TokenSpec{Name: "vic", Role: api.RoleViewer})
	require.NoError(t, err)
	rec, _ = srv.mintInbox(viewer, `{}`)
	assert.Equal(t, http.StatusForbidden, rec.Code, "a viewer decides nothing, so it gets no inbox")

	// The page lists what dana may decide, soonest due first.
	path := inbox.Path + "?" + inbox.RawQuery
	rec = srv.send("GET", path, "", "", nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	page := rec.Body.String()
	ids := regexp.MustCompile(`name="approval" value="([^"]+)"`).FindAllStringSubmatch(page, -1)
	require.Len(t, ids, 2, page)
	assert.Equal(t, []string{"c2.approve", "c1.approve"}, []string{ids[0][1], ids[1][1]})
	assert.Contains(t, page, "linkedin: We fixed it. (&#43;1 more)")
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	// Each approval's own page, through a short-lived link for dana that lets her choose.
	hrefs := regexp.MustCompile(`href="(http://example.com/v1/approvals/[^"]+)"`).FindAllStringSubmatch(page, -1)
	require.Len(t, hrefs, 2)
	first, err := url.Parse(strings.ReplaceAll(hrefs[0][1], "&amp;", "&"))
	require.NoError(t, err)
	lc, err := links.VerifyLink(testSecret, first.Query().Get("token"), time.Now())
	require.NoError(t, err)
	assert.Equal(t, "c2.approve", lc.ApprovalID)
	assert.Equal(t, api.Approver{ID: "dana@acme", Role: "agency-lead"}, lc.Approver)
	assert.Equal(t, links.DecisionAny, lc.Decision)
	assert.Equal(t, tokenID, lc.Token)
	assert.WithinDuration(t, time.Now().Add(time.Hour), lc.Expires(), 2*time.Second)
	rec = srv.send("GET", first.Path+"?"+first.RawQuery, "", "", nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	// And a timeline for each campaign.
	timelines := regexp.MustCompile(`href="http://example.com(/timeline/c1\?token=[^"]+)"`).FindStringSubmatch(page)
	require.Len(t, timelines, 2)
	rec = srv.send("GET", strings.ReplaceAll(timelines[1], "&amp;", "&"), "", "", nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), "Approve the posts")
	assert.Contains(t, rec.Body.String(), "Read-only.")

	// The bulk form: its token, an approval picked.
	csrf := formToken(t, page)
	rec = srv.send("POST", path, formType, "approval=c1.approve", nil)
	assert.Equal(t, http.StatusForbidden, rec.Code, "no form token")
	rec = srv.send("POST", path, formType, "csrf="+url.QueryEscape(csrf), nil)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Contains(t, rec.Body.String(), "Pick at least one approval")
	rec = srv.send("POST", path, formType, "csrf="+url.QueryEscape(csrf)+"&approval=c1.approve", map[string]string{"Sec-Fetch-Site": "same-site"})
	assert.Equal(t, http.StatusForbidden, rec.Code, "posted from another site")
	// What the workflow would refuse is refused before it: another client's
	// approval is unknown to dana's inbox, exactly as to her token.
	rec = srv.send("POST", path, formType, "csrf="+url.QueryEscape(csrf)+"&approval=c5.approve&approval=nope", nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), "no approval c5.approve")
	assert.Contains(t, rec.Body.String(), "no approval nope")
	assert.Contains(t, rec.Body.String(), "Nothing was approved")
	assert.Equal(t, api.ApprovalPending, srv.status("c5.approve"))

	// An inbox link is no approval link, and no approval link is an inbox link.
	rec = srv.send("GET", decisionPath("c1.approve", inbox.Query().Get("token")), "", "", nil)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	rec = srv.send("GET", "/inbox?token="+url.QueryEscape(first.Query().Get("token")), "", "", nil)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	rec = srv.send("GET", "/timeline/c1?token="+url.QueryEscape(inbox.Query().Get("token")), "", "", nil)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	rec = srv.send("GET", strings.Replace(strings.ReplaceAll(timelines[1], "&amp;", "&"), "/timeline/c1", "/timeline/c2", 1), "", "", nil)
	assert.Equal(t, http.StatusForbidden, rec.Code, "a timeline link shows its own campaign only")

	// Revoking the token ends the inbox and every link it made.
	_, err = srv.st.RevokeToken(context.Background(), tokenID)
	require.NoError(t, err)
	for _, p := range []string{path, first.Path + "?" + first.RawQuery, strings.ReplaceAll(timelines[1], "&amp;", "&")} {
		rec = srv.send("GET", p, "", "", nil)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, p)
		assert.Contains(t, rec.Body.String(), "was revoked")
	}
}

func TestInboxLinkNeedsALinkSecretAndAnExpiry(t *testing.T) {
	off := newApprovalsAPI(t, server.Deps{Auth: true})
	_, secret, err := off.st.CreateToken(context.Background(), store.TokenSpec{Name: "dana@acme", Role: api.RoleApprover})
	require.NoError(t, err)
	rec, body := off.mintInbox(secret, `{}`)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, body["detail"], "GREENLIGHT_LINK_SECRET")

	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	late, _, err := links.InboxURL(testSecret, "", links.InboxClaims{Person: "dana@acme"}, time.Second, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	rec = srv.send("GET", late, "", "", nil)
	require.Equal(t, http.StatusGone, rec.Code)
	assert.Contains(t, rec.Body.String(), "this inbox link stopped working on")
	rec = srv.send("GET", "/inbox?token=garbage", "", "", nil)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Contains(t, rec.Body.String(), "malformed")
	rec, _ = srv.call("POST", "/v1/inbox/links", "application/json", `{}`)
	assert.Equal(t, http.StatusForbidden, rec.Code, "without tokens there is nobody to make an inbox for")
}
