package mentions

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// A pattern is a phrase of word elements separated by spaces:
//
//	word        the word itself (compared by key: case, width and apostrophes folded)
//	stem*       any word starting with stem (at least 3 letters): "diagnos*"
//	a|b*|c      any of the alternatives
//	{class}     any word of a named class (wordClasses): "{family}"
//	..          up to maxGap words of anything
//	!a|b        the next word, if any, is none of these (it is not consumed)
//
// A pattern starts with a word element. Patterns without a gap are phrases: a
// phrase found in the text hides shorter matches inside it, so "heart attack"
// is illness and not violence, and "to die for" (a benign idiom) hides "die".
// Patterns with a gap find words near each other and hide nothing.

const maxGap = 3

type elemKind int

const (
	elemWord elemKind = iota
	elemGap
	elemNot
)

type alt struct {
	s      string
	prefix bool
}

type elem struct {
	kind elemKind
	alts []alt
}

func (e elem) matches(k string) bool {
	for _, a := range e.alts {
		if a.prefix && strings.HasPrefix(k, a.s) || !a.prefix && k == a.s {
			return true
		}
	}
	return false
}

// pattern is one compiled pattern of a group.
type pattern struct {
	kind   string // subject, cue, or "" for a benign idiom or praise (see groupKind)
	level  string // Sensitive, Unsure, or "" for benign and praise
	praise bool
	src    string
	elems  []elem
	phrase bool // no gap: it hides shorter matches inside it
	client bool
	order  int // position in the classifier, to break ties the same way every time
}

// compilePattern parses src; classes names the word classes it may use.
func compilePattern(src string, classes map[string][]string) ([]elem, error) {
	fields := strings.Fields(src)
	if len(fields) == 0 {
		return nil, fmt.Errorf("pattern is empty")
	}
	var out []elem
	for i, f := range fields {
		switch {
		case f == "..":
			if i == 0 || i == len(fields)-1 {
				return nil, fmt.Errorf("pattern %q: a gap (..) goes between words", src)
			}
			out = append(out, elem{kind: elemGap})
			continue
		case strings.HasPrefix(f, "!"):
			if i == 0 {
				return nil, fmt.Errorf("pattern %q: it must start with a word, not !", src)
			}
			alts, err := compileAlts(src, f[1:], classes)
			if err != nil {
				return nil, err
			}
			out = append(out, elem{kind: elemNot, alts: alts})
			continue
		}
		alts, err := compileAlts(src, f, classes)
		if err != nil {
			return nil, err
		}
		out = append(out, elem{kind: elemWord, alts: alts})
	}
	return out, nil
}

func compileAlts(src, f string, classes map[string][]string) ([]alt, error) {
	var out []alt
	for _, a := range strings.Split(f, "|") {
		if name, ok := strings.CutPrefix(a, "{"); ok {
			name, ok = strings.CutSuffix(name, "}")
			words, known := classes[name]
			if !ok || !known {
				return nil, fmt.Errorf("pattern %q: unknown word class %q", src, a)
			}
			for _, w := range words {
				out = append(out, alt{s: key(w)})
			}
			continue
		}
		prefix := strings.HasSuffix(a, "*")
		k := key(strings.TrimSuffix(a, "*"))
		switch {
		case k == "":
			return nil, fmt.Errorf("pattern %q: an empty word", src)
		case prefix && utf8.RuneCountInString(k) < 3:
			return nil, fmt.Errorf("pattern %q: %q is too short to stand for every word it starts", src, a)
		case strings.ContainsAny(k, " *{}!|"):
			return nil, fmt.Errorf("pattern %q: %q is not one word", src, a)
		}
		out = append(out, alt{s: k, prefix: prefix})
	}
	return out, nil
}

// matchAt reports where p, started at toks[i], ends (exclusive), trying shorter
// gaps first.
func (p *pattern) matchAt(toks []token, i int) (int, bool) {
	return matchElems(p.elems, toks, i)
}

func matchElems(elems []elem, toks []token, i int) (int, bool) {
	if len(elems) == 0 {
		return i, true
	}
	e := elems[0]
	switch e.kind {
	case elemGap:
		for skip := 0; skip <= maxGap && i+skip <= len(toks); skip++ {
			if end, ok := matchElems(elems[1:], toks, i+skip); ok {
				return end, true
			}
		}
		return 0, false
	case elemNot:
		if i < len(toks) && e.matches(toks[i].key) {
			return 0, false
		}
		return matchElems(elems[1:], toks, i)
	}
	if i >= len(toks) || !e.matches(toks[i].key) {
		return 0, false
	}
	return matchElems(elems[1:], toks, i+1)
}

// index finds the patterns that may start at a word: by the exact first word,
// and by the first three letters of a stem.
type index struct {
	exact map[string][]*pattern
	stems map[string][]*pattern
}

func stemKey(s string) string {
	n := 0
	for i := range s {
		if n == 3 {
			return s[:i]
		}
		n++
	}
	return s
}

func (ix *index) add(p *pattern) {
	for _, a := range p.elems[0].alts {
		if a.prefix {
			k := stemKey(a.s)
			ix.stems[k] = appendOnce(ix.stems[k], p)
		} else {
			ix.exact[a.s] = appendOnce(ix.exact[a.s], p)
		}
	}
}

func appendOnce(list []*pattern, p *pattern) []*pattern {
	if n := len(list); n > 0 && list[n-1] == p {
		return list
	}
	return append(list, p)
}

// candidates are the patterns that may start at a word with key k.
func (ix *index) candidates(k string) []*pattern {
	out := ix.exact[k]
	if stem := ix.stems[stemKey(k)]; len(stem) > 0 {
		out = append(append([]*pattern(nil), out...), stem...)
	}
	return out
}
