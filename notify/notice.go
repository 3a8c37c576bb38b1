// Package notify holds the message every channel sends about an approval:
// who it is for, what happened, the approval as that person reads it and the
// links they may use. Email, Slack and webhooks render the same Notice, with
// the same subject and lead sentence, so a person hears one story wherever
// it reaches them. A notice about no approval carries an Alert instead.
package notify

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/preview"
)

// Recipient is one person a notice goes to, on one channel.
type Recipient struct {
	PersonID string
	Name     string
	Address  string // the channel's address: an email address, a Slack user, a URL
	Location *time.Location
}

// Links are the signed URLs a recipient may use; any may be empty. The
// decision links are capabilities of this one person with an expiry, the
// only secrets a notice carries.
type Links struct {
	Approve, Reject, Open, Inbox string
	// Timeline is a read-only link to the approval's campaign, for channels
	// where a message may be seen by others than its person (Slack): there
	// the buttons decide, and nothing in the message does by itself.
	Timeline string
}

// Notice is one message to one person about one approval event.
type Notice struct {
	// Key is the idempotency key (see Key): the same notice keeps it across
	// retries, so a channel can tell a resend from a new message.
	Key       string
	Kind      string
	Seq       int              // which reminder (1, 2, …); 0 otherwise
	Approval  preview.Approval // already in the recipient's zone
	Recipient Recipient
	Links     Links
	// ThreadKey is the approval id: every message about one approval threads together.
	ThreadKey string
	// Alert is the content of a notice of kind api.NoticeAlert, which is
	// about no approval: Approval is empty then.
	Alert *Alert
}

// Key builds a notice's idempotency key from what makes it one message: the
// approval, the person, the channel, the kind and which one of that kind
// (the reminder's number, the escalation's tier). Each part is escaped, so
// two different notices never share a key.
func Key(approvalID, personID, channel, kind string, n int) string {
	return strings.Join([]string{
		url.PathEscape(approvalID), url.PathEscape(personID), url.PathEscape(channel), url.PathEscape(kind),
	}, "/") + fmt.Sprintf("/%d", n)
}

// Check says why a notice cannot be sent at all; such a notice never will be,
// so the error is permanent.
func (n Notice) Check() error {
	var problems []error
	if n.Key == "" {
		problems = append(problems, errors.New("no key"))
	}
	switch n.Kind {
	case api.NoticeRequested, api.NoticeReminded, api.NoticeEscalated, api.NoticeDecided, api.NoticeExpired:
	case api.NoticeAlert:
		if n.Alert == nil || strings.TrimSpace(n.Alert.Title) == "" {
			problems = append(problems, errors.New("an alert without its content"))
		}
	default:
		problems = append(problems, fmt.Errorf("unknown kind %q", n.Kind))
	}
	if n.ThreadKey == "" {
		problems = append(problems, errors.New("no thread key"))
	}
	if strings.TrimSpace(n.Recipient.Address) == "" {
		problems = append(problems, errors.New("recipient has no address"))
	}
	if len(problems) > 0 {
		return Permanent(fmt.Errorf("notify: notice %q cannot be sent: %w", n.Key, errors.Join(problems...)))
	}
	return nil
}

// Actionable says whether the message asks for a decision, so channels show
// Approve and Reject only while one can still be taken.
func (n Notice) Actionable() bool {
	switch n.Kind {
	case api.NoticeRequested, api.NoticeReminded, api.NoticeEscalated:
		return n.Approval.Status == "" || n.Approval.Status == api.ApprovalPending
	}
	return false
}

// Subject is the one line every channel leads with: what happened and to
// what, with the deadline while an answer is still wanted.
func (n Notice) Subject() string {
	if n.Alert != nil {
		return OneLine(n.Alert.Title)
	}
	a := n.Approval
	title := OneLine(a.Title)
	switch {
	case n.Kind == api.NoticeRequested:
		return fmt.Sprintf("Approval needed: %s (by %s)", title, a.Due)
	case n.Kind == api.NoticeReminded:
		return fmt.Sprintf("Reminder: %s (by %s)", title, a.Due)
	case n.Kind == api.NoticeEscalated:
		return fmt.Sprintf("Escalated: %s (by %s)", title, a.Due)
	case a.EndedWith != "":
		return fmt.Sprintf("Closed undecided: %s", title)
	case n.Kind == api.NoticeExpired, a.BySilence:
		return fmt.Sprintf("Decided by silence (%s): %s", preview.SilenceOutcome(a.OnTimeout), title)
	case a.DecidedBy != "":
		return fmt.Sprintf("%s by %s: %s", outcome(a.Status), OneLine(a.DecidedBy), title)
	}
	return fmt.Sprintf("%s: %s", outcome(a.Status), title)
}

// Lead is the sentence that opens the message body: why this person hears
// about the approval now.
func (n Notice) Lead() string {
	if n.Alert != nil {
		return n.Alert.Text
	}
	a := n.Approval
	switch {
	case n.Kind == api.NoticeRequested && a.RequestedBy != "":
		return fmt.Sprintf("%s asks for your approval.", OneLine(a.RequestedBy))
	case n.Kind == api.NoticeRequested:
		return "Your approval is needed."
	case n.Kind == api.NoticeReminded && n.Seq > 1:
		return fmt.Sprintf("Reminder %d: this still waits for your answer.", n.Seq)
	case n.Kind == api.NoticeReminded:
		return "Reminder: this still waits for your answer."
	case n.Kind == api.NoticeEscalated:
		return "Nobody answered in time, so this now comes to you."
	case a.EndedWith != "":
		return fmt.Sprintf("Nothing more is needed from you: %s before anyone answered.", preview.CampaignEnded(a.EndedWith))
	case n.Kind == api.NoticeExpired, a.BySilence:
		return fmt.Sprintf("Nobody answered by %s, so %s.", a.Due, silenceClause(a.OnTimeout))
	case a.DecidedBy != "" && a.Decided != "":
		return fmt.Sprintf("%s by %s on %s. Nothing more is needed from you.", outcome(a.Status), OneLine(a.DecidedBy), a.Decided)
	}
	return fmt.Sprintf("%s. Nothing more is needed from you.", outcome(a.Status))
}

// outcome names a person's decision as a subject starts it.
func outcome(status string) string {
	switch status {
	case api.ApprovalApproved:
		return "Approved"
	case api.ApprovalRejected:
		return "Rejected"
	}
	return "Decided"
}

// silenceClause says what a timeout policy did, as the end of a sentence.
func silenceClause(policy string) string {
	switch policy {
	case "approve", "reject", "skip":
		return "it was " + preview.SilenceOutcome(policy)
	case "fail":
		return "the campaign stopped"
	case "escalate":
		return "it went to the next person up"
	}
	return "it expired"
}

// OneLine folds line breaks and other control characters into spaces:
// a title or a name written by someone else must not break a header, a
// Slack mrkdwn line or a log entry.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
