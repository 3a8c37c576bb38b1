package slack

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/preview"
)

// Action ids of the buttons on an approval message; the interaction endpoint
// reads them back from Slack's block_actions payload.
const (
	ActionApprove = "greenlight_approve"
	ActionReject  = "greenlight_reject"
	ActionOpen    = "greenlight_open"
)

// blockDecision is the block id of the buttons.
const blockDecision = "greenlight_decision"

// Links are the addresses an approval message may point to. Blocks uses Open
// for the Open button. Approve and Reject are signed one-click links meant for
// a single person's mailbox; a Slack message can be forwarded or sit in a
// channel, so it decides through its buttons instead, whose clicks Slack signs
// with the clicking member's id, and these two are not rendered.
type Links struct {
	Approve, Reject, Open string
}

// Blocks lays out an approval request in Block Kit: the title, the posts as
// they will be published, the targets, schedule, risk and other details, who
// asked and what silence will do by when, then the Approve, Reject and Open
// buttons. kind is api.NoticeRequested, api.NoticeReminded or api.NoticeEscalated; seq numbers
// reminders from 1. Every text is fitted to Slack's limits, so the result is
// always a message Slack accepts.
func Blocks(a preview.Approval, links Links, kind string, seq int) []slack.Block {
	tail := []slack.Block{askedBy(a)}
	if act := actions(a, links); act != nil {
		tail = append(tail, act)
	}
	return layout(a, headline(a, kind, seq), tail)
}

// Decided lays out the request once it is settled: the same content, and in
// place of the buttons who decided and when.
func Decided(a preview.Approval) []slack.Block {
	outcome := slack.NewSectionBlock(mrkdwn("*"+fitMrkdwn(Outcome(a), maxSectionText-2)+"*"), nil, nil)
	return layout(a, title(a), []slack.Block{askedBy(a), outcome})
}

// Text is the plain fallback of Blocks: what a notification or a client that
// cannot draw blocks shows.
func Text(a preview.Approval, kind string, seq int) string {
	s := headline(a, kind, seq)
	if a.Client != "" {
		s += " for " + a.Client
	}
	return fit(s+". "+a.Silence, maxFallbackText)
}

// DecidedText is the plain fallback of Decided.
func DecidedText(a preview.Approval) string {
	return fit(title(a)+": "+Outcome(a), maxFallbackText)
}

// Outcome says who settled the approval and when: "Approved by dana@acme,
// Thu 3 Dec 08:30 CET", or "Decided by silence: skipped, Fri 4 Dec 17:00 CET"
// when its timeout policy did.
func Outcome(a preview.Approval) string {
	var s string
	switch {
	case a.EndedWith != "":
		s = "Closed undecided: " + preview.CampaignEnded(a.EndedWith)
	case a.BySilence:
		policy := a.OnTimeout
		if p, ok := strings.CutPrefix(a.DecidedBy, "policy:"); ok {
			policy = p
		}
		s = "Decided by silence: " + preview.SilenceOutcome(policy)
	case a.DecidedBy != "":
		s = capitalise(a.Status) + " by " + a.DecidedBy
	default:
		s = capitalise(a.Status)
	}
	if a.Decided != "" {
		s += ", " + a.Decided
	}
	return s
}

// layout puts the header, the content and the tail together within Slack's
// 50 blocks. Content that does not fit is named in one last section that sends
// the reader to Greenlight, so a long batch of posts never loses its buttons.
func layout(a preview.Approval, head string, tail []slack.Block) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(plain(fit(head, maxHeader)))}
	body := content(a)
	room := maxBlocks - len(blocks) - len(tail)
	if len(body) > room {
		more := len(body) - (room - 1)
		body = append(body[:room-1], slack.NewSectionBlock(
			mrkdwn(fmt.Sprintf("_…and %d more %s of this request: open it in Greenlight to see everything._", more, plural(more, "part", "parts"))), nil, nil))
	}
	blocks = append(blocks, body...)
	return append(blocks, tail...)
}

func title(a preview.Approval) string {
	if strings.TrimSpace(a.Title) == "" {
		return "Approval " + a.ID
	}
	return a.Title
}

func headline(a preview.Approval, kind string, seq int) string {
	switch kind {
	case api.NoticeReminded:
		if seq > 0 {
			return fmt.Sprintf("Reminder %d: %s", seq, title(a))
		}
		return "Reminder: " + title(a)
	case api.NoticeEscalated:
		return "Escalated: " + title(a)
	}
	return title(a)
}

// content is what is being approved, in the order preview gives it.
func content(a preview.Approval) []slack.Block {
	var blocks []slack.Block
	if len(a.Posts) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(fmt.Sprintf("*%d %s to publish*", len(a.Posts), plural(len(a.Posts), "post", "posts"))), nil, nil))
	}
	for i, p := range a.Posts {
		// Plain text: the post reads exactly as it will be published, with no
		// formatting, mention or link that Slack would add to it.
		blocks = append(blocks, slack.NewSectionBlock(plain(fit(postText(i, p), maxSectionText)), nil, nil))
	}
	var details []*slack.TextBlockObject
	if len(a.Targets) > 0 {
		details = append(details, detail("Targets", strings.Join(a.Targets, ", ")))
	}
	if a.Schedule != "" {
		details = append(details, detail("Schedule", a.Schedule))
	}
	if a.Risk != "" {
		details = append(details, detail("Risk", a.Risk))
	}
	if len(details) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(nil, details, nil))
	}
	for _, f := range a.Fields {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(field(f)), nil, nil))
	}
	return blocks
}

func postText(i int, p preview.Post) string {
	var about []string
	for _, s := range []string{p.Platform, p.Topic, p.When} {
		if s != "" {
			about = append(about, s)
		}
	}
	head := fmt.Sprintf("%d.", i+1)
	if len(about) > 0 {
		head += " " + strings.Join(about, " · ")
	}
	return head + "\n" + p.Text
}

func detail(label, text string) *slack.TextBlockObject {
	head := "*" + label + "*\n"
	return mrkdwn(head + fitMrkdwn(text, maxSectionField-len(head)))
}

func field(f preview.Field) string {
	head := "*" + fitMrkdwn(f.Label, 100) + ":*"
	var body string
	if f.Items != nil {
		var b strings.Builder
		for _, it := range f.Items {
			b.WriteString("\n• ")
			b.WriteString(it)
		}
		body = b.String()
	} else {
		body = " " + f.Text
	}
	return head + fitMrkdwn(body, maxSectionText-len(head)) // bytes: never fewer than Slack's characters
}

// askedBy says who asked, for which client and campaign, and what silence
// will do by the deadline.
func askedBy(a preview.Approval) *slack.ContextBlock {
	who := "Client " + a.Client + " · campaign " + a.CampaignID
	if a.RequestedBy != "" {
		who = "Asked by " + a.RequestedBy + " · client " + a.Client + " · campaign " + a.CampaignID
	}
	when := a.Silence
	if when == "" {
		when = "Due " + a.Due
	}
	return slack.NewContextBlock("", plain(fit(who, maxContextText)), plain(fit(when, maxContextText)))
}

// actions are the buttons. The approval id travels as the buttons' value, so
// an id too long for it (never the case for ids Greenlight makes) leaves only
// the Open button rather than a message Slack refuses.
func actions(a preview.Approval, links Links) *slack.ActionBlock {
	var elems []slack.BlockElement
	if a.ID != "" && len(a.ID) <= maxButtonValue {
		approve := slack.NewButtonBlockElement(ActionApprove, a.ID, plain("Approve")).WithStyle(slack.StylePrimary)
		confirm := slack.NewConfirmationBlockObject(
			plain("Reject this request?"),
			plain(fit("“"+title(a)+"” will not go ahead as proposed.", maxConfirmText)),
			plain("Reject"), plain("Cancel"),
		).WithStyle(slack.StyleDanger)
		reject := slack.NewButtonBlockElement(ActionReject, a.ID, plain("Reject")).WithStyle(slack.StyleDanger).WithConfirm(confirm)
		elems = append(elems, approve, reject)
	}
	if links.Open != "" && len(links.Open) <= maxButtonURL {
		open := slack.NewButtonBlockElement(ActionOpen, "", plain("Open in Greenlight"))
		open.URL = links.Open
		elems = append(elems, open)
	}
	if len(elems) == 0 {
		return nil
	}
	return slack.NewActionBlock(blockDecision, elems...)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// mrkdwn objects are verbatim: Slack turns no URL, channel name or mention in
// them into a link; what the text says is what shows.
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
