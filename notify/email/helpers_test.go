package email

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/notify/email/smtptest"
	"github.com/greenlight/greenlight/preview"
)

const (
	testFrom    = "Greenlight <greenlight@greenlight.test>"
	approveLink = "https://greenlight.test/l/approve?t=eyJhaWQ.sig&d=approve"
	rejectLink  = "https://greenlight.test/l/reject?t=eyJhaWQ.sig2&d=reject"
	openLink    = "https://greenlight.test/approvals/c1.approve_batch?t=open"
	inboxLink   = "https://greenlight.test/inbox?t=inbox"
	hostilePost = `<script>alert("x")</script><img src=x onerror=alert(1)>`
)

// approvalView is a pending approval of two posts, one of them hostile.
func approvalView() api.ApprovalView {
	return api.ApprovalView{
		ID: "c1.approve_batch", CampaignID: "c1", Client: "acme", Step: "approve_batch",
		Title: "Week 2's posts for Acme Bäckerei", Status: api.ApprovalPending, OnTimeout: "skip", RequestedBy: "ops@agency",
		RequestedAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), DueAt: time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC),
		Preview: json.RawMessage(`{"posts":[{"platform":"linkedin","text":"We fixed the oven.\nFresh bread is back."},` +
			`{"platform":"x","text":` + quote(hostilePost) + `}],"targets":["@acme"],"schedule":"Tue 10:00","risk":"low","reasons":["refund","delay"]}`),
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// notice is kind about approvalView for Dana in Berlin.
func notice(kind string, seq int) notify.Notice {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	v := approvalView()
	return notify.Notice{
		Key: notify.Key(v.ID, "dana", Channel, kind, seq), Kind: kind, Seq: seq,
		Approval:  preview.Of(v, berlin),
		Recipient: notify.Recipient{PersonID: "dana", Name: "Dana Doe", Address: "dana@acme.test", Location: berlin},
		Links:     notify.Links{Approve: approveLink, Reject: rejectLink, Open: openLink, Inbox: inboxLink},
		ThreadKey: v.ID,
	}
}

// received is one message as a mail client reads it.
type received = smtptest.Message

func parseMessage(t *testing.T, raw []byte) received { return smtptest.Parse(t, raw) }

func render(t *testing.T, n notify.Notice) received {
	t.Helper()
	m, err := Message(n, testFrom, "")
	require.NoError(t, err)
	var b bytes.Buffer
	_, err = m.WriteTo(&b)
	require.NoError(t, err)
	return parseMessage(t, b.Bytes())
}

// relayConfig is the Config that reaches r in mode, trusting caFile.
func relayConfig(r *smtptest.Relay, mode string, caFile string) Config {
	return Config{Host: r.Host, Port: r.Port, TLS: mode, From: testFrom, CAFile: caFile, Timeout: 10 * time.Second}
}
