package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify/slack/slacktest"
	"github.com/greenlight/greenlight/preview"
)

const testToken = "xoxb-1111-2222-s3cr3tT0k3n"

func newClient(t *testing.T, f *slacktest.Server) *Client {
	t.Helper()
	c, err := New(Config{Token: testToken, APIURL: f.APIURL()})
	require.NoError(t, err)
	return c
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

// approval is a pending request for a week of posts, as preview reads it.
func approval(t *testing.T, previewJSON string) preview.Approval {
	t.Helper()
	return preview.Of(api.ApprovalView{
		ID: "c1.approve_batch[2]", CampaignID: "c1", Client: "acme", Step: "approve_batch[2]",
		Title: "Week 2's posts for Acme", Preview: json.RawMessage(previewJSON), Status: api.ApprovalPending,
		OnTimeout: "skip", RequestedBy: "ops@agency",
		RequestedAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), DueAt: time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC),
	}, berlin(t))
}

const weekPreview = `{"posts":[{"platform":"x","topic":"service","text":"Acme on service (#1)"},{"platform":"linkedin","text":"We fixed it.","at":"Tue 10:00"}],
	"targets":["@acme","acme.blog"],"risk":"low","schedule":"Tue and Thu 10:00","proposed_reply":"Thanks!","reasons":["refund","delay"]}`

var links = Links{Approve: "https://gl.example/a/approve", Reject: "https://gl.example/a/reject", Open: "https://gl.example/approvals/c1.approve_batch%5B2%5D"}

func TestPostToAMemberOpensTheirDMAndSendsTheRequest(t *testing.T) {
	f := slacktest.NewServer(t, testToken)
	c := newClient(t, f)
	a := approval(t, weekPreview)

	r, err := c.Post(context.Background(), "U0DANA", Blocks(a, links, api.NoticeRequested, 0), Text(a, api.NoticeRequested, 0))
	require.NoError(t, err)
	calls := f.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, "conversations.open", calls[0].Method)
	assert.Equal(t, "U0DANA", calls[0].Args.Get("users"))
	assert.Equal(t, "chat.postMessage", calls[1].Method)
	assert.Equal(t, "D0DANA", calls[1].Args.Get("channel"))
	assert.Equal(t, Receipt{Channel: "D0DANA", TS: "1764750600.000002"}, r)
	for _, call := range calls {
		assert.NotEmpty(t, call.Auth, "%s carried the token", call.Method)
	}

	post := calls[1]
	assert.Equal(t, "false", post.Args.Get("unfurl_links"))
	assert.Equal(t, "false", post.Args.Get("unfurl_media"))
	assert.Equal(t, "Week 2's posts for Acme for acme. If nobody answers by Fri 4 Dec 17:00 CET, this is skipped.", post.Args.Get("text"))

	b := post.Blocks
	assert.Equal(t, "header", b[0]["type"])
	assert.Equal(t, "Week 2's posts for Acme", text(b[0]["text"]))
	all := allText(b)
	for _, want := range []string{"*2 posts to publish*", "1. x · service\nAcme on service (#1)", "2. linkedin · Tue 10:00\nWe fixed it.",
		"*Targets*\n@acme, acme.blog", "*Schedule*\nTue and Thu 10:00", "*Risk*\nlow", "*Proposed reply:* Thanks!", "*Reasons:*\n• refund\n• delay",
		"Asked by ops@agency · client acme · campaign c1", "If nobody answers by Fri 4 Dec 17:00 CET, this is skipped."} {
		assert.Contains(t, all, want)
	}

	act := b[len(b)-1]
	require.Equal(t, "actions", act["type"])
	buttons := act["elements"].([]any)
	require.Len(t, buttons, 3)
	approve, reject, open := buttons[0].(map[string]any), buttons[1].(map[string]any), buttons[2].(map[string]any)
	assert.Equal(t, map[string]any{"type": "button", "action_id": "greenlight_approve", "value": "c1.approve_batch[2]", "style": "primary",
		"text": map[string]any{"type": "plain_text", "text": "Approve", "emoji": false}}, approve)
	assert.Equal(t, "greenlight_reject", reject["action_id"])
	assert.Equal(t, "c1.approve_batch[2]", reject["value"])
	assert.Equal(t, "danger", reject["style"])
	confirm := reject["confirm"].(map[string]any)
	assert.Equal(t, "Reject this request?", text(confirm["title"]))
	assert.Equal(t, "“Week 2's posts for Acme” will not go ahead as proposed.", text(confirm["text"]))
	assert.Equal(t, "Reject", text(confirm["confirm"]))
	assert.Equal(t, "Cancel", text(confirm["deny"]))
	assert.Equal(t, "Open in Greenlight", text(open["text"]))
	assert.Equal(t, links.Open, open["url"])
	assert.Equal(t, "greenlight_open", open["action_id"])
	assert.NotContains(t, string(mustJSON(t, b)), links.Approve, "signed links stay out of a Slack message")
}

func TestPostToAConversationPostsThere(t *testing.T) {
	f := slacktest.NewServer(t, testToken)
	c := newClient(t, f)
	a := approval(t, `{}`)
	r, err := c.Post(context.Background(), "C0APPROVALS", Blocks(a, Links{}, api.NoticeRequested, 0), Text(a, api.NoticeRequested, 0))
	require.NoError(t, err)
	calls := f.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, "chat.postMessage", calls[0].Method)
	assert.Equal(t, "C0APPROVALS", r.Channel)
	act := calls[0].Blocks[len(calls[0].Blocks)-1]["elements"].([]any)
	assert.Len(t, act, 2, "without an Open link there is no Open button")
}

func TestPostRefusesWhatIsNoSlackID(t *testing.T) {
	f := slacktest.NewServer(t, testToken)
	c := newClient(t, f)
	for _, to := range []string{"", "dana@acme", "#general", "u0dana", "U", "X0123", "C0/../../x"} {
		_, err := c.Post(context.Background(), to, nil, "hi")
		require.Error(t, err, to)
		assert.True(t, IsPermanent(err), to)
	}
	assert.Empty(t, f.Calls())
}

func TestRemindersAndEscalationsSayWhatTheyAre(t *testing.T) {
	a := approval(t, `{}`)
	for _, tc := range []struct {
		kind string
		seq  int
		want string
	}{
		{api.NoticeRequested, 0, "Week 2's posts for Acme"},
		{api.NoticeReminded, 2, "Reminder 2: Week 2's posts for Acme"},
		{api.NoticeReminded, 0, "Reminder: Week 2's posts for Acme"},
		{api.NoticeEscalated, 0, "Escalated: Week 2's posts for Acme"},
	} {
		b := blocksJSON(t, Blocks(a, links, tc.kind, tc.seq))
		assert.Equal(t, tc.want, text(b[0]["text"]))
		assert.True(t, strings.HasPrefix(Text(a, tc.kind, tc.seq), tc.want+" for acme."))
	}
}

func TestDecidedShowsWhoAndWhenWithoutButtons(t *testing.T) {
	f := slacktest.NewServer(t, testToken)
	c := newClient(t, f)
	at := time.Date(2026, 12, 3, 7, 30, 0, 0, time.UTC)
	view := api.ApprovalView{ID: "c1.approve_plan", CampaignID: "c1", Client: "acme", Title: "The plan", Status: api.ApprovalApproved,
		OnTimeout: "skip", DecidedBy: "dana@acme", DecidedAt: &at, DueAt: at.Add(48 * time.Hour), Preview: json.RawMessage(`{"risk":"low"}`)}

	a := preview.Of(view, berlin(t))
	assert.Equal(t, "Approved by dana@acme, Thu 3 Dec 08:30 CET", Outcome(a))
	require.NoError(t, c.Update(context.Background(), "D0DANA", "1764750600.000002", Decided(a), DecidedText(a)))
	calls := f.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, "chat.update", calls[0].Method)
	assert.Equal(t, "D0DANA", calls[0].Args.Get("channel"))
	assert.Equal(t, "1764750600.000002", calls[0].Args.Get("ts"))
	assert.Equal(t, "The plan: Approved by dana@acme, Thu 3 Dec 08:30 CET", calls[0].Args.Get("text"))
	for _, b := range calls[0].Blocks {
		assert.NotEqual(t, "actions", b["type"], "a settled request has no buttons")
	}
	assert.Contains(t, allText(calls[0].Blocks), "*Approved by dana@acme, Thu 3 Dec 08:30 CET*")
	assert.Contains(t, allText(calls[0].Blocks), "*Risk*\nlow")

	view.Status, view.DecidedBy = api.ApprovalExpired, "policy:skip"
	assert.Equal(t, "Decided by silence: skipped, Thu 3 Dec 08:30 CET", Outcome(preview.Of(view, berlin(t))))
	view.DecidedBy = "policy:fail"
	assert.Equal(t, "Decided by silence: campaign stopped, Thu 3 Dec 08:30 CET", Outcome(preview.Of(view, berlin(t))))
	view.DecidedBy, view.Policy = "", api.CampaignEndedPolicy(api.StatusCanceled)
	assert.Equal(t, "Closed undecided: the campaign was canceled, Thu 3 Dec 08:30 CET", Outcome(preview.Of(view, berlin(t))))
	view.Policy = ""
	view.Status, view.DecidedBy = api.ApprovalRejected, "lee@acme"
	assert.Equal(t, "Rejected by lee@acme, Thu 3 Dec 08:30 CET", Outcome(preview.Of(view, berlin(t))))

	err := c.Update(context.Background(), "", "", Decided(a), "x")
	assert.True(t, IsPermanent(err))
}

func TestLongRequestsAreCutToSlacksLimits(t *testing.T) {
	posts := make([]map[string]any, 80)
	for i := range posts {
		posts[i] = map[string]any{"platform": "x", "text": strings.Repeat("long post 🙂 ", 400)}
	}
	fields := map[string]any{"posts": posts, "targets": []string{strings.Repeat("@acme ", 500)}, "notes": strings.Repeat("ab&<> ", 1000)}
	raw, err := json.Marshal(fields)
	require.NoError(t, err)
	v := api.ApprovalView{ID: "c1.x", CampaignID: "c1", Client: "acme", Title: strings.Repeat("A very long title ", 30),
		Preview: raw, Status: api.ApprovalPending, OnTimeout: "skip", RequestedBy: strings.Repeat("r", 3000)}
	a := preview.Of(v, nil)

	b := blocksJSON(t, Blocks(a, links, api.NoticeReminded, 3))
	require.LessOrEqual(t, len(b), 50)
	assert.Equal(t, "actions", b[len(b)-1]["type"], "the buttons survive")
	head := text(b[0]["text"])
	assert.LessOrEqual(t, utf16Len(head), 150)
	assert.True(t, strings.HasPrefix(head, "Reminder 3: A very long title"))
	assert.True(t, strings.HasSuffix(head, "…"))
	assert.Contains(t, allText(b), "more parts of this request: open it in Greenlight")
	walkText(b, func(kind, s string, limit int) {
		assert.LessOrEqual(t, utf16Len(s), limit, "%s text of %d characters", kind, utf16Len(s))
		assert.NotEmpty(t, s)
	})
	assert.LessOrEqual(t, len(Text(a, api.NoticeReminded, 3)), 4*3000)

	// Decided keeps to the same limits.
	d := blocksJSON(t, Decided(a))
	assert.LessOrEqual(t, len(d), 50)
	assert.Equal(t, "section", d[len(d)-1]["type"])
}

func TestHostileTextStaysText(t *testing.T) {
	f := slacktest.NewServer(t, testToken)
	c := newClient(t, f)
	v := api.ApprovalView{ID: "c1.x", CampaignID: "c1", Client: "acme", Title: "<!channel> urgent",
		Preview: json.RawMessage(`{"posts":["<!here> see <https://evil.example|your bank>"],"targets":["<@U0BOSS>"],"risk":"*bold* & <#C0GENERAL>","note<!everyone>":"x"}`),
		Status:  api.ApprovalPending, OnTimeout: "skip", RequestedBy: "<!subteam^S1>"}
	a := preview.Of(v, nil)
	_, err := c.Post(context.Background(), "C0APPROVALS", Blocks(a, links, api.NoticeRequested, 0), Text(a, api.NoticeRequested, 0))
	require.NoError(t, err)
	call := f.Calls()[0]
	assert.Equal(t, "&lt;!channel&gt; urgent for acme. If nobody answers by Mon 1 Jan 00:00 UTC, this is skipped.", call.Args.Get("text"))
	walkObjects(call.Blocks, func(o map[string]any) {
		s := o["text"].(string)
		switch o["type"] {
		case "mrkdwn":
			assert.NotContains(t, s, "<", "mrkdwn text is escaped: %q", s)
			assert.Equal(t, true, o["verbatim"], "mrkdwn is verbatim: %q", s)
		case "plain_text":
			assert.Equal(t, false, o["emoji"])
		}
	})
	all := allText(call.Blocks)
	assert.Contains(t, all, "<!channel> urgent", "the header is plain text")
	assert.Contains(t, all, "1.\n<!here> see <https://evil.example|your bank>", "a post is plain text")
	assert.Contains(t, all, "*Targets*\n&lt;@U0BOSS&gt;")
	assert.Contains(t, all, "*Risk*\n*bold* &amp; &lt;#C0GENERAL&gt;")
	assert.Contains(t, all, "*Note&lt;!everyone&gt;:* x")
}

func TestErrorsSayWhetherToTryAgain(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fail       slacktest.Failure
		permanent  bool
		retryAfter time.Duration
	}{
		{"channel_not_found", slacktest.Failure{Status: 200, Error: "channel_not_found"}, true, 0},
		{"user_not_found", slacktest.Failure{Status: 200, Error: "user_not_found"}, true, 0},
		{"not_in_channel", slacktest.Failure{Status: 200, Error: "not_in_channel"}, true, 0},
		{"invalid_auth", slacktest.Failure{Status: 200, Error: "invalid_auth"}, true, 0},
		{"account_inactive", slacktest.Failure{Status: 200, Error: "account_inactive"}, true, 0},
		{"ok:false ratelimited", slacktest.Failure{Status: 200, Error: "ratelimited"}, false, 0},
		{"ok:false internal_error", slacktest.Failure{Status: 200, Error: "internal_error"}, false, 0},
		{"429 with Retry-After", slacktest.Failure{Status: 429, RetryAfter: "7"}, false, 7 * time.Second},
		{"429 without Retry-After", slacktest.Failure{Status: 429}, false, 0},
		{"500", slacktest.Failure{Status: 500}, false, 0},
		{"503", slacktest.Failure{Status: 503}, false, 0},
		{"400", slacktest.Failure{Status: 400}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := slacktest.NewServer(t, testToken)
			c := newClient(t, f)
			f.Fail("chat.postMessage", tc.fail)
			_, err := c.Post(context.Background(), "C0APPROVALS", nil, "hi")
			require.Error(t, err)
			assert.Equal(t, tc.permanent, IsPermanent(err), err.Error())
			d, ok := RetryAfter(err)
			assert.Equal(t, tc.retryAfter, d)
			assert.Equal(t, tc.retryAfter > 0, ok)
			assert.Contains(t, err.Error(), "chat.postMessage")
			assert.NotContains(t, err.Error(), testToken)

			// The same call goes through on the next attempt: the caller retries.
			_, err = c.Post(context.Background(), "C0APPROVALS", nil, "hi")
			assert.NoError(t, err)
		})
	}
}

func TestANetworkFailureIsTransientAndKeepsTheTokenOut(t *testing.T) {
	f := slacktest.NewServer(t, testToken)
	c := newClient(t, f)
	f.Close()
	_, err := c.Post(context.Background(), "U0DANA", nil, "hi")
	require.Error(t, err)
	assert.False(t, IsPermanent(err))
	assert.NotContains(t, err.Error(), testToken)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Post(ctx, "C0X", nil, "hi")
	assert.False(t, IsPermanent(err))
	assert.True(t, errors.Is(err, context.Canceled))
}

func TestAWrongTokenIsPermanentAndNeverQuoted(t *testing.T) {
	f := slacktest.NewServer(t, "xoxb-the-right-one")
	c := newClient(t, f)
	_, err := c.Post(context.Background(), "C0APPROVALS", nil, "hi")
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Contains(t, err.Error(), "not_authed")
	assert.NotContains(t, err.Error(), testToken)

	_, err = New(Config{Token: " "})
	assert.Error(t, err)
}

func TestARedirectIsNotFollowed(t *testing.T) {
	f := slacktest.NewServer(t, testToken)
	other := slacktest.NewServer(t, testToken)
	redirect := http.NewServeMux()
	redirect.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.APIURL()+"chat.postMessage", http.StatusTemporaryRedirect)
	})
	f.Config.Handler = redirect
	c := newClient(t, f)
	_, err := c.Post(context.Background(), "C0APPROVALS", nil, "hi")
	require.Error(t, err)
	assert.Empty(t, other.Calls(), "the token went nowhere else")
}

// Helpers that read blocks as they arrived.

func blocksJSON(t *testing.T, v any) []map[string]any {
	t.Helper()
	var b []map[string]any
	require.NoError(t, json.Unmarshal(mustJSON(t, v), &b))
	return b
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func text(o any) string {
	m, _ := o.(map[string]any)
	s, _ := m["text"].(string)
	return s
}

// walkObjects calls fn for every text object in v.
func walkObjects(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if ty, _ := v["type"].(string); (ty == "plain_text" || ty == "mrkdwn") && v["text"] != nil {
			if _, ok := v["text"].(string); ok {
				fn(v)
				return
			}
		}
		for _, e := range v {
			walkObjects(e, fn)
		}
	case []any:
		for _, e := range v {
			walkObjects(e, fn)
		}
	case []map[string]any:
		for _, e := range v {
			walkObjects(e, fn)
		}
	}
}

func allText(blocks []map[string]any) string {
	var b strings.Builder
	walkObjects(blocks, func(o map[string]any) { b.WriteString(o["text"].(string) + "\n---\n") })
	return b.String()
}

// walkText calls fn with every text and the limit Slack sets for where it is.
func walkText(blocks []map[string]any, fn func(kind, s string, limit int)) {
	for _, b := range blocks {
		switch b["type"] {
		case "header":
			fn("header", text(b["text"]), 150)
		case "section":
			if b["text"] != nil {
				fn("section", text(b["text"]), 3000)
			}
			fields, _ := b["fields"].([]any)
			if len(fields) > 10 {
				fn("fields count", strings.Repeat("x", len(fields)), 10)
			}
			for _, f := range fields {
				fn("field", text(f), 2000)
			}
		case "context":
			for _, e := range b["elements"].([]any) {
				fn("context", text(e), 2000)
			}
		}
	}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
