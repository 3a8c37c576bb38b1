package mentions

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of a mention: its matching key and where the mention wrote it.
type token struct {
	key        string // NFKC, lower-case, apostrophes folded ("Mum’s" → "mum")
	start, end int    // byte offsets of the word in the text
	handle     bool   // an @handle: not counted as a word of the mention
}

// isApostrophe covers the marks people type for one: ' ’ ‘ ʼ ＇.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02bc', '\uff07':
		return true
	}
	return false
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// tokenize splits text into words, reading at most MaxTextBytes and MaxWords;
// truncated says the rest was not read. A word is letters, digits and marks,
// with apostrophes inside it; invisible format characters (zero-width spaces
// and joiners, soft hyphens) inside a word are ignored, so "sui\u200bcide" is
// one word. Links are skipped, and a #CamelCase hashtag is read as its words.
func tokenize(text string) (toks []token, truncated bool) {
	if len(text) > MaxTextBytes {
		cut := MaxTextBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text, truncated = text[:cut], true
	}
	for i := 0; i < len(text); {
		if n := linkLength(text[i:]); n > 0 {
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		var word []rune
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			switch {
			case isWordRune(r):
				word = append(word, r)
			case unicode.Is(unicode.Cf, r):
				// invisible: neither part of the word nor the end of it
			case isApostrophe(r) && i+size < len(text) && nextIsWord(text[i+size:]):
				word = append(word, '\'')
			default:
				goto done
			}
			i += size
		}
	done:
		prev := byte(0)
		if start > 0 {
			prev = text[start-1]
		}
		for _, part := range hashtagParts(word, start, text[start:i], prev == '#') {
			if len(toks) == MaxWords {
				return toks, true
			}
			part.handle = prev == '@'
			toks = append(toks, part)
		}
	}
	return toks, truncated
}

func nextIsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

// hashtagParts is the word as one token, or a #CamelCase hashtag as its words
// ("#FoodPoisoning" → food, poisoning), each with its own span.
func hashtagParts(word []rune, start int, written string, hashtag bool) []token {
	whole := token{key: key(string(word)), start: start, end: start + len(written)}
	if !hashtag {
		return []token{whole}
	}
	var out []token
	from := 0
	runes := []rune(written)
	offset := start
	pos := start
	for j, r := range runes {
		if j > 0 && unicode.IsUpper(r) && unicode.IsLower(runes[j-1]) {
			out = append(out, token{key: key(string(runes[from:j])), start: offset, end: pos})
			from, offset = j, pos
		}
		pos += utf8.RuneLen(r)
	}
	if len(out) == 0 {
		return []token{whole}
	}
	return append(out, token{key: key(string(runes[from:])), start: offset, end: pos})
}

// key is how a word is compared: compatibility-normalised (full-width letters,
// ligatures), lower-case, possessive 's dropped, other apostrophes removed
// ("don't" → "dont", as people also type it) and invisible characters gone.
func key(word string) string {
	k := strings.ToLower(norm.NFKC.String(word))
	k = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		if isApostrophe(r) {
			return '\''
		}
		return r
	}, k)
	k = strings.TrimSuffix(k, "'s")
	if strings.HasSuffix(k, "'ll") {
		// "I'll" must not read as "ill", nor "we'll" as "well".
		return k
	}
	return strings.ReplaceAll(k, "'", "")
}

// linkLength is the length of a link at the start of s, or 0.
func linkLength(s string) int {
	lower := s
	if len(lower) > 8 {
		lower = lower[:8]
	}
	lower = strings.ToLower(lower)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "www.") {
		return 0
	}
	n := strings.IndexFunc(s, unicode.IsSpace)
	if n < 0 {
		return len(s)
	}
	return n
}
