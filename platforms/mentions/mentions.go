// Package mentions classifies a mention of a brand by how safe it is to answer
// without a person: routine, unsure or sensitive, with the reasons. It knows the
// subjects where an automatic answer hurts (illness, death, accidents, violence,
// self-harm, discrimination, disasters, children) and those a brand must handle
// with care (complaints, legal threats, safety, money), matched as words and
// phrases with word boundaries, case-insensitive and Unicode-aware. It is pure Go
// with no store, so every connector (the sandbox today, real networks later)
// classifies the same way.
//
// It errs toward a person: anything it cannot call routine with confidence
// (negative words without a subject, sarcasm, very short or emoji-only text, a
// question about a person, text too long to read in full) is unsure.
package mentions

import (
	"fmt"
	"strings"
)

// Sensitivity levels, from safest to answer automatically to least safe.
const (
	// Routine: nothing sensitive or uncertain found; an automatic
	// acknowledgement is fine.
	Routine = "routine"
	// Unsure: no sensitive subject, but signs that an automatic answer could
	// land badly; a person should look.
	Unsure = "unsure"
	// Sensitive: a subject where an automatic answer hurts; a person must decide.
	Sensitive = "sensitive"
)

// Subjects the default lists know. Client lists may add terms to these, or name
// subjects of their own, which are sensitive too.
const (
	Illness        = "illness"
	Death          = "death"
	Accident       = "accident"
	Violence       = "violence"
	SelfHarm       = "self_harm"
	Discrimination = "discrimination"
	Disaster       = "disaster"
	Children       = "children"
	Complaint      = "complaint"
	Legal          = "legal"
	Safety         = "safety"
	Money          = "money"
)

// Cues that make a mention unsure when no subject was found. Negative and
// Sarcasm also take client terms.
const (
	CueNegative       = "negative"        // negative words or emoji without a subject
	CueSarcasm        = "sarcasm"         // "yeah right", "/s", 🙄
	CueShort          = "short"           // fewer than MinWords words
	CueNoWords        = "no_words"        // only emoji, symbols or links
	CuePersonQuestion = "person_question" // a question that mentions a person
	CueTruncated      = "truncated"       // longer than MaxTextBytes or MaxWords
	CueClientTerms    = "client_terms"    // some of the client's terms could not be used
)

// Subjects lists the default subjects in the order reasons name them.
var Subjects = []string{Illness, Death, Accident, Violence, SelfHarm, Discrimination, Disaster, Children, Complaint, Legal, Safety, Money}

var labels = map[string]string{
	Illness: "illness and health", Death: "death and grief", Accident: "accidents and injuries",
	Violence: "violence and abuse", SelfHarm: "self-harm", Discrimination: "discrimination",
	Disaster: "disasters and tragedy", Children: "children", Complaint: "complaint",
	Legal: "legal threat", Safety: "safety", Money: "money and refunds",
	CueNegative: "negative words without a subject", CueSarcasm: "sarcasm",
	CueShort: "very short", CueNoWords: "no words, only emoji or symbols",
	CuePersonQuestion: "a question about a person", CueTruncated: "too long to read in full",
	CueClientTerms: "the client's word list could not be read in full",
}

// Label is a subject's or cue's name for people ("death and grief"); a client's
// own subject is its name.
func Label(kind string) string {
	if l, ok := labels[kind]; ok {
		return l
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// Limits that keep one classification small and fast whatever it is given.
const (
	// MaxTextBytes and MaxWords bound what is read of a mention; the rest is
	// not read and the mention is at least unsure.
	MaxTextBytes = 32 << 10
	MaxWords     = 4000
	// MinWords: a mention of fewer words is too short to call routine.
	MinWords = 3
)

// Signal is one thing the classifier found.
type Signal struct {
	Kind    string `json:"kind"`              // a subject (illness, …, or a client's own) or a cue (negative, short, …)
	Level   string `json:"level"`             // Sensitive or Unsure
	Text    string `json:"text,omitempty"`    // the words as the mention wrote them
	Pattern string `json:"pattern,omitempty"` // the pattern or rule that matched
	Client  bool   `json:"client,omitempty"`  // from the client's own terms
}

// Reason is the signal in a sentence for the person deciding.
func (s Signal) Reason() string {
	who := Label(s.Kind)
	if s.Client {
		who += " (client list)"
	}
	switch {
	case s.Text == "" && s.Pattern == "":
		return who
	case s.Text == "":
		return fmt.Sprintf("%s: %s", who, s.Pattern)
	}
	return fmt.Sprintf("%s: %q", who, s.Text)
}

// Result is a classification.
type Result struct {
	Sensitivity string   // Routine, Unsure or Sensitive
	Subjects    []string // the sensitive subjects found, in the order they first appear
	Cues        []string // the unsure cues found (only when no subject was)
	Signals     []Signal // everything that decided it, in the order of the text
	Sentiment   string   // positive, neutral or negative
}

// Reasons are the signals as sentences; a routine mention gets one saying so.
func (r Result) Reasons() []string {
	if len(r.Signals) == 0 {
		return []string{"routine: no sensitive subject, complaint, legal, safety or money words, and nothing uncertain"}
	}
	out := make([]string, 0, len(r.Signals))
	seen := map[string]bool{}
	for _, s := range r.Signals {
		if reason := s.Reason(); !seen[reason] {
			seen[reason] = true
			out = append(out, reason)
		}
	}
	return out
}

// Classify rates text with the default lists only.
func Classify(text string) (Result, error) {
	c, err := New(nil)
	if err != nil {
		return Result{}, err
	}
	return c.Classify(text), nil
}
