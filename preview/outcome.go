package preview

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/greenlight/greenlight/api"
)

// Vote is one person's decision as people read it.
type Vote struct {
	By       string
	Role     string
	Decision string // approve | reject
	Comment  string
	Channel  string
	At       string // in the reader's zone
	Edited   bool   // the voter edited the content
}

// Outcome says who settled the approval, how and when: "Approved by dana@acme
// via link on Thu 3 Dec 08:30 UTC.", or, when nobody answered in time, "Decided
// by silence: skipped, on …" so it never reads as a person's approval. It is
// "" while the approval is pending.
func (a Approval) Outcome() string {
	if a.Status == api.ApprovalPending || a.Status == "" {
		return ""
	}
	when := ""
	if a.Decided != "" {
		when = " on " + a.Decided
	}
	if a.BySilence {
		return fmt.Sprintf("Decided by silence: %s%s.", SilenceOutcome(a.Policy), strings.Replace(when, " on", ", on", 1))
	}
	if a.EndedWith != "" {
		return fmt.Sprintf("Closed undecided: %s%s.", CampaignEnded(a.EndedWith), when)
	}
	via := ""
	if a.Channel != "" {
		via = " via " + a.Channel
	}
	by := a.DecidedBy
	if by == "" {
		by = "someone"
	}
	return fmt.Sprintf("%s by %s%s%s.", capitalise(a.Status), by, via, when)
}

// CampaignEnded says how the campaign's end closed an approval: "the campaign
// was canceled".
func CampaignEnded(status string) string {
	switch status {
	case api.StatusCanceled:
		return "the campaign was canceled"
	case api.StatusFailed:
		return "the campaign failed"
	case api.StatusCompleted:
		return "the campaign completed without it"
	}
	return "the campaign ended (" + status + ")"
}

// Summary is the approval in one short line for a list: its first post (with
// the platform), else its first other entry, cut to at most n characters.
func (a Approval) Summary(n int) string {
	s := ""
	switch {
	case len(a.Posts) > 0:
		s = a.Posts[0].Text
		if a.Posts[0].Platform != "" {
			s = a.Posts[0].Platform + ": " + s
		}
		if len(a.Posts) > 1 {
			s = fmt.Sprintf("%s (+%d more)", s, len(a.Posts)-1)
		}
	case len(a.Fields) > 0 && a.Fields[0].Items != nil:
		s = a.Fields[0].Label + ": " + strings.Join(a.Fields[0].Items, ", ")
	case len(a.Fields) > 0:
		s = a.Fields[0].Label + ": " + a.Fields[0].Text
	}
	return cut(strings.Join(strings.Fields(s), " "), n)
}

// cut shortens s to at most n characters, marking the cut.
func cut(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max(n-1, 0)])) + "…"
}
