// Package platforms holds the connector interface through which campaigns act on
// social platforms and the catalog of actions a playbook may name. It is pure: the
// playbook language imports it, so each connector lives in a package of its own
// (platforms/sandbox) and only the wiring in app names them.
package platforms

import "sort"

// ActionSpec describes one action a playbook step may run.
type ActionSpec struct {
	Name        string
	Description string
	Required    []string // inputs that must be present in the step's `with`
	Optional    []string
	// Outreach actions touch other people's accounts or posts. Each names its
	// targets in inputs listed in Guarded, so it must never reach an account,
	// post or link that is not in one of those.
	Outreach bool
	// OnAccount actions act on (or read) the client's own account on a
	// platform: each goes to the connector of the campaign's account for the
	// platforms it names (docs/connectors.md, "Accounts"). The others are
	// Greenlight's own work (drafting, measuring, reporting).
	OnAccount bool
	// AnswersMention marks an action that answers a mention whenever it runs.
	// Validation lets such a step run only after a person approved it at a
	// sensitive approval, or on a mention classified routine (docs/playbooks.md,
	// "Mentions reach a person").
	AnswersMention bool
	// Guarded are the inputs the competitor guardrail reads before the action
	// runs: the accounts, posts and links it acts on and the text it publishes.
	Guarded []Guarded
}

// Guarded is one input the competitor guardrail reads, and how.
type Guarded struct {
	Input string
	As    string // GuardAccounts, GuardTarget, GuardText or GuardPosts
}

// How the competitor guardrail reads a guarded input.
const (
	// GuardAccounts is a list of accounts (handles or profile URLs): each
	// competitor is struck from it and the action acts on the rest.
	GuardAccounts = "accounts"
	// GuardTarget is the post, profile or link the action acts on: a
	// competitor's stops the whole action.
	GuardTarget = "target"
	// GuardText is text the action publishes: tagging or linking a competitor
	// stops the whole action.
	GuardText = "text"
	// GuardPosts is a list of posts to publish ({text, url, …} or plain text):
	// a post that tags or links a competitor is dropped, the rest published.
	GuardPosts = "posts"
)

// Catalog lists every action a playbook may name. Validation refuses anything else.
//
// Inputs only ever grow: a recorded campaign may be replayed or resumed with an
// older playbook, so an input that was accepted once stays accepted.
var Catalog = map[string]ActionSpec{
	// Reputation: the brand's own properties and what search shows for its name.
	"audit_search_presence": {
		Description: "Search the brand's name and report where its own profiles and blog rank.",
		Required:    []string{"brand"},
		Optional:    []string{"keywords", "platforms"},
	},
	"optimize_profile": {
		Description: "Complete and align the brand's profile on each named platform (bio, links, imagery).",
		Required:    []string{"brand", "platforms"},
		OnAccount:   true,
	},
	"launch_blog": {
		Description: "Launch the brand's blog; comments are held for moderation when pre_moderate is true.",
		Required:    []string{"brand"},
		Optional:    []string{"pre_moderate", "title"},
	},
	"draft_posts": {
		Description: "Draft a batch of posts on the given topics for review; batch numbers a recurring batch.",
		Required:    []string{"brand", "count"},
		Optional:    []string{"topics", "platforms", "batch"},
	},
	"publish_posts": {
		Description: "Publish a batch of posts on the brand's own profiles.",
		Required:    []string{"brand", "count"},
		Optional:    []string{"platforms", "posts"},
		Guarded:     []Guarded{{"posts", GuardPosts}},
		OnAccount:   true,
	},
	"moderate_comments": {
		Description: "Review held blog comments, approve genuine ones and drop spam.",
		Required:    []string{"brand"},
	},
	"measure_rank": {
		Description: "Measure where the brand's own properties rank for its name.",
		Required:    []string{"brand"},
		Optional:    []string{"target_rank", "platforms"},
	},

	// Audience: finding people, reaching out to them, and who follows back.
	"define_audience": {
		Description: "Build the list of candidate accounts for the brand's interests; seed_accounts adds accounts whose followers to mine (they appear in the list themselves).",
		Required:    []string{"brand", "interests"},
		Optional:    []string{"platforms", "seed_accounts", "size"},
	},
	"follow_accounts": {
		Description: "Follow accounts from the given list, never one already followed, at most count and daily_cap per day over days.",
		Required:    []string{"count"},
		Optional:    []string{"audience", "accounts", "daily_cap", "days"},
		Outreach:    true,
		Guarded:     []Guarded{{"accounts", GuardAccounts}},
		OnAccount:   true,
	},
	"engage_posts": {
		Description: "Like and reply to recent posts of the given accounts, at most count and daily_cap per day over days.",
		Required:    []string{"accounts"},
		Optional:    []string{"count", "daily_cap", "days"},
		Outreach:    true,
		Guarded:     []Guarded{{"accounts", GuardAccounts}},
		OnAccount:   true,
	},
	"repost": {
		Description: "Repost (retweet, boost) a post on the brand's profile as it is.",
		Required:    []string{"url"},
		Optional:    []string{"brand", "platform"},
		Outreach:    true,
		Guarded:     []Guarded{{"url", GuardTarget}},
		OnAccount:   true,
	},
	"quote": {
		Description: "Quote a post on the brand's profile with the brand's own text.",
		Required:    []string{"url", "text"},
		Optional:    []string{"brand", "platform"},
		Outreach:    true,
		Guarded:     []Guarded{{"url", GuardTarget}, {"text", GuardText}},
		OnAccount:   true,
	},
	"share": {
		Description: "Share a link (an article, a page, a post) on the brand's profile, with optional text.",
		Required:    []string{"url"},
		Optional:    []string{"text", "brand", "platform"},
		Outreach:    true,
		Guarded:     []Guarded{{"url", GuardTarget}, {"text", GuardText}},
		OnAccount:   true,
	},
	"measure_followers": {
		Description: "Count the brand's followers and how many the campaign has brought, against an optional goal.",
		Required:    []string{"brand"},
		Optional:    []string{"goal"},
		OnAccount:   true,
	},
	"classify_followers": {
		Description: "Classify the followers that arrived since the last check as genuine, spam or bot, with reasons and the step that drove them.",
		Optional:    []string{"since"},
		OnAccount:   true,
	},

	// Conversations: a mention of the brand, the reply, and how it went.
	"classify_mention": {
		Description: "Rate a mention's sensitivity (routine, unsure, sensitive) with its subjects and reasons, and suggest a reply; extra_terms adds the client's words by subject (platforms/mentions).",
		Required:    []string{"text"},
		Optional:    []string{"author", "platform", "url", "brand", "extra_terms"},
	},
	"respond_to_mention": {
		Description:    "Reply to a mention, publicly or by direct message; accounts names whose thread it is.",
		Required:       []string{"url", "message"},
		Optional:       []string{"accounts", "platform", "private"},
		Outreach:       true,
		AnswersMention: true,
		// The mention itself (url), whose thread it is (accounts) and the reply.
		Guarded:   []Guarded{{"url", GuardTarget}, {"accounts", GuardAccounts}, {"message", GuardText}},
		OnAccount: true,
	},
	"check_conversation": {
		Description: "Look at a conversation again: new replies, sentiment, whether it is resolved.",
		Required:    []string{"url"},
		Optional:    []string{"platform", "author"},
		OnAccount:   true,
	},

	// Reporting.
	"report": {
		Description: "Compile a report of the campaign so far for the client; include holds its content.",
		Optional:    []string{"title", "include", "to"},
	},
	"notify": {
		Description: "Send a message to the agency or client (reminders name the approval it is about).",
		Required:    []string{"message"},
		Optional:    []string{"to", "approval_id", "approvers"},
	},
}

// ActionNames returns the catalog's names in order, for messages and docs.
func ActionNames() []string {
	names := make([]string, 0, len(Catalog))
	for n := range Catalog {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
