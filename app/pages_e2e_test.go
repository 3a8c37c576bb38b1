package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/notify/email"
	"github.com/greenlight/greenlight/pages/browsertest"
)

// TestApprovalPagesInABrowser drives the pages of signed links in headless
// Chromium at phone size against the real stack: a link minted through the
// API, a post reworded and approved, the campaign moving on with the edit, the
// same link showing who decided; an inbox approving two approvals at once; the
// keyboard order and the in-page accessibility checks.
func TestApprovalPagesInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server and a browser")
	}
	d, _ := startDev(t)
	browser := browsertest.New(t)
	e := pagesE2E{d: d, browser: browser}
	t.Run("approve with an edit on a phone, then the link says who decided", e.approveWithEdit)
	t.Run("the inbox lists soonest first and approves two at once", e.inbox)
	t.Run("keyboard order and accessibility", e.keyboard)
	t.Run("from an email in the dev outbox to a decision on a phone", e.fromOutbox)
}

type pagesE2E struct {
	d       *app.DevInstance
	browser *browsertest.Browser
}

type mintedLinks struct {
	ApproveURL string `json:"approve_url"`
	RejectURL  string `json:"reject_url"`
	PageURL    string `json:"page_url"`
}

// launch starts playbook for client and returns the campaign and its approval
// once the campaign waits for it.
func (e pagesE2E) launch(t *testing.T, playbook, client string) (string, string) {
	t.Helper()
	return approvalsE2E{d: e.d}.pending(t, playbook, client)
}

// mint asks the API for dana's own links to approval id.
func (e pagesE2E) mint(t *testing.T, id string) mintedLinks {
	t.Helper()
	var out mintedLinks
	resp := apiClient{t: t, base: e.d.APIURL}.do("POST", "/v1/approvals/"+id+"/links", map[string]any{"ttl": "1h"},
		bearer(personToken(t, e.d.APIURL, "dana@acme")), &out)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	return out
}

func (e pagesE2E) approval(t *testing.T, id string) api.ApprovalView {
	t.Helper()
	return approvalsE2E{d: e.d}.approval(t, id)
}

func (e pagesE2E) approveWithEdit(t *testing.T) {
	b := e.browser.For(t)
	campaignID, id := e.launch(t, "e2e-posts", "pages")
	minted := e.mint(t, id)

	require.Equal(t, http.StatusOK, b.Open(minted.ApproveURL))
	assert.Equal(t, "Publish 2 posts for Acme?", b.Text("h1"))
	assert.Contains(t, b.Text(".due"), "If nobody answers by")
	assert.Contains(t, b.Text(".due"), "this is skipped.")
	assert.Equal(t, 2, b.Count("article.card"))
	assert.Contains(t, b.Text("article.card:nth-of-type(2) .post-text"), "Fresh bread at Acme <b>today</b>", "hostile text shows as text")
	assert.Contains(t, b.Text(".notice"), "This link can only approve.")
	assert.Empty(t, b.Accessibility())
	b.Open(minted.ApproveURL) // a second look, as a link scanner's, decides nothing
	assert.Equal(t, api.ApprovalPending, e.approval(t, id).Status)

	b.Tap("article.card summary")
	b.Fill("#post-0", "Acme is open late on Fridays and Saturdays")
	b.Fill("#comment", "Saturdays too")
	require.Equal(t, http.StatusOK, b.TapSubmit(`button[name=decision][value=approve]`))
	assert.Equal(t, "Thank you", b.Text("h1"))
	assert.Contains(t, b.Text(".outcome"), "Approved by dana@acme via link on")
	assert.Empty(t, b.Accessibility())

	// The vote carries the edit, in the shape the workflow merges, and the
	// campaign goes on with the reworded post.
	v := e.approval(t, id)
	assert.Equal(t, api.ApprovalApproved, v.Status)
	require.Len(t, v.Votes, 1)
	assert.Equal(t, "dana@acme", v.Votes[0].By)
	assert.Equal(t, api.ChannelLink, v.Votes[0].Channel)
	assert.Equal(t, "Saturdays too", v.Votes[0].Comment)
	assert.JSONEq(t, `{"posts":[{"id":"p1","platform":"linkedin","text":"Acme is open late on Fridays and Saturdays"},
		{"id":"p2","platform":"x","text":"Fresh bread at Acme <b>today</b>"}]}`, string(v.Votes[0].Edits))
	gl := apiClient{t: t, base: e.d.APIURL}
	done := gl.waitFor(campaignID, "completed", func(c api.CampaignView) bool { return c.Status == api.StatusCompleted })
	var out struct {
		Preview struct {
			Posts []struct{ Text string } `json:"posts"`
		} `json:"preview"`
	}
	require.NoError(t, json.Unmarshal(done.Steps[0].Output, &out), "%s", done.Steps[0].Output)
	require.Len(t, out.Preview.Posts, 2)
	assert.Equal(t, "Acme is open late on Fridays and Saturdays", out.Preview.Posts[0].Text, "later steps read the edited post")

	// The same link again: who decided, when and how; no form.
	assert.Equal(t, http.StatusConflict, b.Open(minted.ApproveURL))
	assert.Equal(t, "Already decided", b.Text("h1"))
	assert.Regexp(t, `^Approved by dana@acme via link on \w{3} \d{1,2} \w{3} \d\d:\d\d UTC\.$`, b.Text(".outcome"))
	assert.Zero(t, b.Count("form"))
	assert.Contains(t, b.Text("main"), "2 posts, as approved with edits")
	assert.Contains(t, b.Text("main"), "Acme is open late on Fridays and Saturdays")
	assert.Empty(t, b.Accessibility())
	assert.Equal(t, http.StatusConflict, b.Open(minted.RejectURL), "its reject link says the same")
	assert.Equal(t, "Already decided", b.Text("h1"))

	// The campaign's timeline, one tap away.
	require.Equal(t, http.StatusOK, b.TapSubmit(`a[href*="/timeline/"]`))
	timeline := b.Text("main")
	for _, want := range []string{"e2e-posts for pages", "Approve the posts", "Publish the approved posts", "dana@acme", "via link"} {
		assert.Contains(t, timeline, want)
	}
	assert.Empty(t, b.Accessibility())
}

const formType = "application/x-www-form-urlencoded"

var formTokenField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formTokenOf is the form token of a page's form.
func formTokenOf(t *testing.T, page []byte) string {
	t.Helper()
	m := formTokenField.FindSubmatch(page)
	require.Len(t, m, 2, "the page has a form token: %s", page)
	return string(m[1])
}

func (e pagesE2E) inbox(t *testing.T) {
	b := e.browser.For(t)
	_, later := e.launch(t, "e2e-posts", "inbox")    // due in 2h
	_, sooner := e.launch(t, "e2e-approve", "inbox") // due in 1h
	_, elsewhere := e.launch(t, "e2e-approve", "elsewhere")

	// dana's token for client inbox only, and her inbox link from it.
	var tok struct {
		Token string `json:"token"`
	}
	gl := apiClient{t: t, base: e.d.APIURL}
	resp := gl.do("POST", "/v1/tokens", map[string]any{"name": "dana@acme", "role": "approver", "clients": []string{"inbox"}}, nil, &tok)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var inbox struct {
		InboxURL string `json:"inbox_url"`
	}
	resp = gl.do("POST", "/v1/inbox/links", map[string]any{"ttl": "2h"}, bearer(tok.Token), &inbox)
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	require.Equal(t, http.StatusOK, b.Open(inbox.InboxURL))
	assert.Equal(t, "Your approvals", b.Text("h1"))
	require.Equal(t, 2, b.Count(`input[name=approval]`), "the other client's approval is not dana's here")
	var picked []string
	b.Eval(`Array.from(document.querySelectorAll("input[name=approval]")).map(el => el.value)`, &picked)
	assert.Equal(t, []string{sooner, later}, picked, "soonest due first")
	assert.Equal(t, "Publish one post for Acme?", b.Text(`label[for=pick-0]`))
	assert.Contains(t, b.Text("main"), "If nobody answers by")
	assert.Empty(t, b.Accessibility())

	b.Tap("#pick-0")
	b.Tap("#pick-1")
	b.Fill("#comment", "both fine")
	require.Equal(t, http.StatusOK, b.TapSubmit("button.primary"))
	assert.Equal(t, "Approved 2 of 2", b.Text("h1"))
	assert.Empty(t, b.Accessibility())
	for _, id := range []string{sooner, later} {
		v := e.approval(t, id)
		assert.Equal(t, api.ApprovalApproved, v.Status, id)
		assert.Equal(t, "dana@acme", v.DecidedBy, id)
		assert.Equal(t, api.ChannelLink, v.Channel, id)
		assert.Equal(t, "both fine", v.Comment, id)
	}
	assert.Equal(t, api.ApprovalPending, e.approval(t, elsewhere).Status)

	// Back in the inbox, nothing waits.
	require.Equal(t, http.StatusOK, b.Open(inbox.InboxURL))
	assert.Contains(t, b.Text("main"), "Nothing waits for you.")
}

func (e pagesE2E) keyboard(t *testing.T) {
	b := e.browser.For(t)
	_, id := e.launch(t, "e2e-posts", "keys")
	minted := e.mint(t, id)
	require.Equal(t, http.StatusOK, b.Open(minted.PageURL))
	assert.Empty(t, b.Accessibility())
	var order []string
	for range 40 {
		el := b.Tab()
		order = append(order, el.String())
		if el.Tag == "body" || strings.Contains(el.String(), "See the whole campaign") {
			break
		}
	}
	at := func(want string) int {
		for i, s := range order {
			if s == want {
				return i
			}
		}
		t.Fatalf("Tab never reaches %s: %v", want, order)
		return -1
	}
	comment, approve, reject := at("textarea#comment"), at(`button[name=decision]=approve "Approve"`), at(`button[name=decision]=reject "Reject"`)
	assert.Less(t, at(`summary "Edit post 1"`), comment, "the posts' editors come before the comment")
	assert.Equal(t, []int{comment + 1, comment + 2}, []int{approve, reject}, "comment, Approve, Reject, in order: %v", order)

	// The keyboard decides too: Reject, from the focus, with Enter.
	b.Eval(`document.querySelector("button[value=reject]").focus()`, nil)
	require.Equal(t, http.StatusOK, b.PressEnter())
	assert.Equal(t, api.ApprovalRejected, e.approval(t, id).Status)
	assert.Equal(t, http.StatusConflict, b.Open(minted.PageURL))
	assert.Contains(t, b.Text(".outcome"), "Rejected by dana@acme via link on")
}

// fromOutbox walks the newcomer's path: an approver in the directory with an
// email address, a campaign that asks them, the email in dev mode's outbox,
// its link opened on a phone, a post reworded and approved, the campaign
// moving on; the same link then says the approval is decided.
func (e pagesE2E) fromOutbox(t *testing.T) {
	b := e.browser.For(t)
	gl := apiClient{t: t, base: e.d.APIURL}
	resp := gl.do("POST", "/v1/people", map[string]any{
		"id": "lee@agency", "name": "Lee", "clients": []string{"bakery"}, "roles": []string{"agency-lead"},
		"channels": []map[string]string{{"kind": "email", "address": "lee@agency.example"}},
	}, nil, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	campaignID, id := e.launch(t, "e2e-posts", "bakery")

	// The outbox lists Lee's email; its page shows the text part, links and all.
	var file string
	require.Eventually(t, func() bool {
		list, _, err := email.List(e.d.OutboxDir, 0)
		require.NoError(t, err)
		for _, m := range list {
			if m.ApprovalID == id && m.Kind == api.NoticeRequested && strings.Contains(m.To, "lee@agency.example") {
				file = m.File
				return true
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond, "no email for lee about %s in %s", id, e.d.OutboxDir)
	require.Equal(t, http.StatusOK, b.Open(e.d.OutboxURL))
	assert.Contains(t, b.Text("table"), "Approval needed: Publish 2 posts for Acme?")
	require.Equal(t, http.StatusOK, b.Open(e.d.OutboxURL+"/"+file))
	open := regexp.MustCompile(`(?m)^Open: (\S+)$`).FindStringSubmatch(b.Text("pre"))
	require.NotNil(t, open, "the email offers its page: %s", b.Text("pre"))

	require.Equal(t, http.StatusOK, b.Open(open[1]))
	assert.Equal(t, "Publish 2 posts for Acme?", b.Text("h1"))
	assert.Contains(t, b.Text(".due"), "this is skipped.")
	b.Tap("article.card:nth-of-type(2) summary")
	b.Fill("#post-1", "Fresh bread at Acme, every morning")
	require.Equal(t, http.StatusOK, b.TapSubmit(`button[name=decision][value=approve]`))
	assert.Contains(t, b.Text(".outcome"), "Approved by lee@agency via link on")

	v := e.approval(t, id)
	assert.Equal(t, api.ApprovalApproved, v.Status)
	assert.Equal(t, "lee@agency", v.DecidedBy)
	gl.waitFor(campaignID, "completed", func(c api.CampaignView) bool { return c.Status == api.StatusCompleted })

	assert.Equal(t, http.StatusConflict, b.Open(open[1]))
	assert.Equal(t, "Already decided", b.Text("h1"))
	assert.Contains(t, b.Text("main"), "Fresh bread at Acme, every morning")
}
