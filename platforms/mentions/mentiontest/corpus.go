// Package mentiontest holds mentions written for tests: the classifier's own
// table and the end-to-end runs of crisis-triage read the same ones, so the two
// cannot drift apart.
package mentiontest

import "github.com/greenlight/greenlight/platforms/mentions"

// Case is one mention and what the classifier must make of it.
type Case struct {
	Text string
	// Want is the sensitivity: mentions.Routine, Unsure or Sensitive.
	Want string
	// Kind must be among the result's subjects (sensitive) or cues (unsure).
	Kind string
	// Quote must be quoted, as written, in one of the reasons.
	Quote string
	// ExtraTerms are the client's terms given with it (a playbook's list form).
	ExtraTerms []any
}

// Corpus is every case: sensitive ones across every subject, routine ones a
// brand hears every day, and ones the classifier cannot call.
var Corpus = concat(Sensitive, Unsure, Routine)

func concat(lists ...[]Case) []Case {
	var out []Case
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Sensitive mentions: each needs a person before anyone answers.
var Sensitive = []Case{
	// Illness and health.
	{Text: "My mum was diagnosed with cancer last week and your cafe is the one place she still wants to visit.", Want: mentions.Sensitive, Kind: mentions.Illness, Quote: "diagnosed"},
	{Text: "Sorry for the odd order, I'm in hospital with my daughter and ordering from the ward.", Want: mentions.Sensitive, Kind: mentions.Illness, Quote: "hospital"},
	{Text: "Been off work with long covid for months, your soup deliveries have honestly kept me going.", Want: mentions.Sensitive, Kind: mentions.Illness, Quote: "long covid"},
	{Text: "My grandma’s back in the HOSPITAL again, could you hold her usual Friday loaf?", Want: mentions.Sensitive, Kind: mentions.Illness, Quote: "HOSPITAL"},
	// Death and grief.
	{Text: "My dad passed away on Sunday. He loved your Friday doughnuts, we'll order some for the wake.", Want: mentions.Sensitive, Kind: mentions.Death, Quote: "passed away"},
	{Text: "We lost our mum in March and this was her favourite bakery. Can't walk past it anymore.", Want: mentions.Sensitive, Kind: mentions.Death, Quote: "lost our mum"},
	{Text: "RIP to the lovely lady who ran your Hackney branch, she will be missed by the whole street.", Want: mentions.Sensitive, Kind: mentions.Death, Quote: "RIP"},
	{Text: "MY MUM PASSED AWAY 💔 she ordered your scones every single week", Want: mentions.Sensitive, Kind: mentions.Death, Quote: "PASSED AWAY"},
	// Accidents and injuries.
	{Text: "Slipped on a wet floor in your Oxford store and broke my wrist, nobody had put a sign out.", Want: mentions.Sensitive, Kind: mentions.Accident, Quote: "broke my wrist"},
	{Text: "Your delivery van crashed into my car this morning and the driver didn't even stop.", Want: mentions.Sensitive, Kind: mentions.Accident, Quote: "crashed"},
	// Violence and abuse.
	{Text: "One of your security guards assaulted my brother outside the Brixton store last night.", Want: mentions.Sensitive, Kind: mentions.Violence, Quote: "assaulted"},
	{Text: "A customer threatened me with a knife in your shop and the staff just watched.", Want: mentions.Sensitive, Kind: mentions.Violence, Quote: "threatened"},
	// Self-harm.
	{Text: "Honestly some days I want to die, your coffee is the only thing getting me out of bed.", Want: mentions.Sensitive, Kind: mentions.SelfHarm, Quote: "want to die"},
	{Text: "I've been thinking about sui\u200bcide a lot lately and your 'live your best life' ad landed badly.", Want: mentions.Sensitive, Kind: mentions.SelfHarm},
	// Discrimination.
	{Text: "Your staff refused to serve my friend because she wears a hijab. That is racist.", Want: mentions.Sensitive, Kind: mentions.Discrimination, Quote: "racist"},
	{Text: "The new ad is homophobic, plain and simple. Take it down.", Want: mentions.Sensitive, Kind: mentions.Discrimination, Quote: "homophobic"},
	{Text: "There's no step free access at the new branch so I couldn't get my wheelchair in.", Want: mentions.Sensitive, Kind: mentions.Discrimination, Quote: "wheelchair"},
	// Disasters and tragedy.
	{Text: "Our village was flooded last night and we've lost everything, sorry we can't pick up the cake order.", Want: mentions.Sensitive, Kind: mentions.Disaster, Quote: "flooded"},
	{Text: "Thinking of everyone affected by the earthquake. Please don't post your usual promos this week.", Want: mentions.Sensitive, Kind: mentions.Disaster, Quote: "earthquake"},
	// Children.
	{Text: "My toddler choked on a piece of the teething biscuit, the pieces break off far too big.", Want: mentions.Sensitive, Kind: mentions.Children, Quote: "toddler choked"},
	{Text: "My son had a rash all over after eating the kids' snack pack, what is in it?", Want: mentions.Sensitive, Kind: mentions.Children, Quote: "son had a rash"},
	{Text: "Is this bottle really safe for babies? It says BPA free but it smells odd.", Want: mentions.Sensitive, Kind: mentions.Children, Quote: "safe for babies"},
	// Complaints.
	{Text: "Third time my order never arrived and nobody answers the phone.", Want: mentions.Sensitive, Kind: mentions.Complaint, Quote: "never arrived"},
	{Text: "The blender stopped working after two days. Faulty junk.", Want: mentions.Sensitive, Kind: mentions.Complaint, Quote: "stopped working"},
	{Text: "Your app keeps crashing at checkout, third evening in a row.", Want: mentions.Sensitive, Kind: mentions.Complaint, Quote: "keeps crashing"},
	// Legal threats.
	{Text: "I've spoken to my lawyer about the contract you broke.", Want: mentions.Sensitive, Kind: mentions.Legal, Quote: "lawyer"},
	{Text: "If this isn't fixed by Friday I'm taking you to small claims court.", Want: mentions.Sensitive, Kind: mentions.Legal, Quote: "small claims"},
	{Text: "I'll get my ｌａｗｙｅｒ onto this, mark my words", Want: mentions.Sensitive, Kind: mentions.Legal, Quote: "ｌａｗｙｅｒ"},
	// Safety.
	{Text: "Got food poisoning after the chicken wrap from your Leeds branch, the whole family was up all night.", Want: mentions.Sensitive, Kind: mentions.Safety, Quote: "food poisoning"},
	{Text: "My husband had an allergic reaction to the 'nut free' cookies, we ended up needing his EpiPen.", Want: mentions.Sensitive, Kind: mentions.Safety, Quote: "allergic reaction"},
	{Text: "Found a piece of glass in my salad today. Not okay.", Want: mentions.Sensitive, Kind: mentions.Safety, Quote: "glass in my"},
	{Text: "Thanks for the #FoodPoisoning @AcmeBakery", Want: mentions.Sensitive, Kind: mentions.Safety, Quote: "FoodPoisoning"},
	// Money and refunds.
	{Text: "Still waiting on my refund from six weeks ago, I want my money back.", Want: mentions.Sensitive, Kind: mentions.Money, Quote: "refund"},
	{Text: "You charged me twice for the same order and the app won't let me contact anyone.", Want: mentions.Sensitive, Kind: mentions.Money, Quote: "charged me twice"},
	{Text: "Lost my job last month and your subscription keeps taking money I don't have.", Want: mentions.Sensitive, Kind: mentions.Money, Quote: "Lost my job"},
	// A client's own words: routine for everyone else, sensitive for this client.
	{Text: "Heard the Thornbury nursery next to your shop is closing for good this summer.", Want: mentions.Sensitive, Kind: mentions.Children, Quote: "nursery",
		ExtraTerms: []any{"children: nursery"}},
	{Text: "Is the Harvest Loaf part of the batch they pulled from shelves this week?", Want: mentions.Sensitive, Kind: "recall", Quote: "pulled from shelves",
		ExtraTerms: []any{"recall: pulled from shelves", "recall: batch number*"}},
}

// Unsure mentions: nothing names a subject, but nobody should answer them
// without looking.
var Unsure = []Case{
	{Text: "Well that was disappointing.", Want: mentions.Unsure, Kind: mentions.CueNegative, Quote: "disappointing"},
	{Text: "Oh great, another price rise 🙄", Want: mentions.Unsure, Kind: mentions.CueSarcasm, Quote: "Oh great"},
	{Text: "😡😡😡", Want: mentions.Unsure, Kind: mentions.CueNoWords},
	{Text: "Really?", Want: mentions.Unsure, Kind: mentions.CueShort},
	{Text: "Can my mum still use her voucher from last year?", Want: mentions.Unsure, Kind: mentions.CuePersonQuestion, Quote: "my mum"},
	{Text: "Yeah right, 'fresh' bread from this morning.", Want: mentions.Unsure, Kind: mentions.CueSarcasm, Quote: "Yeah right"},
	{Text: "Not impressed with the new menu at all", Want: mentions.Unsure, Kind: mentions.CueNegative, Quote: "Not impressed"},
	{Text: "Is he working at the Camden branch today?", Want: mentions.Unsure, Kind: mentions.CuePersonQuestion, Quote: "he"},
	{Text: "🙏🙏 @AcmeBakery", Want: mentions.Unsure, Kind: mentions.CueNoWords},
	{Text: "Best customer service in town, took only three weeks to answer an email /s", Want: mentions.Unsure, Kind: mentions.CueSarcasm, Quote: "/s"},
	{Text: "Thanks for nothing, Acme.", Want: mentions.Unsure, Kind: mentions.CueSarcasm, Quote: "Thanks for nothing"},
	{Text: "The new sourdough is meh compared to the old recipe, honestly", Want: mentions.Unsure, Kind: mentions.CueNegative, Quote: "meh"},
}

// Routine mentions: an automatic acknowledgement is fine.
var Routine = []Case{
	{Text: "Just had the best sourdough of my life at your Leeds bakery, thank you!", Want: mentions.Routine},
	{Text: "What time do you open on Sundays? Planning a visit this weekend.", Want: mentions.Routine},
	{Text: "Shoutout to the team at the Camden store for the lovely birthday cake 🎂", Want: mentions.Routine},
	{Text: "Your new oat latte is my favourite thing this autumn.", Want: mentions.Routine},
	{Text: "Do you deliver to Bristol yet? Would love to order for the office.", Want: mentions.Routine},
	{Text: "Congrats on the new store opening, it looks fantastic!", Want: mentions.Routine},
	{Text: "Is the rye loaf available in the Manchester shop this week?", Want: mentions.Routine},
	{Text: "Tried the cinnamon buns on Saturday and they were gone in minutes. Great stuff!", Want: mentions.Routine},
	{Text: "Loving the new packaging, much easier to recycle 👏", Want: mentions.Routine},
	{Text: "Any chance you'll bring back the pumpkin muffins in October?", Want: mentions.Routine},
	{Text: "Can I book a table for six on Friday evening?", Want: mentions.Routine},
	{Text: "The barista at King's Cross remembered my order, such a nice touch.", Want: mentions.Routine},
	{Text: "Big fan of your recipes, made the focaccia at home and it worked a treat.", Want: mentions.Routine},
	{Text: "Where can I buy your gift cards online?", Want: mentions.Routine},
	{Text: "Happy 10th anniversary Acme! Here's to ten more years of great bread.", Want: mentions.Routine},
	{Text: "Does the loyalty app work on Android too?", Want: mentions.Routine},
	{Text: "Your croissants are the real deal, flaky and buttery as they should be.", Want: mentions.Routine},
	{Text: "Thanks for the quick reply yesterday, all sorted now!", Want: mentions.Routine},
	{Text: "Picked up a box of pastries for the team meeting and they went down a storm.", Want: mentions.Routine},
	{Text: "Will you have vegan options at the summer market in July?", Want: mentions.Routine},
	{Text: "Ordered the brunch box online and it arrived right on time, perfect.", Want: mentions.Routine},
	{Text: "Can't wait for the new branch in Brighton to open!", Want: mentions.Routine},
	{Text: "Do you have a recipe for the seeded loaf? I'd love to bake it myself.", Want: mentions.Routine},
	{Text: "This chocolate cake is to die for, I'll be back next week 😍", Want: mentions.Routine},
	{Text: "Your new menu is killing it, the blood orange tart especially.", Want: mentions.Routine},
	{Text: "Ill be there at 9 to pick up the order, see you then!", Want: mentions.Routine},
	// The same nursery mention without the client's terms.
	{Text: "Heard the Thornbury nursery next to your shop is closing for good this summer.", Want: mentions.Routine},
}
