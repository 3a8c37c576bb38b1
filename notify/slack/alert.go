package slack

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/slack-go/slack"

	"github.com/greenlight/greenlight/notify"
)

// maxAlertLine bounds one account's line, so a long reason cannot crowd the
// others out of a section.
const maxAlertLine = 500

// AlertBlocks lays out an alert: the title, what it means and what to do, the
// accounts one to a line, and which client, campaign and step found it. It
// asks for no decision, so it has no buttons. Every text is plain (a handle
// like @cheap_deals_1 would turn italic in mrkdwn, and nothing in it should
// ping or link) and fitted to Slack's limits: lines that do not fit in the
// blocks Slack allows are counted in the closing "…and N more".
func AlertBlocks(a notify.Alert) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(fit(notify.OneLine(a.Title), maxHeader))),
		slack.NewSectionBlock(plain(fit(a.Text, maxSectionText)), nil, nil),
	}
	footer := slack.NewContextBlock("", plain(fit(
		fmt.Sprintf("Client %s · campaign %s · step %s", a.Client, a.CampaignID, a.Step), maxContextText)))
	// Room for the list, and for the line saying how many more there are.
	room := maxBlocks - len(blocks) - 2
	more := max(a.More, 0)
	var sections []string
	var cur strings.Builder
	used := 0 // cur's length as Slack counts it
	for i, it := range a.Items {
		line := fit("• "+it.Line(), maxAlertLine)
		n := codeUnits(line)
		if cur.Len() > 0 && used+1+n > maxSectionText {
			sections = append(sections, cur.String())
			cur.Reset()
			used = 0
			if len(sections) == room {
				more += len(a.Items) - i
				break
			}
		}
		if cur.Len() > 0 {
			cur.WriteString("\n")
			used++
		}
		cur.WriteString(line)
		used += n
	}
	if cur.Len() > 0 {
		sections = append(sections, cur.String())
	}
	for _, s := range sections {
		blocks = append(blocks, slack.NewSectionBlock(plain(s), nil, nil))
	}
	if more > 0 {
		blocks = append(blocks, slack.NewSectionBlock(plain(fmt.Sprintf("…and %d more", more)), nil, nil))
	}
	return append(blocks, footer)
}

// codeUnits is the length of s as Slack counts it (see fit).
func codeUnits(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// AlertText is the plain fallback of AlertBlocks: what a notification shows.
func AlertText(a notify.Alert) string {
	return fit(notify.OneLine(a.Title), maxFallbackText)
}
