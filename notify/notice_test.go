package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/preview"
)

func view(status, policy string) api.ApprovalView {
	v := api.ApprovalView{
		ID: "c1.approve_batch", CampaignID: "c1", Client: "acme", Step: "approve_batch",
		Title: "Week 2's posts for Acme", Preview: json.RawMessage(`{}`), Status: status, OnTimeout: policy,
		RequestedBy: "ops@agency", RequestedAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC),
		DueAt: time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC),
	}
	if status != api.ApprovalPending {
		at := time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC)
		v.DecidedAt = &at
		v.DecidedBy = "dana@acme"
		if status == api.ApprovalExpired {
			v.DecidedBy = "policy:" + policy
		}
	}
	return v
}

func notice(kind string, seq int, v api.ApprovalView) Notice {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return Notice{
		Key: Key(v.ID, "dana", "email", kind, seq), Kind: kind, Seq: seq, Approval: preview.Of(v, berlin),
		Recipient: Recipient{PersonID: "dana", Name: "Dana", Address: "dana@acme.test", Location: berlin},
		ThreadKey: v.ID,
	}
}

// canceledWithCampaign is v as its campaign's cancellation leaves it.
func canceledWithCampaign(v api.ApprovalView) api.ApprovalView {
	v.DecidedBy, v.Channel, v.Policy = "", api.ChannelSystem, api.CampaignEndedPolicy(api.StatusCanceled)
	return v
}

func TestSubjectAndLeadSayWhatHappened(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		seq        int
		v          api.ApprovalView
		subject    string
		lead       string
		actionable bool
	}{
		{"request", api.NoticeRequested, 0, view(api.ApprovalPending, "skip"),
			"Approval needed: Week 2's posts for Acme (by Fri 4 Dec 17:00 CET)", "ops@agency asks for your approval.", true},
		{"first reminder", api.NoticeReminded, 1, view(api.ApprovalPending, "skip"),
			"Reminder: Week 2's posts for Acme (by Fri 4 Dec 17:00 CET)", "Reminder: this still waits for your answer.", true},
		{"second reminder", api.NoticeReminded, 2, view(api.ApprovalPending, "skip"),
			"Reminder: Week 2's posts for Acme (by Fri 4 Dec 17:00 CET)", "Reminder 2: this still waits for your answer.", true},
		{"escalation", api.NoticeEscalated, 1, view(api.ApprovalPending, "escalate"),
			"Escalated: Week 2's posts for Acme (by Fri 4 Dec 17:00 CET)", "Nobody answered in time, so this now comes to you.", true},
		{"approved", api.NoticeDecided, 0, view(api.ApprovalApproved, "skip"),
			"Approved by dana@acme: Week 2's posts for Acme", "Approved by dana@acme on Thu 3 Dec 09:30 CET. Nothing more is needed from you.", false},
		{"rejected", api.NoticeDecided, 0, view(api.ApprovalRejected, "skip"),
			"Rejected by dana@acme: Week 2's posts for Acme", "Rejected by dana@acme on Thu 3 Dec 09:30 CET. Nothing more is needed from you.", false},
		{"skipped by silence", api.NoticeExpired, 0, view(api.ApprovalExpired, "skip"),
			"Decided by silence (skipped): Week 2's posts for Acme", "Nobody answered by Fri 4 Dec 17:00 CET, so it was skipped.", false},
		{"a decided notice of an expiry is told as silence", api.NoticeDecided, 0, view(api.ApprovalExpired, "fail"),
			"Decided by silence (campaign stopped): Week 2's posts for Acme", "Nobody answered by Fri 4 Dec 17:00 CET, so the campaign stopped.", false},
		{"closed with its canceled campaign", api.NoticeExpired, 0, canceledWithCampaign(view(api.ApprovalExpired, "skip")),
			"Closed undecided: Week 2's posts for Acme", "Nothing more is needed from you: the campaign was canceled before anyone answered.", false},
		{"a request that was decided meanwhile asks for nothing", api.NoticeRequested, 0, view(api.ApprovalApproved, "skip"),
			"Approval needed: Week 2's posts for Acme (by Fri 4 Dec 17:00 CET)", "ops@agency asks for your approval.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := notice(tc.kind, tc.seq, tc.v)
			assert.Equal(t, tc.subject, n.Subject())
			assert.Equal(t, tc.lead, n.Lead())
			assert.Equal(t, tc.actionable, n.Actionable())
		})
	}
}

func TestSubjectKeepsAHostileTitleOnOneLine(t *testing.T) {
	v := view(api.ApprovalPending, "skip")
	v.Title = "Posts\r\nBcc: everyone@example.test\u2028  now"
	assert.Equal(t, "Approval needed: Posts Bcc: everyone@example.test now (by Fri 4 Dec 17:00 CET)", notice(api.NoticeRequested, 0, v).Subject())
}

func TestKeyTellsEveryNoticeApart(t *testing.T) {
	assert.Equal(t, "c1.approve_batch%5B2%5D/dana@acme/email/reminded/2", Key("c1.approve_batch[2]", "dana@acme", "email", api.NoticeReminded, 2))
	assert.Equal(t, Key("a", "p", "email", api.NoticeReminded, 1), Key("a", "p", "email", api.NoticeReminded, 1), "stable across retries")
	// Without escaping, a "/" in an id would make these two collide.
	assert.NotEqual(t, Key("a/b", "c", "email", api.NoticeRequested, 0), Key("a", "b/c", "email", api.NoticeRequested, 0))
	assert.NotEqual(t, Key("a", "p", "email", api.NoticeReminded, 1), Key("a", "p", "email", api.NoticeReminded, 2))
	assert.NotEqual(t, Key("a", "p", "email", api.NoticeRequested, 0), Key("a", "p", "slack", api.NoticeRequested, 0))
}

func TestCheckRefusesANoticeThatCanNeverBeSent(t *testing.T) {
	require.NoError(t, notice(api.NoticeRequested, 0, view(api.ApprovalPending, "skip")).Check())
	for name, spoil := range map[string]func(*Notice){
		"no key":        func(n *Notice) { n.Key = "" },
		"unknown kind":  func(n *Notice) { n.Kind = "poked" },
		"no thread key": func(n *Notice) { n.ThreadKey = "" },
		"no address":    func(n *Notice) { n.Recipient.Address = " " },
	} {
		n := notice(api.NoticeRequested, 0, view(api.ApprovalPending, "skip"))
		spoil(&n)
		err := n.Check()
		require.Error(t, err, name)
		assert.True(t, IsPermanent(err), name)
		assert.Contains(t, err.Error(), name)
	}
}
