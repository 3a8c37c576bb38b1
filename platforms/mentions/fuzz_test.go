package mentions

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClassify: any text and any client term classify without a panic, into a
// known level with reasons; a client term never lowers the level; what is read
// stays within the bounds.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"", "?", "my mum passed away", "sui\u200bcide", "#FoodPoisoning", "ｌａｗｙｅｒ", "I'll be ill",
		"it's a rip off /s", "😡😡😡", "can my mum come?", "’'’'’", "##@@", "http://x.invalid/a b",
		strings.Repeat("a ", 100), "Ⅻ ﬁ ß İ", "\xff\xfe broken utf8 lawyer",
	} {
		f.Add(s, "children: nursery")
		f.Add(s, "x*")
	}
	rank := map[string]int{Routine: 0, Unsure: 1, Sensitive: 2}
	f.Fuzz(func(t *testing.T, text, term string) {
		base, err := New(nil)
		if err != nil {
			t.Fatal(err)
		}
		r := base.Classify(text)
		if _, ok := rank[r.Sensitivity]; !ok {
			t.Fatalf("level %q", r.Sensitivity)
		}
		if len(r.Reasons()) == 0 || len(r.Signals) > MaxSignals {
			t.Fatalf("reasons %q, %d signals", r.Reasons(), len(r.Signals))
		}
		for _, s := range r.Signals {
			if len(s.Text) > maxSignalText+len("…") || (utf8.ValidString(text) && !utf8.ValidString(s.Text)) {
				t.Fatalf("signal text %q", s.Text)
			}
		}
		c, err := ForInput([]any{term})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Classify(text); rank[got.Sensitivity] < rank[r.Sensitivity] {
			t.Fatalf("term %q lowered %q from %s to %s", term, text, r.Sensitivity, got.Sensitivity)
		}
	})
}

// The work of one classification is bounded by what it reads, whatever the
// text: at most MaxTextBytes and MaxWords, and for each word only the patterns
// that can start there, each trying at most maxGap+1 places per gap.
func TestWorkIsBoundedByWhatIsRead(t *testing.T) {
	huge := strings.Repeat("my ", 3<<20) // 9 MB of one word that starts many patterns
	toks, truncated := tokenize(huge)
	if !truncated || len(toks) > MaxWords {
		t.Fatalf("read %d words of a 9 MB text (truncated %v)", len(toks), truncated)
	}
	long := strings.Repeat("x", 1<<20) + " lawyer"
	toks, truncated = tokenize(long)
	if !truncated || len(toks) != 1 || toks[0].end > MaxTextBytes {
		t.Fatalf("a 1 MB word: %d tokens, truncated %v", len(toks), truncated)
	}

	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The most patterns any one word can start, and the most gaps in a pattern.
	most, gaps := 0, 0
	for k := range c.ix.exact {
		most = max(most, len(c.ix.candidates(k)))
	}
	for _, ps := range c.ix.stems {
		for _, p := range ps {
			g := 0
			for _, e := range p.elems {
				if e.kind == elemGap {
					g++
				}
			}
			gaps = max(gaps, g)
			most = max(most, len(c.ix.candidates(p.elems[0].alts[0].s)))
		}
	}
	if most > 16 || gaps > 1 {
		t.Fatalf("a word may start %d patterns with up to %d gaps: the per-word work grew, check it stays small", most, gaps)
	}
	// And the classification of the worst text read still completes with
	// bounded output.
	r := c.Classify(huge)
	if r.Sensitivity != Unsure || len(r.Signals) > MaxSignals {
		t.Fatalf("%s with %d signals", r.Sensitivity, len(r.Signals))
	}
}
