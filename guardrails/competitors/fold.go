package competitors

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// fold maps s to the form targets are compared in, so that a competitor cannot
// be reached by writing its name differently: compatibility forms become plain
// letters (NFKC's decompositions: fullwidth ＠ＲｉｖａｌＣｏ, mathematical 𝐑𝐢𝐯𝐚𝐥,
// circled and ligature forms), case is folded, accents and invisible characters
// (zero-width spaces, soft hyphens, direction marks) are dropped, and the
// Cyrillic and Greek letters that pass for Latin ones become those letters.
//
// It works rune by rune and returns, for each byte of the result, the byte
// offsets in s of the rune it came from, so that a tag found in a post's text is
// reported as it was written.
func fold(s string) (string, []span) {
	var b strings.Builder
	b.Grow(len(s))
	spans := make([]span, 0, len(s))
	caser := cases.Fold()
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < utf8.RuneSelf {
			// ASCII folds to itself but for case; the common path stays cheap.
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
			spans = append(spans, span{i, i + size})
			i += size
			continue
		}
		var piece strings.Builder
		for _, q := range norm.NFKD.String(string(r)) {
			if unicode.Is(unicode.Mn, q) || unicode.Is(unicode.Cf, q) {
				continue
			}
			piece.WriteRune(q)
		}
		for _, q := range caser.String(piece.String()) {
			if l, ok := lookalikes[q]; ok {
				q = l
			}
			n := b.Len()
			b.WriteRune(q)
			for range b.Len() - n {
				spans = append(spans, span{i, i + size})
			}
		}
		i += size
	}
	return b.String(), spans
}

// foldString is fold without the offsets.
func foldString(s string) string {
	f, _ := fold(s)
	return f
}

// span is where, in the text as written, a folded byte came from.
type span struct{ start, end int }

// lookalikes are letters of other scripts that read as Latin ones. No platform
// the guardrail knows allows them in a handle or a domain's ASCII form, so a
// target written with them can only be imitating the Latin name: mapping them
// makes "@rіvalco" (Ukrainian і) the competitor without making any real, other
// account one. Digits are left alone: rivalc0 is a different, valid handle.
var lookalikes = map[rune]rune{
	// Cyrillic
	'а': 'a', 'е': 'e', 'і': 'i', 'ј': 'j', 'к': 'k', 'о': 'o', 'р': 'p', 'с': 'c',
	'у': 'y', 'х': 'x', 'ѕ': 's', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ӏ': 'l',
	// Greek
	'α': 'a', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'υ': 'u', 'χ': 'x',
	// Latin letters that are not ASCII
	'ı': 'i', 'ɡ': 'g', 'ɑ': 'a', 'ɩ': 'i', 'ʏ': 'y',
}
