// Package platforms holds the connector interface through which campaigns act on
// social platforms, the catalog of actions a playbook may name, and the connectors.
package platforms

import "sort"

// ActionSpec describes one action a playbook step may run.
type ActionSpec struct {
	Name        string
	Description string
	Required    []string // inputs that must be present in the step's `with`
	Optional    []string
	// Outreach actions touch other people's accounts; the competitor guardrail
	// applies to them.
	Outreach bool
}

// Catalog lists every action a playbook may name. Validation refuses anything else.
var Catalog = map[string]ActionSpec{
	"audit_search_presence": {
		Description: "Search the brand's name and report where its own profiles and blog rank.",
		Required:    []string{"brand"},
		Optional:    []string{"keywords", "platforms"},
	},
	"optimize_profile": {
		Description: "Complete and align the brand's profile on each named platform (bio, links, imagery).",
		Required:    []string{"brand", "platforms"},
	},
	"launch_blog": {
		Description: "Launch the brand's blog; comments are held for moderation when pre_moderate is true.",
		Required:    []string{"brand"},
		Optional:    []string{"pre_moderate", "title"},
	},
	"draft_posts": {
		Description: "Draft a batch of posts on the given topics for review.",
		Required:    []string{"brand", "count"},
		Optional:    []string{"topics", "platforms"},
	},
	"publish_posts": {
		Description: "Publish a batch of posts on the brand's own profiles.",
		Required:    []string{"brand", "count"},
		Optional:    []string{"platforms", "posts"},
	},
	"moderate_comments": {
		Description: "Review held blog comments, approve genuine ones and drop spam.",
		Required:    []string{"brand"},
	},
	"measure_rank": {
		Description: "Measure where the brand's own properties rank for its name.",
		Required:    []string{"brand"},
		Optional:    []string{"target_rank"},
	},
	"follow_accounts": {
		Description: "Follow accounts in the target audience.",
		Required:    []string{"count"},
		Optional:    []string{"audience", "accounts"},
		Outreach:    true,
	},
	"classify_followers": {
		Description: "Classify new followers as genuine, spam or bot, with reasons.",
		Optional:    []string{"since"},
	},
	"report": {
		Description: "Compile a report of the campaign so far for the client.",
		Optional:    []string{"title", "include"},
	},
	"notify": {
		Description: "Send a message to the agency or client.",
		Required:    []string{"message"},
		Optional:    []string{"to"},
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
