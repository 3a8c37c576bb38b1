package mentions

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Classifier holds the compiled default lists and, when it was made for a
// client, the client's terms. It is safe for concurrent use.
type Classifier struct {
	ix       index
	problems []string // client terms that could not be used
}

// MaxSignals bounds the signals one result lists; subjects are all listed.
const MaxSignals = 20

// maxSignalText bounds how much of the mention one signal quotes.
const maxSignalText = 120

var defaults = sync.OnceValues(func() ([]*pattern, error) {
	var out []*pattern
	for _, g := range lexicon {
		for _, src := range g.patterns {
			elems, err := compilePattern(src, wordClasses)
			if err != nil {
				return nil, fmt.Errorf("mentions: default list %s: %w", g.kind, err)
			}
			out = append(out, newPattern(g.kind, g.level, src, elems, false, len(out)))
		}
	}
	return out, nil
})

// defaultClassifier is the one classifier without client terms, built once.
var defaultClassifier = sync.OnceValues(func() (*Classifier, error) {
	base, err := defaults()
	if err != nil {
		return nil, err
	}
	return withPatterns(base), nil
})

func withPatterns(ps []*pattern) *Classifier {
	c := &Classifier{ix: index{exact: map[string][]*pattern{}, stems: map[string][]*pattern{}}}
	for _, p := range ps {
		c.ix.add(p)
	}
	return c
}

func newPattern(kind, level, src string, elems []elem, client bool, order int) *pattern {
	p := &pattern{kind: kind, level: level, src: src, elems: elems, client: client, order: order, phrase: true, praise: kind == kindPraise}
	for _, e := range elems {
		if e.kind == elemGap {
			p.phrase = false
		}
	}
	return p
}

// New returns a classifier with the default lists and the client's extra
// terms. A term that cannot be used is left out and listed by Problems, and
// every classification then says so (cue client_terms), so at worst a mention
// is unsure. The error is for a defect in the default lists only.
func New(extra Terms) (*Classifier, error) {
	if len(extra) == 0 {
		return defaultClassifier()
	}
	base, err := defaults()
	if err != nil {
		return nil, err
	}
	c := withPatterns(base)
	order := len(base)
	subjects := make([]string, 0, len(extra))
	for s := range extra {
		subjects = append(subjects, s)
	}
	slices.Sort(subjects)
	for _, raw := range subjects {
		subject, err := subjectName(raw)
		if err != nil {
			c.problems = append(c.problems, err.Error())
			continue
		}
		level := Sensitive
		if subject == CueNegative || subject == CueSarcasm {
			level = Unsure
		}
		for _, term := range extra[raw] {
			if order-len(base) == MaxTerms {
				c.problems = append(c.problems, fmt.Sprintf("more than %d terms: the rest are not used", MaxTerms))
				break
			}
			elems, err := termElems(term)
			if err != nil {
				c.problems = append(c.problems, err.Error())
				continue
			}
			c.ix.add(newPattern(subject, level, strings.TrimSpace(term), elems, true, order))
			order++
		}
	}
	return c, nil
}

// ForInput is New for a connector's extra_terms input (see ParseTerms).
func ForInput(extraTerms any) (*Classifier, error) {
	terms, probs := ParseTerms(extraTerms)
	c, err := New(terms)
	if err != nil {
		return nil, err
	}
	if len(probs) == 0 {
		return c, nil
	}
	// c may be the shared default classifier: the problems go on a copy.
	own := *c
	own.problems = append(probs, c.problems...)
	return &own, nil
}

// Problems lists the client terms that could not be used.
func (c *Classifier) Problems() []string { return slices.Clone(c.problems) }

// hit is one pattern found at tokens [start, end).
type hit struct {
	p          *pattern
	start, end int
}

// Classify rates one mention. It reads at most MaxTextBytes and MaxWords of
// it, in time linear in what it reads.
func (c *Classifier) Classify(text string) Result {
	toks, truncated := tokenize(text)
	hits := c.find(toks)

	var sensitive, unsure []Signal
	praise := false
	question := strings.ContainsAny(text, "?？¿")
	quote := func(h hit) string { return clip(text[toks[h.start].start:toks[h.end-1].end]) }
	for _, h := range hits {
		switch {
		case h.p.kind == kindBenign:
		case h.p.praise:
			praise = true
		case h.p.kind == kindPerson:
			if question {
				unsure = append(unsure, Signal{Kind: CuePersonQuestion, Level: Unsure, Text: quote(h), Pattern: h.p.src})
			}
		case h.p.level == Sensitive:
			sensitive = append(sensitive, Signal{Kind: h.p.kind, Level: Sensitive, Text: quote(h), Pattern: h.p.src, Client: h.p.client})
		default:
			unsure = append(unsure, Signal{Kind: h.p.kind, Level: Unsure, Text: quote(h), Pattern: h.p.src, Client: h.p.client})
		}
	}
	emoji := emojiSignals(text)
	for _, s := range emoji {
		if s.Kind == kindPraise {
			praise = true
		} else {
			unsure = append(unsure, s)
		}
	}
	if sarcasmTag(text) {
		unsure = append(unsure, Signal{Kind: CueSarcasm, Level: Unsure, Text: "/s", Pattern: "/s"})
	}
	words := 0
	for _, t := range toks {
		if !t.handle {
			words++
		}
	}
	switch {
	case words == 0:
		unsure = append(unsure, Signal{Kind: CueNoWords, Level: Unsure})
	case words < MinWords:
		unsure = append(unsure, Signal{Kind: CueShort, Level: Unsure, Pattern: fmt.Sprintf("%d word(s), fewer than %d", words, MinWords)})
	}
	if truncated {
		unsure = append(unsure, Signal{Kind: CueTruncated, Level: Unsure,
			Pattern: fmt.Sprintf("only the first %d bytes or %d words were read", MaxTextBytes, MaxWords)})
	}
	if len(c.problems) > 0 {
		unsure = append(unsure, Signal{Kind: CueClientTerms, Level: Unsure, Pattern: clip(strings.Join(c.problems, "; "))})
	}

	r := Result{Sensitivity: Routine, Sentiment: "neutral"}
	switch {
	case len(sensitive) > 0:
		r.Sensitivity, r.Signals, r.Subjects = Sensitive, dedupe(sensitive), kinds(sensitive)
	case len(unsure) > 0:
		r.Sensitivity, r.Signals, r.Cues = Unsure, dedupe(unsure), kinds(unsure)
	}
	negative := len(sensitive) > 0
	for _, s := range unsure {
		if s.Kind == CueNegative || s.Kind == CueSarcasm {
			negative = true
		}
	}
	switch {
	case negative:
		r.Sentiment = "negative"
	case praise:
		r.Sentiment = "positive"
	}
	return r
}

// find runs every pattern that may start at each word, then lets phrases hide
// the shorter matches inside them. The hits come back in the order of the text.
func (c *Classifier) find(toks []token) []hit {
	var hits []hit
	seen := map[hit]bool{}
	for i, t := range toks {
		for _, p := range c.ix.candidates(t.key) {
			end, ok := p.matchAt(toks, i)
			h := hit{p: p, start: i, end: end}
			if ok && end > i && !seen[h] {
				seen[h] = true
				hits = append(hits, h)
			}
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if d := (b.end - b.start) - (a.end - a.start); d != 0 {
			return d
		}
		if d := a.start - b.start; d != 0 {
			return d
		}
		return a.p.order - b.p.order
	})
	// cover[i] lists the kept phrases over word i: a phrase that holds a hit
	// covers the hit's first word, so only those are asked.
	var kept []hit
	cover := make([][]hit, len(toks))
	for _, h := range hits {
		inside := false
		for _, ph := range cover[h.start] {
			if h.end <= ph.end && ph.end-ph.start > h.end-h.start {
				inside = true
				break
			}
		}
		if inside {
			continue
		}
		kept = append(kept, h)
		if h.p.phrase {
			for i := h.start; i < h.end; i++ {
				cover[i] = append(cover[i], h)
			}
		}
	}
	slices.SortStableFunc(kept, func(a, b hit) int {
		if d := a.start - b.start; d != 0 {
			return d
		}
		return a.p.order - b.p.order
	})
	return kept
}

// emojiSignals finds the emoji that are cues (each once) and praise.
func emojiSignals(text string) []Signal {
	if len(text) > MaxTextBytes {
		text = text[:MaxTextBytes]
	}
	var out []Signal
	seen := map[rune]bool{}
	for _, r := range text {
		if r < 0x2000 || seen[r] {
			continue
		}
		seen[r] = true
		switch {
		case strings.ContainsRune(negativeEmoji, r):
			out = append(out, Signal{Kind: CueNegative, Level: Unsure, Text: string(r), Pattern: "emoji"})
		case strings.ContainsRune(sarcasmEmoji, r):
			out = append(out, Signal{Kind: CueSarcasm, Level: Unsure, Text: string(r), Pattern: "emoji"})
		case strings.ContainsRune(praiseEmoji, r):
			out = append(out, Signal{Kind: kindPraise})
		}
	}
	return out
}

// sarcasmTag finds "/s", the sarcasm tag, as a word of its own.
func sarcasmTag(text string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], "/s")
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || text[j-1] == ' ' || text[j-1] == '\n' || text[j-1] == '\t'
		after := j+2 == len(text) || strings.ContainsRune(" \n\t.!?", rune(text[j+2]))
		if before && after {
			return true
		}
		i = j + 2
	}
}

// kinds lists the signals' kinds, each once, in order.
func kinds(signals []Signal) []string {
	var out []string
	for _, s := range signals {
		if !slices.Contains(out, s.Kind) {
			out = append(out, s.Kind)
		}
	}
	return out
}

// dedupe keeps the first signal of each kind and text, at most MaxSignals.
func dedupe(in []Signal) []Signal {
	out := make([]Signal, 0, min(len(in), MaxSignals))
	seen := map[string]bool{}
	for _, s := range in {
		k := s.Kind + "\x00" + strings.ToLower(s.Text) + "\x00" + s.Pattern
		if seen[k] {
			continue
		}
		seen[k] = true
		if len(out) == MaxSignals {
			break
		}
		out = append(out, s)
	}
	return out
}

// clip cuts s to maxSignalText bytes on a rune boundary.
func clip(s string) string {
	if len(s) <= maxSignalText {
		return s
	}
	cut := maxSignalText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
