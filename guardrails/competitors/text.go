package competitors

import (
	"regexp"
	"sort"
	"strings"
)

// Finding is one tag or link in a text that reaches a competitor, or a post
// link whose author cannot be told.
type Finding struct {
	Target  string // as written in the text
	Match   Match
	Blocked bool
	Note    string // why a linked post's author cannot be told
}

var (
	schemeURL = regexp.MustCompile(`https?://[^\s<>"'` + "`" + `]+`)
	// @user@instance (Mastodon) or user@domain (an address at the domain).
	atAddress = regexp.MustCompile(`@?[a-z0-9_.+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+`)
	tag       = regexp.MustCompile(`@[a-z0-9_.-]+`)
	bareLink  = regexp.MustCompile(`([a-z0-9-]+\.)+[a-z][a-z0-9-]*[a-z0-9](:[0-9]+)?(/[^\s<>"'` + "`" + `]*)?`)
)

// trailing is punctuation that ends a sentence rather than a tag or link.
const trailing = ".,;:!?)]}'\"-…"

// Text finds every tag (@RivalCo, @rivalco@mastodon.social,
// @rivalco.bsky.social) and link (https://…, rivalco.com/deals, an address
// at rivalco.com) in a text the client would publish that reaches a
// competitor. A competitor's name in plain words, or as a #hashtag, is neither.
func (g *Guard) Text(text string) []Finding {
	folded, spans := fold(text)
	taken := make([]bool, len(folded))
	var out []Finding
	var at []int // where each finding starts, to list them in the text's order
	scan := func(re *regexp.Regexp, read func(tok string) (Target, string)) {
		for _, loc := range re.FindAllStringIndex(folded, -1) {
			a, b := loc[0], loc[1]
			for b > a && strings.ContainsRune(trailing, rune(folded[b-1])) {
				b--
			}
			if b <= a || taken[a] || taken[b-1] || (a > 0 && continues(folded[a-1])) {
				continue
			}
			for i := a; i < b; i++ {
				taken[i] = true
			}
			t, via := read(folded[a:b])
			written := text[spans[a].start:spans[b-1].end]
			if l, v, ok := g.match(t); ok {
				if v == ViaDomain || via == ViaLink {
					v = ViaLink
				} else {
					v = via
				}
				out = append(out, Finding{Target: written, Blocked: true, Match: Match{Competitor: l.competitor, Via: v, Matched: l.what}})
				at = append(at, a)
			} else if t.Unattributed != "" {
				out = append(out, Finding{Target: written, Note: t.Unattributed})
				at = append(at, a)
			}
		}
	}
	scan(schemeURL, func(tok string) (Target, string) { return readURL(tok), ViaLink })
	scan(atAddress, func(tok string) (Target, string) {
		if strings.HasPrefix(tok, "@") {
			return readHandle(tok), ViaTag
		}
		_, host, _ := strings.Cut(tok, "@")
		return Target{Kind: KindLink, Host: canonicalHost(host)}, ViaLink
	})
	scan(tag, func(tok string) (Target, string) { return readHandle(tok), ViaTag })
	scan(bareLink, func(tok string) (Target, string) { return readURL(tok), ViaLink })
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return at[order[i]] < at[order[j]] })
	sorted := make([]Finding, len(out))
	for i, k := range order {
		sorted[i] = out[k]
	}
	return sorted
}

// continues reports whether c, just before a match, makes it part of a longer
// word: then it is not a tag or link of its own (the "rivalco.com" in
// "notrivalco.com", the "@rivalco" in "me@rivalco").
func continues(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("_@./-+%", c) >= 0
}
