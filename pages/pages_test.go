package pages

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/preview"
)

const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`

// sample is an approval with hostile text in every field a person can write.
func sample(status string) preview.Approval {
	due := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	v := api.ApprovalView{
		ID: "c1.approve_batch", CampaignID: "c1", Client: "acme", Step: "approve_batch",
		Title: "Approve 2 posts for Acme " + hostile, Status: status, OnTimeout: "skip",
		RequestedBy: "ops@agency", RequestedAt: due.Add(-48 * time.Hour), DueAt: due, Quorum: 2,
		Preview: json.RawMessage(`{"posts":[{"platform":"linkedin","text":"We fixed it. ` + strings.ReplaceAll(hostile, `"`, `\"`) + `"},` +
			`{"platform":"x","text":"Fresh bread today"}],"targets":["@acme"],"risk":"low","findings":"3 results"}`),
		Votes: []api.VoteView{{By: "sam@acme" + hostile, Decision: "approve", Channel: "email", At: due.Add(-time.Hour), Comment: hostile}},
	}
	if status != api.ApprovalPending {
		at := due
		v.DecidedAt, v.DecidedBy, v.Channel = &at, "dana@acme", "link"
		if status == api.ApprovalExpired {
			v.DecidedBy, v.Channel, v.Policy = "policy:skip", "policy", "skip"
		}
	}
	return preview.Of(v, nil)
}

// Samples are one of each page, for the tests here and the browser tests.
func samples() map[string]Page {
	a := sample(api.ApprovalPending)
	texts := []string{a.Posts[0].Text, a.Posts[1].Text}
	return map[string]Page{
		"approval": Approval{A: a, Approver: "dana@acme (client-lead)", Editable: true, Texts: texts, Edited: []bool{false, false},
			Choices: []Choice{{Decision: "approve", Label: "Approve", Primary: true}, {Decision: "reject", Label: "Reject"}},
			CSRF:    "csrf-value", MaxPost: MaxPostText, Expires: "Mon 7 Dec 16:00 UTC", TimelineURL: "/timeline/c1?token=t"},
		"done":    Done{Heading: "Already decided", A: sample(api.ApprovalApproved), TimelineURL: "/timeline/c1?token=t"},
		"silence": Done{Heading: "Already decided", A: sample(api.ApprovalExpired)},
		"message": Message{Heading: "Link not valid", Text: "link signature does not match " + hostile},
		"inbox": Inbox{Person: "dana@acme", CSRF: "csrf", Expires: "Mon 7 Dec 16:00 UTC", Items: []InboxItem{
			{A: a, URL: "/v1/approvals/c1.approve_batch/decision?token=a", TimelineURL: "/timeline/c1?token=t"},
			{A: sample(api.ApprovalPending), URL: "/v1/approvals/c2/decision?token=b", Voted: "You voted approve."},
		}},
		"bulk": Bulk{Heading: "Approved", Person: "dana@acme", InboxURL: "/inbox?token=x", Results: []BulkResult{
			{ID: "c1.a", Title: "One " + hostile, Client: "acme", Outcome: "Approved.", OK: true},
			{ID: "c2.a", Title: "Two", Client: "acme", Outcome: "Already decided by sam@acme"},
		}},
		"timeline": Timeline{Heading: "Reputation repair for acme", ID: "c1", Client: "acme", Playbook: "reputation-repair",
			Status: "running", Started: "Mon 1 Dec 09:00 UTC", Expires: "Mon 7 Dec 16:00 UTC", Steps: []Step{
				{Name: "Audit " + hostile, Status: "completed", Started: "Mon 1 Dec 09:00 UTC", Finished: "Mon 1 Dec 09:01 UTC"},
				{Name: "Approve the plan", Status: "completed", Approvals: []preview.Approval{sample(api.ApprovalExpired)}},
				{Name: "Approve week 1", Status: "running", Approvals: []preview.Approval{sample(api.ApprovalPending)}},
			}},
	}
}

func TestPagesEscapeHostileText(t *testing.T) {
	for name, p := range samples() {
		t.Run(name, func(t *testing.T) {
			html, err := Render(p)
			require.NoError(t, err)
			page := string(html)
			assert.NotContains(t, page, "<script>")
			assert.NotContains(t, page, "<img")
			assert.Contains(t, page, "&lt;script&gt;")
			assert.Contains(t, page, `<html lang="en">`)
			assert.Contains(t, page, `<meta name="viewport" content="width=device-width, initial-scale=1">`)
			assert.Regexp(t, `<title>[^<]+ · Greenlight</title>`, page)
		})
	}
}

func TestApprovalPageOffersOnlyWhatTheLinkAllows(t *testing.T) {
	p := samples()["approval"].(Approval)
	p.Choices, p.Editable = []Choice{{Decision: "reject", Label: "Reject", Primary: true}}, false
	html, err := Render(p)
	require.NoError(t, err)
	page := string(html)
	assert.Contains(t, page, `<button type="submit" name="decision" value="reject" class="primary">Reject</button>`)
	assert.NotContains(t, page, `value="approve"`)
	assert.NotContains(t, page, "<textarea id=\"post-0\"")
	assert.Contains(t, page, `<input type="hidden" name="csrf" value="csrf-value">`)

	p = samples()["approval"].(Approval)
	html, err = Render(p)
	require.NoError(t, err)
	// The text starts on the line after the tag, which HTML drops, so a post
	// that starts with a newline keeps it.
	assert.Contains(t, string(html), "name=\"post.1\" rows=\"5\" maxlength=\"5000\">\nFresh bread today</textarea>")
}

func TestSilenceIsMarkedAsSuch(t *testing.T) {
	html, err := Render(samples()["silence"])
	require.NoError(t, err)
	assert.Contains(t, string(html), `<span class="silence-badge">Decided by silence</span>`)
	assert.Contains(t, string(html), "Decided by silence: skipped, on Fri 4 Dec 16:00 UTC.")
	html, err = Render(samples()["done"])
	require.NoError(t, err)
	assert.NotContains(t, string(html), `<span class="silence-badge">`)
	assert.Contains(t, string(html), "Approved by dana@acme via link on Fri 4 Dec 16:00 UTC.")
}

// The inline stylesheet is allowed by its hash and by nothing else: no script
// runs, and the page fetches nothing.
func TestContentSecurityPolicyAllowsOnlyTheStylesheet(t *testing.T) {
	html, err := Render(samples()["approval"])
	require.NoError(t, err)
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(string(html))
	require.Len(t, m, 2)
	sum := sha256.Sum256([]byte(m[1]))
	assert.Contains(t, ContentSecurityPolicy, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	assert.Contains(t, ContentSecurityPolicy, "default-src 'none'")
	assert.NotContains(t, ContentSecurityPolicy, "unsafe")
	for _, p := range samples() {
		html, err := Render(p)
		require.NoError(t, err)
		assert.NotContains(t, string(html), "<script")
		assert.NotRegexp(t, `(src|href)="https?://`, string(html), "nothing from elsewhere")
	}
}
