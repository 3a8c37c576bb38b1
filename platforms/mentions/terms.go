package mentions

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terms are a client's own words by subject. They add to the default lists and
// never take anything away: a client cannot make a mention less sensitive.
// A subject is one of Subjects, a cue that takes terms (negative, sarcasm), or
// a name of the client's own (such as "recall" or "staff"), which is sensitive.
// A term is a word or a phrase of up to MaxTermWords words, compared like the
// defaults (case, width and apostrophes folded, whole words only); a word
// ending in * stands for every word it starts ("nurser*").
type Terms map[string][]string

// Bounds on a client's terms.
const (
	MaxTerms        = 500
	MaxTermBytes    = 100
	MaxTermWords    = 6
	maxSubjectLen   = 40
	maxTermProblems = 20
	termStemLetter  = 3
)

// ParseTerms reads the extra_terms input of a connector: an object mapping each
// subject to a list of terms ({"children": ["nursery"]}), or a list of
// "subject: term" strings (["children: nursery"]), the shape a playbook list
// parameter can carry; a string without a subject is a term of subject
// "client". It returns what it could use, and a problem for each entry it could
// not, so the caller can say so (and the classification errs toward a person).
func ParseTerms(v any) (Terms, []string) {
	out := Terms{}
	var probs []string
	count, dropped := 0, 0
	problem := func(msg string) {
		if len(probs) < maxTermProblems {
			probs = append(probs, msg)
		} else {
			dropped++
		}
	}
	add := func(subject, term string) {
		if count == MaxTerms {
			dropped++
			return
		}
		s, err := subjectName(subject)
		if err != nil {
			problem(err.Error())
			return
		}
		count++
		out[s] = append(out[s], strings.TrimSpace(term))
	}
	switch t := v.(type) {
	case nil:
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, subject := range keys {
			switch terms := t[subject].(type) {
			case []any:
				for _, e := range terms {
					if s, ok := e.(string); ok {
						add(subject, s)
					} else {
						problem(fmt.Sprintf("a term of %q is not text", subject))
					}
				}
			case []string:
				for _, s := range terms {
					add(subject, s)
				}
			case string:
				add(subject, terms)
			default:
				problem(fmt.Sprintf("the terms of %q are not a list of text", subject))
			}
		}
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				problem("an entry is not text; write \"subject: term\"")
				continue
			}
			subject, term, found := strings.Cut(s, ":")
			if !found {
				subject, term = "client", s
			}
			add(subject, term)
		}
	case []string:
		return ParseTerms(toAny(t))
	default:
		problem("extra_terms is neither an object of subjects nor a list of \"subject: term\"")
	}
	if dropped > 0 {
		probs = append(probs, fmt.Sprintf("and %d more entries not used (at most %d terms, %d problems listed)", dropped, MaxTerms, maxTermProblems))
	}
	return out, probs
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// subjectName normalises a subject ("Self-harm" → "self_harm") and refuses one
// a client may not add to.
func subjectName(s string) (string, error) {
	n := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-':
			return '_'
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			return unicode.ToLower(r)
		}
		return -1
	}, strings.TrimSpace(s))
	switch {
	case n == "" || utf8.RuneCountInString(n) > maxSubjectLen:
		return "", fmt.Errorf("subject %q must be 1 to %d letters, digits or underscores", s, maxSubjectLen)
	case n == kindBenign || n == kindPraise || n == kindPerson || slices.Contains([]string{CueShort, CueNoWords, CuePersonQuestion, CueTruncated, CueClientTerms}, n):
		return "", fmt.Errorf("subject %q takes no terms: a client's terms only ever make a mention more sensitive", s)
	}
	return n, nil
}

// termElems compiles one client term into pattern elements.
func termElems(term string) ([]elem, error) {
	term = strings.TrimSpace(term)
	switch {
	case term == "":
		return nil, fmt.Errorf("a term is empty")
	case len(term) > MaxTermBytes:
		return nil, fmt.Errorf("term %.20q… is longer than %d bytes", term, MaxTermBytes)
	}
	var out []elem
	for _, piece := range strings.Fields(term) {
		stem := strings.HasSuffix(piece, "*")
		toks, _ := tokenize(strings.TrimRight(piece, "*"))
		for i, t := range toks {
			a := alt{s: t.key}
			if stem && i == len(toks)-1 {
				if utf8.RuneCountInString(t.key) < termStemLetter {
					return nil, fmt.Errorf("term %q: %q is too short to stand for every word it starts", term, piece)
				}
				a.prefix = true
			}
			out = append(out, elem{kind: elemWord, alts: []alt{a}})
		}
	}
	switch {
	case len(out) == 0:
		return nil, fmt.Errorf("term %q has no words", term)
	case len(out) > MaxTermWords:
		return nil, fmt.Errorf("term %q has more than %d words", term, MaxTermWords)
	}
	return out, nil
}
