// Package email sends notices as email: one message per notice with a plain
// text part and an HTML part, threaded per approval, through an SMTP relay
// or, in development, into an outbox folder of .eml files.
package email

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"html/template"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/preview"
)

// Channel is the channel name email notices carry in their keys.
const Channel = "email"

// Headers that let a mailbox, and the dev outbox, tell which approval and
// which event a message is about without parsing its body.
const (
	HeaderApproval = "X-Greenlight-Approval"
	HeaderKind     = "X-Greenlight-Kind"
)

//go:embed message.html
var htmlSource string

//go:embed alert.html
var alertSource string

// htmlTemplate lays out every email; an alert's rows (alert.html) take the
// place of the approval's.
var htmlTemplate = template.Must(template.Must(template.New("message").Funcs(template.FuncMap{"join": strings.Join}).Parse(htmlSource)).Parse(alertSource))

// htmlData is what the HTML part shows.
type htmlData struct {
	Subject, Lead, Outcome string
	A                      preview.Approval
	L                      notify.Links
	Buttons                bool // Approve or Reject is offered
	Alert                  *notify.Alert
}

// Message builds the email for n, from the address from ("Name <addr>" or
// a bare address). domain names the Message-IDs; when empty it is from's
// domain. A notice that can never be sent (no address, a malformed one) is
// a permanent error.
func Message(n notify.Notice, from string, domain string) (*mail.Msg, error) {
	return build(n, from, domain, time.Now())
}

func build(n notify.Notice, from, domain string, now time.Time) (*mail.Msg, error) {
	if err := n.Check(); err != nil {
		return nil, err
	}
	sender, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("email: from address %q: %w", from, err))
	}
	if domain == "" {
		domain = sender.Address[strings.LastIndex(sender.Address, "@")+1:]
	}
	if domain == "" || strings.ContainsAny(domain, "<>@ \t\r\n") {
		return nil, notify.Permanent(fmt.Errorf("email: %q cannot name a Message-ID", domain))
	}

	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	m.FromMailAddress(sender)
	to, err := netmail.ParseAddress(n.Recipient.Address)
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("email: recipient %s: address %q: %w", n.Recipient.PersonID, n.Recipient.Address, err))
	}
	m.ToMailAddress(&netmail.Address{Name: notify.OneLine(n.Recipient.Name), Address: to.Address})
	m.Subject(n.Subject())
	m.SetDateWithValue(now)
	m.SetGenHeader(mail.HeaderMessageID, MessageID(n, domain))
	if n.Kind != api.NoticeRequested && n.Alert == nil {
		root := threadID(n, domain)
		m.SetGenHeader(mail.HeaderInReplyTo, root)
		m.SetGenHeader(mail.HeaderReferences, root)
	}
	// Automatic mail: out-of-office replies must not answer it.
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	m.SetGenHeader(mail.HeaderUserAgent, "Greenlight")
	m.SetGenHeader(HeaderKind, n.Kind)
	if n.Alert != nil {
		if err := alertBody(m, n); err != nil {
			return nil, err
		}
		return m, nil
	}
	m.SetGenHeader(HeaderApproval, n.ThreadKey)

	m.SetBodyString(mail.TypeTextPlain, plainText(n))
	var html bytes.Buffer
	data := htmlData{
		Subject: n.Subject(), Lead: n.Lead(), A: n.Approval, L: n.Links,
		Outcome: notify.Notice{Kind: api.NoticeDecided, Approval: n.Approval}.Lead(),
	}
	if !n.Actionable() {
		data.L.Approve, data.L.Reject = "", ""
	}
	data.Buttons = data.L.Approve != "" || data.L.Reject != ""
	if err := htmlTemplate.Execute(&html, data); err != nil {
		return nil, fmt.Errorf("email: render %s: %w", n.Key, err)
	}
	m.AddAlternativeString(mail.TypeTextHTML, html.String())
	return m, nil
}

// plainText is the text part: why this person hears about it, the approval
// as preview writes it, then the links, one to a line.
func plainText(n notify.Notice) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s", n.Lead(), n.Approval.Text())
	links := n.Links
	if !n.Actionable() {
		links.Approve, links.Reject = "", ""
	}
	lines := []struct{ label, url string }{
		{"Approve", links.Approve}, {"Reject", links.Reject}, {"Open", links.Open}, {"All your approvals", links.Inbox},
	}
	sep := "\n"
	for _, l := range lines {
		if l.url != "" {
			fmt.Fprintf(&b, "%s%s: %s\n", sep, l.label, l.url)
			sep = ""
		}
	}
	if links.Approve != "" || links.Reject != "" {
		b.WriteString("\nThe links act for you alone: please do not forward this message.\n")
	}
	return b.String()
}

// MessageID is the Message-ID of n's email, brackets included. It depends on
// the notice alone, so a resend carries the one a mailbox already knows. The
// request opens the recipient's thread about the approval; everything after
// it points back there (threadID).
func MessageID(n notify.Notice, domain string) string {
	if n.Kind == api.NoticeRequested {
		return threadID(n, domain)
	}
	return msgID("notice", n.Key, domain)
}

// threadID is the Message-ID of the request that opened n's thread: one per
// approval and recipient, so each person's mailbox threads its own messages.
func threadID(n notify.Notice, domain string) string {
	who := n.Recipient.PersonID
	if who == "" {
		who = strings.ToLower(n.Recipient.Address)
	}
	return msgID("thread", n.ThreadKey+"\x00"+who, domain)
}

// msgID hashes the key, so an id holding any characters at all still gives
// a valid msg-id, the same one on every send.
func msgID(kind, key, domain string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + key))
	return fmt.Sprintf("<%s.%s@%s>", kind, hex.EncodeToString(sum[:16]), domain)
}
