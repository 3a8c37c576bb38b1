package mentions_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/platforms/mentions"
	"github.com/greenlight/greenlight/platforms/mentions/mentiontest"
)

func classifier(t testing.TB, extra []any) *mentions.Classifier {
	t.Helper()
	if extra == nil {
		c, err := mentions.New(nil)
		require.NoError(t, err)
		return c
	}
	c, err := mentions.ForInput(extra)
	require.NoError(t, err)
	require.Empty(t, c.Problems())
	return c
}

func TestCorpusIsBigAndCoversEverySubject(t *testing.T) {
	require.GreaterOrEqual(t, len(mentiontest.Corpus), 60)
	require.GreaterOrEqual(t, len(mentiontest.Sensitive), 25)
	require.GreaterOrEqual(t, len(mentiontest.Routine), 20)
	require.GreaterOrEqual(t, len(mentiontest.Unsure), 10)
	per := map[string]int{}
	for _, c := range mentiontest.Sensitive {
		per[c.Kind]++
	}
	for _, s := range mentions.Subjects {
		require.GreaterOrEqual(t, per[s], 2, "subject %s needs at least two sensitive mentions", s)
	}
}

func TestClassifiesTheCorpus(t *testing.T) {
	for _, c := range mentiontest.Corpus {
		t.Run(c.Text, func(t *testing.T) {
			r := classifier(t, c.ExtraTerms).Classify(c.Text)
			require.Equal(t, c.Want, r.Sensitivity, "signals: %+v", r.Signals)
			reasons := r.Reasons()
			require.NotEmpty(t, reasons)
			switch c.Want {
			case mentions.Sensitive:
				require.Contains(t, r.Subjects, c.Kind, "signals: %+v", r.Signals)
				require.Empty(t, r.Cues)
			case mentions.Unsure:
				require.Contains(t, r.Cues, c.Kind, "signals: %+v", r.Signals)
				require.Empty(t, r.Subjects)
			case mentions.Routine:
				require.Empty(t, r.Signals)
				require.Contains(t, reasons[0], "routine")
			}
			if c.Quote != "" {
				// Quoted as the mention wrote it, case and all.
				require.True(t, slices.ContainsFunc(reasons, func(s string) bool { return strings.Contains(s, c.Quote) }),
					"no reason quotes %q: %q", c.Quote, reasons)
				require.True(t, slices.ContainsFunc(r.Signals, func(s mentions.Signal) bool { return strings.Contains(s.Text, c.Quote) }))
			}
			for _, s := range r.Signals {
				require.Equal(t, r.Sensitivity, s.Level, "a %s result lists only %s signals", r.Sensitivity, r.Sensitivity)
			}
		})
	}
}

func TestReasonsNameTheSubjectAndTheWords(t *testing.T) {
	r := classifier(t, nil).Classify("My Mum Passed Away last night and I was DIAGNOSED with shingles")
	require.Equal(t, []string{mentions.Death, mentions.Illness}, r.Subjects)
	require.Equal(t, []string{`death and grief: "Passed Away"`, `illness and health: "DIAGNOSED"`}, r.Reasons())
	require.Equal(t, "passed away", r.Signals[0].Pattern)
	require.Equal(t, "negative", r.Sentiment)
}

// Whole words only, and idioms that only look like a subject.
func TestWordBoundariesAndIdioms(t *testing.T) {
	c := classifier(t, nil)
	for _, text := range []string{
		"No issue with the suede jacket you sold me",      // not "sue"
		"Great hospitality at the Bath branch today",      // not "hospital"
		"The courtyard seating is lovely in the sun",      // not "court"
		"Your rhubarb crumble is to die for, truly",       // an idiom, not death
		"Dead good pasties at the market stall today",     // an intensifier
		"This new playlist in store is killing it",        // praise
		"Had the blood orange cake, what a treat",         // a fruit
		"I'll pick up the order at noon, cheers",          // not "ill"
		"Disillusioned? Never with your sourdough loaf",   // not "ill", not "illusion"
		"Scampi and chips on Friday were spot on, thanks", // not "scam"
	} {
		r := c.Classify(text)
		require.Equal(t, mentions.Routine, r.Sensitivity, "%q: %+v", text, r.Signals)
	}
	for text, subject := range map[string]string{
		"I will sue you":                          mentions.Legal,
		"we are SUING":                            mentions.Legal,
		"my nan is in hospital":                   mentions.Illness,
		"see you in court":                        mentions.Legal,
		"this is a total rip off":                 mentions.Money,
		"my cat died this morning":                mentions.Death,
		"my kettle died after a week, not great":  mentions.Complaint,
		"I'm ill with the flu this week":          mentions.Illness,
		"the staff were RUDE and dismissive":      mentions.Complaint,
		"He had a heart attack in your car park.": mentions.Illness,
	} {
		r := c.Classify(text)
		require.Equal(t, mentions.Sensitive, r.Sensitivity, text)
		require.Contains(t, r.Subjects, subject, "%q: %+v", text, r.Signals)
	}
	// A phrase hides the shorter matches inside it: a heart attack is not violence.
	require.NotContains(t, c.Classify("He had a heart attack in your car park.").Subjects, mentions.Violence)
}

func TestUnicode(t *testing.T) {
	c := classifier(t, nil)
	for _, text := range []string{
		"MY DAD’S IN THE HOSPITAL",            // curly apostrophe, capitals
		"my dad is in the ｈｏｓｐｉｔａｌ",           // full-width letters
		"my dad is in the hos\u00adpital now", // a soft hyphen inside the word
		"my dad is in the Hospital\u200d now", // a zero-width joiner after it
	} {
		r := c.Classify(text)
		require.Equal(t, mentions.Sensitive, r.Sensitivity, "%q", text)
		require.Equal(t, []string{mentions.Illness}, r.Subjects, "%q", text)
	}
	// A client's terms in other scripts and with accents.
	extra, err := mentions.New(mentions.Terms{"illness": {"Krankenhaus", "enfermé*"}, "death": {"умер"}})
	require.NoError(t, err)
	require.Empty(t, extra.Problems())
	for _, text := range []string{"Mein Vater liegt im KRANKENHAUS", "Mon père est enfermé depuis lundi", "Мой отец умер вчера"} {
		r := extra.Classify(text)
		require.Equal(t, mentions.Sensitive, r.Sensitivity, "%q", text)
		require.True(t, r.Signals[0].Client, "%q", text)
		require.Contains(t, r.Reasons()[0], "(client list)")
	}
}

func TestUnsureCues(t *testing.T) {
	c := classifier(t, nil)
	for text, cue := range map[string]string{
		"👍":                                  mentions.CueNoWords,
		"ok":                                 mentions.CueShort,
		"@acme @acme hi":                     mentions.CueShort, // handles are not words
		"sure, that went well 🙄":             mentions.CueSarcasm,
		"Is my husband allowed in the back?": mentions.CuePersonQuestion,
		"you guys used to be so much better": mentions.CueNegative,
		"nice website, shame about the font": mentions.CueNegative,
	} {
		r := c.Classify(text)
		require.Equal(t, mentions.Unsure, r.Sensitivity, "%q: %+v", text, r.Signals)
		require.Contains(t, r.Cues, cue, "%q: %+v", text, r.Signals)
	}
	// A person named outside a question is not a cue.
	require.Equal(t, mentions.Routine, c.Classify("Brought my husband along for the tasting, lovely evening").Sensitivity)
}

func TestLongTextIsReadInPartAndErrsTowardAPerson(t *testing.T) {
	c := classifier(t, nil)
	filler := strings.Repeat("lovely bread and lovely coffee ", mentions.MaxTextBytes/10)
	r := c.Classify(filler)
	require.Equal(t, mentions.Unsure, r.Sensitivity)
	require.Equal(t, []string{mentions.CueTruncated}, r.Cues)
	r = c.Classify("my mum passed away. " + filler)
	require.Equal(t, mentions.Sensitive, r.Sensitivity, "what was read still counts")
	r = c.Classify(strings.Repeat("refund ", 5000))
	require.Len(t, r.Signals, 1, "one signal per subject and words")
	r = c.Classify(strings.Repeat("refund scam lawyer hospital ", 500))
	require.LessOrEqual(t, len(r.Signals), mentions.MaxSignals)
}

func TestParseTerms(t *testing.T) {
	terms, probs := mentions.ParseTerms(map[string]any{"Children": []any{"nursery", "play group"}, "Self-harm": "dark place"})
	require.Empty(t, probs)
	require.Equal(t, mentions.Terms{"children": {"nursery", "play group"}, "self_harm": {"dark place"}}, terms)

	terms, probs = mentions.ParseTerms([]any{"children: nursery", "recall:batch 42", "plain word"})
	require.Empty(t, probs)
	require.Equal(t, mentions.Terms{"children": {"nursery"}, "recall": {"batch 42"}, "client": {"plain word"}}, terms)

	_, probs = mentions.ParseTerms([]any{"praise: lovely", 3, "short: x", ": nothing"})
	require.Len(t, probs, 4, "%q", probs)

	_, probs = mentions.ParseTerms(42)
	require.Len(t, probs, 1)

	many := make([]any, mentions.MaxTerms+10)
	for i := range many {
		many[i] = "client: word"
	}
	terms, probs = mentions.ParseTerms(many)
	require.Len(t, terms["client"], mentions.MaxTerms)
	require.Len(t, probs, 1)
}

// A client's list only ever adds: no list makes any mention less sensitive, and
// a list that could not be read in full makes a routine mention unsure.
func TestClientTermsOnlyAdd(t *testing.T) {
	rank := map[string]int{mentions.Routine: 0, mentions.Unsure: 1, mentions.Sensitive: 2}
	base := classifier(t, nil)
	for _, extra := range []mentions.Terms{
		{"illness": {"nursery"}},
		{"negative": {"bread"}},
		{"recall": {"sourdough", "the"}},
		{"children": {""}},                    // refused: empty
		{"praise": {"refund"}},                // refused: praise takes no terms
		{"legal": {strings.Repeat("x", 200)}}, // refused: too long
	} {
		c, err := mentions.New(extra)
		require.NoError(t, err)
		for _, m := range mentiontest.Corpus {
			before, after := base.Classify(m.Text), c.Classify(m.Text)
			require.GreaterOrEqual(t, rank[after.Sensitivity], rank[before.Sensitivity], "%v made %q less sensitive", extra, m.Text)
			if len(c.Problems()) > 0 {
				require.NotEqual(t, mentions.Routine, after.Sensitivity, "%v: a list read in part leaves nothing routine", extra)
			}
		}
	}
}

func TestSentiment(t *testing.T) {
	c := classifier(t, nil)
	require.Equal(t, "positive", c.Classify("Loved the new croissants, thank you!").Sentiment)
	require.Equal(t, "neutral", c.Classify("What time do you open on Sunday").Sentiment)
	require.Equal(t, "negative", c.Classify("Not happy with the new opening hours at all").Sentiment)
	require.Equal(t, "negative", c.Classify("Oh great, closed again").Sentiment, "sarcasm is not praise")
}

// A list whose every term is refused leaves the shared default classifier as
// it was (found by FuzzClassify).
func TestRefusedTermsStayWithTheirClassifier(t *testing.T) {
	c, err := mentions.ForInput([]any{"praise: lovely"})
	require.NoError(t, err)
	require.NotEmpty(t, c.Problems())
	require.Equal(t, mentions.Unsure, c.Classify("Lovely bread at the market today").Sensitivity)
	require.Equal(t, mentions.Routine, classifier(t, nil).Classify("Lovely bread at the market today").Sensitivity)
}
