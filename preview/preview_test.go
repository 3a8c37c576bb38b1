package preview

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
)

func approval(preview string, policy string) api.ApprovalView {
	return api.ApprovalView{
		ID: "c1.approve_batch[2]", CampaignID: "c1", Client: "acme", Step: "approve_batch[2]",
		Title: "Week 2's posts for Acme", Preview: json.RawMessage(preview), Status: api.ApprovalPending,
		OnTimeout: policy, RequestedBy: "ops@agency",
		RequestedAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), DueAt: time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC),
	}
}

func TestOfSortsThePreviewIntoWhatPeopleLookFor(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	a := Of(approval(`{"posts":[{"id":"post-1","platform":"x","topic":"service","text":"Acme on service (#1)"},"A plain post"],
		"targets":["@acme","acme.blog"],"risk":"low","schedule":"Tue and Thu 10:00","proposed_reply":"Thanks!","reasons":["refund"],"batch":2}`, "skip"), berlin)

	assert.Equal(t, []Post{{Platform: "x", Topic: "service", Text: "Acme on service (#1)"}, {Text: "A plain post"}}, a.Posts)
	assert.Equal(t, []string{"@acme", "acme.blog"}, a.Targets)
	assert.Equal(t, "low", a.Risk)
	assert.Equal(t, "Tue and Thu 10:00", a.Schedule)
	assert.Equal(t, []Field{{Label: "Batch", Text: "2"}, {Label: "Proposed reply", Text: "Thanks!"}, {Label: "Reasons", Items: []string{"refund"}}}, a.Fields)
	assert.Equal(t, "Fri 4 Dec 17:00 CET", a.Due)
	assert.Equal(t, "If nobody answers by Fri 4 Dec 17:00 CET, this is skipped.", a.Silence)
}

func TestSilenceSentenceNamesWhatEachPolicyDoes(t *testing.T) {
	due := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	for policy, want := range map[string]string{
		"approve":  "this is approved.",
		"reject":   "this is rejected.",
		"skip":     "this is skipped.",
		"fail":     "the campaign stops.",
		"escalate": "this goes to the next person up.",
	} {
		got := SilenceSentence(policy, due, nil)
		assert.Equal(t, "If nobody answers by Fri 4 Dec 17:00 UTC, "+want, got, policy)
	}
	assert.Equal(t, "Please answer by Fri 4 Dec 17:00 UTC.", SilenceSentence("", due, nil))
}

func TestTextReadsTopToBottom(t *testing.T) {
	text := Of(approval(`{"posts":[{"platform":"linkedin","text":"We fixed it."}],"findings":"3 negative results"}`, "approve"), nil).Text()
	for _, want := range []string{
		"Week 2's posts for Acme\n",
		"Client: acme · campaign c1 · asked by ops@agency\n",
		"1 post to publish:\n\n1. [linkedin] We fixed it.\n",
		"Findings: 3 negative results\n",
		"If nobody answers by Fri 4 Dec 16:00 UTC, this is approved.\n",
	} {
		assert.Contains(t, text, want)
	}
	assert.Less(t, strings.Index(text, "We fixed it."), strings.Index(text, "If nobody answers"), "the deadline comes last")
}

func TestTextOfADecidedApprovalSaysWhoAndWhen(t *testing.T) {
	v := approval(`{}`, "skip")
	at := time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC)
	v.Status, v.DecidedBy, v.DecidedAt = api.ApprovalApproved, "dana@acme", &at
	assert.Contains(t, Of(v, nil).Text(), "Approved by dana@acme on Thu 3 Dec 08:30 UTC.\n")

	v.Status, v.DecidedBy = api.ApprovalExpired, "policy:skip"
	assert.Contains(t, Of(v, nil).Text(), "Expired by silence (its skip policy) on Thu 3 Dec 08:30 UTC.\n")
}

func TestAMalformedPreviewStillReadsAsFields(t *testing.T) {
	a := Of(approval(`{"posts":"not a list","risk":{"level":"high"}}`, "fail"), nil)
	assert.Empty(t, a.Posts)
	assert.Equal(t, "level: high", a.Risk)
	assert.Equal(t, []Field{{Label: "Posts", Text: "not a list"}}, a.Fields)
}

// Whatever shape a playbook gives its preview, people read words, never JSON.
func TestStructuredValuesReadAsWordsNotJSON(t *testing.T) {
	a := Of(approval(`{"risk":{"level":"high","score":0.8,"top_factors":["refunds","delays"],"escalated":false},
		"accounts":[{"platform":"x","handle":"@acme"},{"platform":"mastodon","handle":"@acme@social.example"}],
		"audit":{"counts":{"negative":3},"queries":[{"q":"acme refund","rank":4},{"q":"acme late"}]},
		"matrix":[["a","b"],["c"]],"nothing":{}}`, "skip"), nil)

	assert.Equal(t, "escalated: no; level: high; score: 0.8; top factors: [refunds, delays]", a.Risk)
	assert.Empty(t, a.Targets, "accounts that are not plain names are listed as a field")
	assert.Equal(t, []Field{
		{Label: "Accounts", Items: []string{"handle: @acme; platform: x", "handle: @acme@social.example; platform: mastodon"}},
		{Label: "Audit", Text: "counts: negative: 3; queries: [(q: acme refund; rank: 4), q: acme late]"},
		{Label: "Matrix", Items: []string{"a, b", "c"}},
		{Label: "Nothing", Text: ""},
	}, a.Fields)
	for _, f := range a.Fields {
		assert.NotContains(t, f.Text+strings.Join(f.Items, ""), `"`, f.Label)
		assert.NotContains(t, f.Text+strings.Join(f.Items, ""), "{", f.Label)
	}
	assert.Contains(t, a.Text(), "\nAccounts:\n  - handle: @acme; platform: x\n")
}

func TestOutcomeSaysWhoAndHowAndMarksSilence(t *testing.T) {
	v := approval(`{}`, "skip")
	assert.Empty(t, Of(v, nil).Outcome(), "pending")
	at := time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC)
	v.Status, v.DecidedBy, v.Channel, v.DecidedAt = api.ApprovalRejected, "dana@acme", "email", &at
	assert.Equal(t, "Rejected by dana@acme via email on Thu 3 Dec 08:30 UTC.", Of(v, nil).Outcome())

	v.Status, v.DecidedBy, v.Channel, v.Policy = api.ApprovalExpired, "policy:skip", "policy", "skip"
	a := Of(v, nil)
	assert.True(t, a.BySilence)
	assert.Equal(t, "Decided by silence: skipped, on Thu 3 Dec 08:30 UTC.", a.Outcome())
	v.Policy, v.OnTimeout = "", "fail"
	assert.Equal(t, "Decided by silence: campaign stopped, on Thu 3 Dec 08:30 UTC.", Of(v, nil).Outcome(), "the configured policy when none is recorded")

	// Closed because the campaign was canceled: neither silence nor a person.
	v.DecidedBy, v.Channel, v.Policy, v.OnTimeout = "", api.ChannelSystem, "campaign_canceled", "skip"
	a = Of(v, nil)
	assert.False(t, a.BySilence)
	assert.Equal(t, api.StatusCanceled, a.EndedWith)
	assert.Equal(t, "Closed undecided: the campaign was canceled on Thu 3 Dec 08:30 UTC.", a.Outcome())
	assert.Contains(t, a.Text(), "Closed undecided on Thu 3 Dec 08:30 UTC: the campaign was canceled.")
	assert.NotContains(t, a.Text()+a.Outcome(), "silence")
	assert.NotContains(t, a.Text()+a.Outcome(), "campaign_canceled")
}

func TestVotesReadInTheReadersZone(t *testing.T) {
	v := approval(`{}`, "approve")
	v.Quorum = 2
	v.Votes = []api.VoteView{{By: "sam@acme", Role: "lead", Decision: "approve", Channel: "slack",
		At: time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC), Edits: json.RawMessage(`{"posts":["x"]}`), Comment: "ok"}}
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	a := Of(v, berlin)
	assert.Equal(t, 2, a.Quorum)
	assert.Equal(t, []Vote{{By: "sam@acme", Role: "lead", Decision: "approve", Comment: "ok", Channel: "slack", At: "Thu 3 Dec 09:30 CET", Edited: true}}, a.Votes)
}

func TestSummaryIsOneShortLine(t *testing.T) {
	a := Of(approval(`{"posts":[{"platform":"x","text":"Fresh\n bread   today"},{"text":"two"}]}`, "skip"), nil)
	assert.Equal(t, "x: Fresh bread today (+1 more)", a.Summary(100))
	assert.Equal(t, "x: Fresh…", a.Summary(10))
	assert.Equal(t, "Findings: 3 results", Of(approval(`{"findings":"3 results"}`, "skip"), nil).Summary(100))
	assert.Equal(t, "Reasons: refund, late", Of(approval(`{"reasons":["refund","late"]}`, "skip"), nil).Summary(100))
	assert.Empty(t, Of(approval(`{}`, "skip"), nil).Summary(100))
}

// Edits carry the whole posts list, each post as it was with its new text:
// the workflow replaces the preview's top-level keys with the edits'.
func TestPostEditsMatchWhatTheWorkflowMerges(t *testing.T) {
	raw := json.RawMessage(`{"posts":[{"id":"p1","platform":"x","topic":"news","text":"One"},"Two",{"id":"p3","text":"Three"}],"risk":"low"}`)
	edits, err := PostEdits(raw, map[int]string{0: "One, better", 1: "Two", 2: "Three"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"posts": []any{
		map[string]any{"id": "p1", "platform": "x", "topic": "news", "text": "One, better"}, "Two",
		map[string]any{"id": "p3", "text": "Three"},
	}}, edits)

	edits, err = PostEdits(raw, map[int]string{1: "Two, better"})
	require.NoError(t, err)
	assert.Equal(t, "Two, better", edits["posts"].([]any)[1])

	edits, err = PostEdits(raw, map[int]string{0: "One", 1: "Two"})
	require.NoError(t, err)
	assert.Nil(t, edits, "nothing changed, nothing recorded")
	edits, err = PostEdits(raw, nil)
	require.NoError(t, err)
	assert.Nil(t, edits)

	_, err = PostEdits(raw, map[int]string{3: "Four"})
	assert.EqualError(t, err, "post 4: the preview has 3 posts")
	_, err = PostEdits(json.RawMessage(`{"post":"one"}`), map[int]string{0: "x"})
	assert.ErrorIs(t, err, ErrNoPosts)
	_, err = PostEdits(json.RawMessage(`{"posts":[[1]]}`), map[int]string{0: "x"})
	assert.ErrorIs(t, err, ErrNoPosts)
}

func TestAnApprovedApprovalReadsWithItsEdits(t *testing.T) {
	v := approval(`{"posts":[{"platform":"x","text":"Old"}],"risk":"low"}`, "skip")
	v.Edits = json.RawMessage(`{"posts":[{"platform":"x","text":"New"}]}`)
	assert.Equal(t, "Old", Of(v, nil).Posts[0].Text, "pending: the edits are a vote's, not yet the approval's")
	v.Status = api.ApprovalApproved
	a := Of(v, nil)
	assert.True(t, a.Edited)
	assert.Equal(t, "New", a.Posts[0].Text)
	assert.Equal(t, "low", a.Risk)
}
