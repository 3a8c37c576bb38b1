package email

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
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
type received struct {
	Header netmail.Header
	Text   string
	HTML   string
}

func (r received) subject(t *testing.T) string {
	s, err := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Subject"))
	require.NoError(t, err)
	return s
}

// parseMessage reads raw MIME the way a mail client does, and fails unless it
// is one multipart/alternative with a decodable text and HTML part.
func parseMessage(t *testing.T, raw []byte) received {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mediaType)
	r := received{Header: m.Header}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		ct, cp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		require.NoError(t, err)
		require.Equal(t, "utf-8", strings.ToLower(cp["charset"]), ct)
		var body io.Reader = p
		switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			body = quotedprintable.NewReader(p)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, p)
		case "", "7bit", "8bit":
		default:
			t.Fatalf("unexpected transfer encoding %q", p.Header.Get("Content-Transfer-Encoding"))
		}
		b, err := io.ReadAll(body)
		require.NoError(t, err, ct)
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) // as a mail client reads lines
		switch ct {
		case "text/plain":
			r.Text = string(b)
		case "text/html":
			r.HTML = string(b)
		default:
			t.Fatalf("unexpected part %s", ct)
		}
	}
	require.NotEmpty(t, r.Text, "text part")
	require.NotEmpty(t, r.HTML, "HTML part")
	return r
}

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
