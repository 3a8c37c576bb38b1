package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// These tests cover approvals up to the point where a decision would reach
// Temporal: inbox filters, link minting and every link refusal, the landing page,
// bulk validation. app/approvals_e2e_test.go covers the paths through Temporal.

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

type approvalsAPI struct {
	t  *testing.T
	h  http.Handler
	st *store.Store
}

func newApprovalsAPI(t *testing.T, deps server.Deps) approvalsAPI {
	t.Helper()
	deps.Store = storetest.SQLite(t)
	deps.Namespace = "default"
	return approvalsAPI{t: t, h: server.New(deps).Handler(), st: deps.Store}
}

// seed writes a campaign of acme with the given approvals, as the workflow's projection would.
func (a approvalsAPI) seed(campaignID string, approvals ...store.Approval) {
	a.t.Helper()
	a.seedFor("acme", campaignID, approvals...)
}

// seedFor is seed for a campaign of client.
func (a approvalsAPI) seedFor(client, campaignID string, approvals ...store.Approval) {
	a.t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(a.t, a.st.CreateCampaign(ctx, &store.Campaign{
		ID: campaignID, WorkflowID: api.CampaignWorkflowID(campaignID), ClientID: client,
		Playbook: "e2e-quick", PlaybookVersion: 1, Status: api.StatusWaitingApproval, CreatedAt: now, UpdatedAt: now,
	}))
	require.NoError(a.t, a.st.ApplyProjection(ctx, store.Projection{CampaignID: campaignID, Seq: 1, Approvals: approvals}))
}

func pendingApproval(id string, due time.Duration, approvers string) store.Approval {
	now := time.Now().UTC()
	return store.Approval{
		ID: id, StepKey: "approve", Title: "Publish <b>one</b> post?", Preview: `{"posts":["<script>alert(1)</script>"]}`,
		Status: api.ApprovalPending, OnTimeout: "reject", RequestedAt: now, DueAt: now.Add(due),
		Quorum: 1, Approvers: approvers,
	}
}

func (a approvalsAPI) call(method, target, contentType, body string) (*httptest.ResponseRecorder, map[string]any) {
	a.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

func (a approvalsAPI) status(id string) string {
	a.t.Helper()
	got, err := a.st.GetApproval(context.Background(), id)
	require.NoError(a.t, err)
	return got.Status
}

func link(t *testing.T, secret []byte, c links.LinkClaims) string {
	t.Helper()
	if c.ID == "" {
		c.ID = links.NewLinkID()
	}
	if c.ExpiresAt == 0 {
		c.ExpiresAt = time.Now().Add(time.Hour).Unix()
	}
	if c.Decision == "" {
		c.Decision = api.DecisionApprove
	}
	tok, err := links.SignLink(secret, c)
	require.NoError(t, err)
	return tok
}

func TestLinkTokenVerify(t *testing.T) {
	now := time.Now()
	claims := links.LinkClaims{
		ApprovalID: "c1.approve", Approver: api.Approver{ID: "dana@acme", Role: "client-marketing-lead"},
		Decision: api.DecisionApprove, ExpiresAt: now.Add(time.Hour).Unix(), ID: links.NewLinkID(),
	}
	tok := link(t, testSecret, claims)

	got, err := links.VerifyLink(testSecret, tok, now)
	require.NoError(t, err)
	assert.Equal(t, claims, got)
	assert.Equal(t, "dana@acme", got.Who())

	body, mac, _ := strings.Cut(tok, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	forged, _ := json.Marshal(links.LinkClaims{ApprovalID: "c1.approve", Approver: api.Approver{ID: "mallory"},
		Decision: api.DecisionApprove, ExpiresAt: claims.ExpiresAt, ID: claims.ID})
	cases := map[string]struct {
		token  string
		secret []byte
		at     time.Time
		want   error
	}{
		"payload byte flipped":     {flip(body, 5) + "." + mac, testSecret, now, links.ErrLinkSignature},
		"mac byte flipped":         {body + "." + flip(mac, 3), testSecret, now, links.ErrLinkSignature},
		"payload swapped":          {base64.RawURLEncoding.EncodeToString(forged) + "." + mac, testSecret, now, links.ErrLinkSignature},
		"wrong secret":             {tok, []byte("another-secret-another-secret-xx"), now, links.ErrLinkSignature},
		"expired":                  {tok, testSecret, claims.Expires(), links.ErrLinkExpired},
		"no dot":                   {body + mac, testSecret, now, links.ErrLinkMalformed},
		"empty":                    {"", testSecret, now, links.ErrLinkMalformed},
		"signed but not claims":    {signRaw(`{"aid":"x"}`), testSecret, now, links.ErrLinkMalformed},
		"signed but not even JSON": {signRaw(`nope`), testSecret, now, links.ErrLinkMalformed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := links.VerifyLink(tc.secret, tc.token, tc.at)
			require.ErrorIs(t, err, tc.want)
		})
	}
	assert.NotEqual(t, links.NewLinkID(), links.NewLinkID())
}

// signRaw signs an arbitrary payload with testSecret, the way SignLink signs claims.
func signRaw(payload string) string {
	body := base64.RawURLEncoding.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, testSecret)
	m.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestCreateLinks(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	srv.seed("c1", pendingApproval("c1.approve", time.Hour, `[{"id":"dana@acme"},{"role":"agency-lead"}]`))

	rec, body := srv.call("POST", "/v1/approvals/c1.approve/links", "application/json",
		`{"approver":{"id":"dana@acme","role":"client-marketing-lead"},"ttl":"2d"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	for decision, key := range map[string]string{"approve": "approve_url", "reject": "reject_url"} {
		u, err := url.Parse(body[key].(string))
		require.NoError(t, err)
		assert.Equal(t, "http://example.com/v1/approvals/c1.approve/decision", u.Scheme+"://"+u.Host+u.Path, "the request's own address")
		assert.Equal(t, decision, u.Query().Get("decision"))
		claims, err := links.VerifyLink(testSecret, u.Query().Get("token"), time.Now())
		require.NoError(t, err)
		assert.Equal(t, decision, claims.Decision)
		assert.Equal(t, "c1.approve", claims.ApprovalID)
		assert.Equal(t, api.Approver{ID: "dana@acme", Role: "client-marketing-lead"}, claims.Approver)
		assert.WithinDuration(t, time.Now().Add(48*time.Hour), claims.Expires(), 2*time.Second)
	}
	expires, err := time.Parse(time.RFC3339, body["expires_at"].(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(48*time.Hour), expires, 2*time.Second)

	// A configured public URL wins over the request's address.
	public := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret, PublicURL: "https://approve.example.test/"})
	public.seed("c1", pendingApproval("c1.approve", time.Hour, ""))
	rec, body = public.call("POST", "/v1/approvals/c1.approve/links", "application/json", `{"approver":{"role":"agency-lead"}}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.True(t, strings.HasPrefix(body["approve_url"].(string), "https://approve.example.test/v1/approvals/c1.approve/decision?"), body["approve_url"])

	decided := pendingApproval("c2.approve", time.Hour, "")
	decided.Status, decided.Decision, decided.DecidedBy = api.ApprovalApproved, api.DecisionApprove, "dana@acme"
	srv.seed("c2", decided)
	for name, tc := range map[string]struct {
		path, body string
		status     int
		detail     string
	}{
		"unknown approval": {"/v1/approvals/nope/links", `{"approver":{"id":"dana@acme"}}`, 404, "no approval nope"},
		"decided":          {"/v1/approvals/c2.approve/links", `{"approver":{"id":"dana@acme"}}`, 409, "already approved by dana@acme"},
		"no approver":      {"/v1/approvals/c1.approve/links", `{"ttl":"1h"}`, 422, "link request"},
		"bad ttl":          {"/v1/approvals/c1.approve/links", `{"approver":{"id":"dana@acme"},"ttl":"soon"}`, 422, "link request"},
		"ttl too long":     {"/v1/approvals/c1.approve/links", `{"approver":{"id":"dana@acme"},"ttl":"90d"}`, 422, "link request"},
		"not an approver":  {"/v1/approvals/c1.approve/links", `{"approver":{"id":"eve@acme"}}`, 422, "eve@acme may not decide approval c1.approve"},
	} {
		t.Run(name, func(t *testing.T) {
			rec, body := srv.call("POST", tc.path, "application/json", tc.body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			assert.Contains(t, body["detail"], tc.detail)
		})
	}

	off := newApprovalsAPI(t, server.Deps{})
	off.seed("c1", pendingApproval("c1.approve", time.Hour, ""))
	rec, body = off.call("POST", "/v1/approvals/c1.approve/links", "application/json", `{"approver":{"id":"dana@acme"}}`)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, body["detail"], "GREENLIGHT_LINK_SECRET")
}

// Every refused link answers a problem and changes nothing: the approval stays
// pending, nothing is written to the audit log, and the good link is not spent.
func TestLinkRefusals(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	srv.seed("c1", pendingApproval("c1.approve", time.Hour, `[{"id":"dana@acme"},{"role":"agency-lead"}]`))
	srv.seed("c9", pendingApproval("c9.approve", time.Hour, ""))
	dana := api.Approver{ID: "dana@acme"}
	good := link(t, testSecret, links.LinkClaims{ApprovalID: "c1.approve", Approver: dana})
	body, mac, _ := strings.Cut(good, ".")
	flipped := []byte(mac)
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}

	cases := []struct {
		name, token, body string
		status            int
		typ, detail       string
	}{
		{"tampered payload", base64.RawURLEncoding.EncodeToString([]byte(`{"aid":"c1.approve","sub":{"id":"eve"},"dec":"approve","exp":9999999999,"jti":"x"}`)) + "." + mac, "", 401, "/problems/link-invalid", "link signature does not match"},
		{"tampered mac", body + "." + string(flipped), "", 401, "/problems/link-invalid", "link signature does not match"},
		{"other secret", link(t, []byte("not-the-server-secret-not-the-server"), links.LinkClaims{ApprovalID: "c1.approve", Approver: dana}), "", 401, "/problems/link-invalid", "link signature does not match"},
		{"garbage", "garbage", "", 401, "/problems/link-invalid", "malformed"},
		{"expired", link(t, testSecret, links.LinkClaims{ApprovalID: "c1.approve", Approver: dana, ExpiresAt: time.Now().Add(-time.Minute).Unix()}), "", 410, "/problems/link-expired", "link expired"},
		{"other approval", link(t, testSecret, links.LinkClaims{ApprovalID: "c9.approve", Approver: dana}), "", 403, "/problems/forbidden", "this link is for approval c9.approve"},
		{"wrong approver", link(t, testSecret, links.LinkClaims{ApprovalID: "c1.approve", Approver: api.Approver{ID: "eve@acme", Role: "intern"}}), "", 403, "/problems/forbidden", "this link is for eve@acme (intern), who may not decide this approval"},
		{"other decision in body", good, `{"decision":"reject"}`, 403, "/problems/forbidden", "this link can only approve"},
		{"someone else in body", good, `{"by":"eve@acme"}`, 403, "/problems/forbidden", "this link is for dana@acme"},
		{"unknown field", good, `{"decision":"approve","sneaky":1}`, 400, "/problems/bad-request", "sneaky"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, got := srv.call("POST", "/v1/approvals/c1.approve/decision?token="+url.QueryEscape(tc.token), "application/json", tc.body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			assert.Equal(t, tc.typ, got["type"])
			assert.Contains(t, got["detail"], tc.detail)
			assert.Equal(t, api.ApprovalPending, srv.status("c1.approve"))
		})
	}
	// The decision in the query must agree with the token too.
	rec, got := srv.call("POST", "/v1/approvals/c1.approve/decision?decision=reject&token="+url.QueryEscape(good), "", "")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	assert.Contains(t, got["detail"], "this link can only approve")

	events, err := srv.st.AuditEvents(context.Background(), "c1")
	require.NoError(t, err)
	assert.Empty(t, events)
	claims, err := links.VerifyLink(testSecret, good, time.Now())
	require.NoError(t, err)
	require.NoError(t, srv.st.UseDecisionToken(context.Background(), store.DecisionToken{
		ID: claims.ID, ApprovalID: "c1.approve", Approver: "dana@acme", Decision: "approve", ExpiresAt: claims.Expires(),
	}), "no refusal spent the good link")
}

// A link whose decision is refused after its use was recorded is released, so the
// answer stays about the approval and not about a spent link.
func TestLinkOnDecidedApprovalIsNotSpent(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	decided := pendingApproval("c1.approve", time.Hour, "")
	decided.Status, decided.Decision, decided.DecidedBy = api.ApprovalRejected, api.DecisionReject, "sam@agency"
	srv.seed("c1", decided)
	tok := link(t, testSecret, links.LinkClaims{ApprovalID: "c1.approve", Approver: api.Approver{ID: "dana@acme"}})
	for range 2 {
		rec, got := srv.call("POST", "/v1/approvals/c1.approve/decision?token="+url.QueryEscape(tok), "", "")
		require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
		assert.Contains(t, got["detail"], "already rejected by sam@agency")
	}
}

func TestLinkPage(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	srv.seed("c1", pendingApproval("c1.approve", time.Hour, `[{"id":"dana@acme"}]`))
	tok := link(t, testSecret, links.LinkClaims{ApprovalID: "c1.approve", Approver: api.Approver{ID: "dana@acme"}, Decision: api.DecisionReject})

	rec, _ := srv.call("GET", "/v1/approvals/c1.approve/decision?decision=reject&token="+url.QueryEscape(tok), "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	page := rec.Body.String()
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"), "the token must not leak through Referer")
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'")
	assert.Contains(t, page, `<form method="post">`)
	assert.Contains(t, page, `<button type="submit" name="decision" value="reject" class="primary">Reject</button>`)
	assert.NotContains(t, page, `value="approve"`, "a reject link offers no approval")
	assert.Contains(t, page, "This link can only reject.")
	assert.Contains(t, page, "Publish &lt;b&gt;one&lt;/b&gt; post?")
	assert.NotContains(t, page, "<script>alert(1)</script>")
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Equal(t, api.ApprovalPending, srv.status("c1.approve"), "opening the page decides nothing")
	csrf := formToken(t, page)

	rec, _ = srv.call("GET", "/v1/approvals/c1.approve/decision?token=forged.token", "", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Contains(t, rec.Body.String(), "link signature does not match")
	assert.NotContains(t, rec.Body.String(), "<form")

	// The form posts back with form encoding; a refusal then is a page, not JSON.
	rec, _ = srv.call("POST", "/v1/approvals/c1.approve/decision?token="+url.QueryEscape(tok), "application/x-www-form-urlencoded", "csrf="+csrf+"&decision=approve&comment=hi")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Contains(t, rec.Body.String(), "this link can only reject")
	assert.Equal(t, api.ApprovalPending, srv.status("c1.approve"))
}

func TestListApprovalsDueBefore(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{})
	srv.seed("c1",
		pendingApproval("c1.soon", 2*time.Hour, ""),
		pendingApproval("c1.later", 48*time.Hour, ""),
		pendingApproval("c1.now", time.Minute, `[{"id":"dana@acme"},{"role":"agency-lead"}]`),
	)
	ids := func(q string) []string {
		rec, body := srv.call("GET", "/v1/approvals?"+q, "", "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		out := []string{}
		for _, it := range body["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return out
	}
	assert.Equal(t, []string{"c1.now", "c1.soon", "c1.later"}, ids("status=pending"), "most urgent first")
	assert.Equal(t, []string{"c1.now", "c1.soon"}, ids("due_before=24h"))
	assert.Equal(t, []string{"c1.now", "c1.soon"}, ids("due_before=1d&client=acme"))
	assert.Equal(t, []string{"c1.now"}, ids("due_before="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))))
	assert.Equal(t, []string{"c1.now"}, ids("limit=1"))

	for _, q := range []string{"due_before=tomorrow", "limit=0", "limit=501"} {
		rec, _ := srv.call("GET", "/v1/approvals?"+q, "", "")
		assert.Equal(t, http.StatusBadRequest, rec.Code, q)
	}

	// The inbox shows who may decide; votes are only in the single approval.
	_, body := srv.call("GET", "/v1/approvals?campaign_id=c1", "", "")
	first := body["items"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{map[string]any{"id": "dana@acme"}, map[string]any{"role": "agency-lead"}}, first["approvers"])
}

func TestGetApprovalHasVotes(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{})
	a := pendingApproval("c1.approve", time.Hour, `[{"role":"client-lead"}]`)
	a.Quorum, a.Tier, a.RequestedBy = 2, 1, "sam@agency"
	srv.seed("c1", a)
	require.NoError(t, srv.st.ApplyProjection(context.Background(), store.Projection{CampaignID: "c1", Seq: 2,
		Votes: []store.ApprovalVote{{ApprovalID: "c1.approve", Voter: "dana@acme", Role: "client-lead", Decision: "approve",
			Channel: api.ChannelLink, At: time.Now(), Edits: `{"posts":["better"]}`}}}))

	rec, body := srv.call("GET", "/v1/approvals/c1.approve", "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var v api.ApprovalView
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v))
	assert.Equal(t, 2, v.Quorum)
	assert.Equal(t, 1, v.Tier)
	assert.Equal(t, "sam@agency", v.RequestedBy)
	assert.Equal(t, []api.Approver{{Role: "client-lead"}}, v.Approvers)
	require.Len(t, v.Votes, 1, "%v", body)
	assert.Equal(t, "dana@acme", v.Votes[0].By)
	assert.Equal(t, api.ChannelLink, v.Votes[0].Channel)
	assert.JSONEq(t, `{"posts":["better"]}`, string(v.Votes[0].Edits))

	rec, _ = srv.call("GET", "/v1/approvals/nope", "", "")
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

func TestBulkDecisionsValidateAndReportEach(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{})
	decided := pendingApproval("c1.approve", time.Hour, "")
	decided.Status, decided.Decision, decided.DecidedBy = api.ApprovalApproved, api.DecisionApprove, "dana@acme"
	srv.seed("c1", decided)

	many := make([]string, 201)
	for i := range many {
		many[i] = fmt.Sprintf(`{"approval_id":"a%d","decision":"approve"}`, i)
	}
	for name, tc := range map[string]struct{ body, field string }{
		"none":         {`{"decisions":[]}`, "decisions"},
		"too many":     {`{"decisions":[` + strings.Join(many, ",") + `]}`, "decisions"},
		"bad decision": {`{"decisions":[{"approval_id":"a","decision":"approve"},{"approval_id":"b","decision":"maybe"}]}`, "decisions[1].decision"},
		"no id":        {`{"decisions":[{"decision":"reject"}]}`, "decisions[0].approval_id"},
	} {
		t.Run(name, func(t *testing.T) {
			rec, body := srv.call("POST", "/v1/approvals/decisions", "application/json", tc.body)
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
			assert.Equal(t, tc.field, body["errors"].([]any)[0].(map[string]any)["field"])
		})
	}

	// Outcomes that need no Temporal: unknown and already decided.
	rec, body := srv.call("POST", "/v1/approvals/decisions", "application/json",
		`{"by":"dana@acme","decisions":[{"approval_id":"nope","decision":"approve"},{"approval_id":"c1.approve","decision":"reject"}]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	results := body["results"].([]any)
	require.Len(t, results, 2)
	first, second := results[0].(map[string]any), results[1].(map[string]any)
	assert.Equal(t, "nope", first["approval_id"])
	assert.Equal(t, float64(404), first["status"])
	assert.Contains(t, first["error"].(map[string]any)["detail"], "no approval nope")
	assert.Equal(t, float64(409), second["status"])
	assert.Contains(t, second["error"].(map[string]any)["detail"], "already approved by dana@acme")
	assert.Nil(t, second["approval"])
}

// TestDecidingAnApprovalClosedWithItsCampaign: an approval its campaign's
// cancellation closed is refused as closed with the campaign, not as a
// timeout policy named campaign_canceled; one a policy decided still says so.
func TestDecidingAnApprovalClosedWithItsCampaign(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{})
	now := time.Now().UTC()
	closed := pendingApproval("c1.approve", time.Hour, "")
	closed.Status, closed.Policy, closed.Channel, closed.DecidedAt = api.ApprovalExpired, api.CampaignEndedPolicy(api.StatusCanceled), api.ChannelSystem, &now
	srv.seed("c1", closed)
	silenced := pendingApproval("c2.approve", time.Hour, "")
	silenced.Status, silenced.Policy, silenced.DecidedAt = api.ApprovalExpired, "reject", &now
	srv.seed("c2", silenced)

	rec, got := srv.call("POST", "/v1/approvals/c1.approve/decision", "application/json", `{"decision":"approve"}`)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	assert.Equal(t, "approval c1.approve was closed undecided: its campaign was canceled first", got["detail"])

	rec, got = srv.call("POST", "/v1/approvals/c2.approve/decision", "application/json", `{"decision":"approve"}`)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	assert.Contains(t, got["detail"], `its timeout policy "reject" decided it`)
}
