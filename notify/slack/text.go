package slack

import (
	"strings"
	"unicode/utf16"
)

// Slack's documented limits for what a message may carry. A longer text makes
// Slack refuse the whole message (invalid_blocks), so every text is fitted
// first: a notice cut short reaches the person, a refused one does not.
const (
	maxBlocks       = 50
	maxHeader       = 150
	maxSectionText  = 3000
	maxSectionField = 2000
	maxFields       = 10
	maxContextText  = 2000
	maxButtonValue  = 2000
	maxButtonURL    = 3000
	maxConfirmTitle = 100
	maxConfirmText  = 300
	maxFallbackText = 3000
)

const ellipsis = "…"

// fit returns s cut to at most limit characters, ending in an ellipsis when
// cut. Characters are counted as UTF-16 code units, which is never fewer than
// what Slack counts, so an emoji near the limit cannot push a text over it.
func fit(s string, limit int) string {
	return fitText(s, limit, false)
}

// fitMrkdwn is fit for text that goes into a mrkdwn object: &, < and > are
// escaped, so a preview that says "<!channel>" or "<https://x|click>" shows
// those characters instead of pinging everyone or hiding a link. The limit
// counts the escaped text, and a cut never splits an escape.
func fitMrkdwn(s string, limit int) string {
	return fitText(s, limit, true)
}

func fitText(s string, limit int, escape bool) string {
	var b strings.Builder
	used := 0
	budget := limit - 1 // the ellipsis is one code unit
	cut := -1           // length of b when the text no longer fits with an ellipsis
	for _, r := range s {
		piece, cost := string(r), utf16.RuneLen(r)
		if escape {
			if e := escapeRune(r); e != "" {
				piece, cost = e, len(e)
			}
		}
		if cut < 0 && used+cost > budget {
			cut = b.Len()
		}
		if used+cost > limit {
			return strings.TrimRight(b.String()[:cut], " \n\t") + ellipsis
		}
		b.WriteString(piece)
		used += cost
	}
	return b.String()
}

func escapeRune(r rune) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return ""
}
