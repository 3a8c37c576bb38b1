package notify

import (
	"fmt"
	"strings"
)

// Alert is what a notice of kind api.NoticeAlert says: something a campaign
// found on a client's accounts that their owner should know, in plain
// language, with the accounts concerned. It asks for no decision, so every
// channel renders it without a deadline and without buttons. Its JSON is the
// data of the webhook event of its Type.
type Alert struct {
	Type       string `json:"type"` // what happened: api.AlertSpamWave
	Client     string `json:"client"`
	CampaignID string `json:"campaign_id"`
	Step       string `json:"step"` // the step that found it
	// Title is one line, the message's subject; Text says what it means and
	// what to do.
	Title string `json:"title"`
	Text  string `json:"text"`
	// Total new followers the check found, Suspicious of them spam or bots.
	Total      int         `json:"total"`
	Suspicious int         `json:"suspicious"`
	Items      []AlertItem `json:"items"`
	More       int         `json:"more,omitempty"` // accounts concerned beyond Items
}

// AlertItem is one account an alert is about.
type AlertItem struct {
	Handle   string `json:"handle"`
	Class    string `json:"class"` // spam or bot
	Reason   string `json:"reason"`
	DrivenBy string `json:"driven_by,omitempty"` // the step that drew it
}

// Line is the item as one line of text: "@x (bot): reason; drawn by week/1/follow".
func (i AlertItem) Line() string {
	s := OneLine(i.Handle)
	if i.Class != "" {
		s += " (" + OneLine(i.Class) + ")"
	}
	if i.Reason != "" {
		s += ": " + OneLine(i.Reason)
	}
	if i.DrivenBy != "" {
		s += "; drawn by " + OneLine(i.DrivenBy)
	}
	return s
}

// MoreLine is the line that ends a list cut short, "" when nothing was cut.
func (a Alert) MoreLine() string {
	if a.More <= 0 {
		return ""
	}
	return fmt.Sprintf("and %d more", a.More)
}

// PlainText is the alert as the text of a message: what it means, then the
// list, one account to a line.
func (a Alert) PlainText() string {
	var b strings.Builder
	b.WriteString(a.Text)
	b.WriteString("\n")
	if len(a.Items) > 0 {
		b.WriteString("\n")
	}
	for _, it := range a.Items {
		b.WriteString("- " + it.Line() + "\n")
	}
	if m := a.MoreLine(); m != "" {
		b.WriteString("- " + m + "\n")
	}
	fmt.Fprintf(&b, "\nClient %s, campaign %s, step %s.\n", OneLine(a.Client), OneLine(a.CampaignID), OneLine(a.Step))
	return b.String()
}
