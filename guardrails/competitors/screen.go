package competitors

import (
	"fmt"
	"maps"
	"slices"

	"github.com/greenlight/greenlight/platforms"
)

// Block records one target the guardrail kept from an action: the rule, the
// input it was in, the target as written, and what it matched.
type Block struct {
	Rule   string `json:"rule"`
	Input  string `json:"input"`  // accounts, url, text, posts[2].text
	Target string `json:"target"` // as written
	Match
}

// String says what was blocked, for people: `url "x.com/RivalCo/status/1":
// a post of RivalCo (x account @RivalCo)`.
func (b Block) String() string {
	what := map[string]string{
		ViaAccount: "an account", ViaPost: "a post", ViaDomain: "a link to the domain",
		ViaTag: "a tag", ViaLink: "a link",
	}[b.Via]
	if what == "" {
		what = "a target"
	}
	return fmt.Sprintf("%s %q: %s of %s (%s)", b.Input, b.Target, what, b.Competitor, b.Matched)
}

// Note records a target the guardrail could not attribute (a post link that
// does not show its author): it was let through, and people should know.
type Note struct {
	Rule   string `json:"rule"`
	Input  string `json:"input"`
	Target string `json:"target"`
	Reason string `json:"reason"`
}

// Override lets blocks through that a person approved (a step's on_blocked).
type Override struct {
	// Allowed are the blocks the person saw and approved, matched by input
	// and target: nothing else passes.
	Allowed []Block
	// Only: the action already ran without the blocked items; act on the
	// allowed items of each list alone, so nothing is done twice.
	Only bool
}

// Screened is an action's input after the guardrail.
type Screened struct {
	Input        map[string]any // what the connector may be given
	Blocked      []Block
	Allowed      []Block // blocks let through by an Override
	Unattributed []Note
	// Stopped: a target or text of the action itself reached a competitor, so
	// the action must not run at all.
	Stopped bool
}

// postText and postTarget are the fields of a post that are published as
// text and that it links to.
var (
	postText   = []string{"text", "caption", "title", "message"}
	postTarget = []string{"url", "link"}
)

// Screen applies the guardrail to an action's input: it reads each input the
// catalog lists in guarded, drops competitor accounts and posts from lists and
// stops the action when its own target or text reaches a competitor. in is
// not changed. A nil or empty guard lets everything through.
func Screen(guarded []platforms.Guarded, in map[string]any, g *Guard, o Override) Screened {
	s := Screened{Input: in}
	if g == nil || g.Empty() || len(guarded) == 0 {
		return s
	}
	s.Input = maps.Clone(in)
	sc := screener{g: g, allowed: map[[2]string]bool{}}
	for _, b := range o.Allowed {
		sc.allowed[[2]string{b.Input, b.Target}] = true
	}
	for _, gi := range guarded {
		raw, ok := in[gi.Input]
		if !ok {
			continue
		}
		list, isList := raw.([]any)
		if isList && (gi.As == platforms.GuardAccounts || gi.As == platforms.GuardPosts) {
			kept := make([]any, 0, len(list))
			for i, item := range list {
				var v verdict
				if gi.As == platforms.GuardAccounts {
					for _, w := range texts(item) {
						sc.target(&v, gi.Input, w)
					}
				} else {
					sc.post(&v, fmt.Sprintf("%s[%d]", gi.Input, i), item)
				}
				s.add(v)
				switch {
				case len(v.blocks) > 0:
				case o.Only && len(v.passed) == 0:
					// The first run did this one.
				default:
					kept = append(kept, item)
				}
			}
			s.Input[gi.Input] = kept
			continue
		}
		// One target or one text. Whatever else is written there is read the
		// same way, so no shape slips past.
		var v verdict
		for _, w := range texts(raw) {
			if gi.As == platforms.GuardText || gi.As == platforms.GuardPosts {
				sc.text(&v, gi.Input, w)
			} else {
				sc.target(&v, gi.Input, w)
			}
		}
		s.add(v)
		if len(v.blocks) > 0 {
			s.Stopped = true
		}
	}
	return s
}

// verdict is what the guardrail found on one item.
type verdict struct {
	blocks, passed []Block
	notes          []Note
}

func (s *Screened) add(v verdict) {
	s.Blocked = append(s.Blocked, v.blocks...)
	s.Allowed = append(s.Allowed, v.passed...)
	s.Unattributed = append(s.Unattributed, v.notes...)
}

type screener struct {
	g       *Guard
	allowed map[[2]string]bool // input, target
}

func (sc screener) judge(v *verdict, input, target string, m Match, blocked bool, note string) {
	b := Block{Rule: Rule, Input: input, Target: target, Match: m}
	switch {
	case blocked && sc.allowed[[2]string{input, target}]:
		v.passed = append(v.passed, b)
	case blocked:
		v.blocks = append(v.blocks, b)
	case note != "":
		v.notes = append(v.notes, Note{Rule: Rule, Input: input, Target: target, Reason: note})
	}
}

func (sc screener) target(v *verdict, input, written string) {
	m, blocked, note := sc.g.Check(written)
	sc.judge(v, input, written, m, blocked, note)
}

func (sc screener) text(v *verdict, input, written string) {
	for _, f := range sc.g.Text(written) {
		sc.judge(v, input, f.Target, f.Match, f.Blocked, f.Note)
	}
}

// post reads one post of a list: its text fields as text, its link fields as
// targets, and a post given as plain text as its text.
func (sc screener) post(v *verdict, path string, item any) {
	m, ok := item.(map[string]any)
	if !ok {
		for _, w := range texts(item) {
			sc.text(v, path, w)
		}
		return
	}
	for _, k := range postText {
		for _, w := range texts(m[k]) {
			sc.text(v, path+"."+k, w)
		}
	}
	for _, k := range postTarget {
		for _, w := range texts(m[k]) {
			sc.target(v, path+"."+k, w)
		}
	}
}

// texts lists the text in v: v itself, or the strings inside a list or an
// object, in a stable order.
func texts(v any) []string {
	var out []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 8 {
			return
		}
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e, depth+1)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k], depth+1)
			}
		}
	}
	walk(v, 0)
	return out
}
