package competitors_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/guardrails/competitors"
)

func TestParseReadsOldAndNewLists(t *testing.T) {
	list, probs := competitors.Parse([]any{
		"@RivalCo",
		"https://mastodon.social/@other",
		map[string]any{"name": "Globex", "accounts": map[string]any{"x": []any{"https://x.com/globex"}}, "domains": []any{"WWW.Globex.example"}},
	})
	require.Empty(t, probs)
	require.Equal(t, []competitors.Competitor{
		{Name: "@RivalCo", Handle: "@RivalCo"},
		{Name: "https://mastodon.social/@other", Accounts: map[string][]string{"mastodon": {"https://mastodon.social/@other"}}},
		{Name: "Globex", Accounts: map[string][]string{"x": {"https://x.com/globex"}}, Domains: []string{"globex.example"}},
	}, list)
}

// Every problem is named by its entry's path and says why.
func TestParseReportsPreciseProblems(t *testing.T) {
	_, probs := competitors.Parse([]any{
		42.0,
		"",
		"https://x.com/RivalCo/status/1",
		"https://rivalco.com",
		map[string]any{"name": "", "colour": "red", "accounts": map[string]any{"myspace": []any{"rivalco"}, "x": "@rivalco"}},
		map[string]any{"name": "RivalCo", "accounts": map[string]any{
			"x": []any{"@Rival Co", "https://instagram.com/rivalco"}, "mastodon": []any{"@rivalco"},
			"bluesky": []any{"@rivalco"}, "linkedin": []any{"rivalco"}, "youtube": []any{7.0},
		}},
		map[string]any{"name": "RivalCo", "domains": []any{"https://rivalco.com/about", "co.uk", "x.com", "bsky.social", "rivalco"}},
		map[string]any{"name": "Nothing"},
		map[string]any{"accounts": map[string]any{"x": []any{"@ok"}}},
	})
	got := map[string]string{}
	for _, p := range probs {
		require.NotContains(t, got, p.Field, "one problem per field")
		got[p.Field] = p.Message
	}
	want := map[string]string{
		"[0]":                      "must be a handle",
		"[1]":                      "is empty",
		"[2]":                      "is a post, not an account",
		"[3]":                      "is a link, not an account: list a competitor's site as {name: …, domains: [rivalco.com]}",
		"[4].name":                 "is empty",
		"[4].colour":               `a competitor takes name, accounts, domains, not "colour"`,
		"[4].accounts.myspace":     `"myspace" is not a platform; use x, mastodon, bluesky, linkedin, instagram, facebook, tiktok, youtube`,
		"[4].accounts.x":           "must be a list of accounts",
		"[5].accounts.x[0]":        `"@Rival Co" is not an account on x`,
		"[5].accounts.x[1]":        `is an account on instagram, not on x: list it under instagram`,
		"[5].accounts.mastodon[0]": "write @user@instance",
		"[5].accounts.bluesky[0]":  "a handle is a domain",
		"[5].accounts.linkedin[0]": "write company/NAME or in/NAME",
		"[5].accounts.youtube[0]":  "must be text",
		"[6].domains[0]":           "is a URL: write the domain alone, such as rivalco.com",
		"[6].domains[1]":           "is a registry's suffix",
		"[6].domains[2]":           "is x itself: list the competitor's account under accounts.x instead",
		"[6].domains[3]":           "is shared by many people's accounts and sites",
		"[6].domains[4]":           "is not a domain",
		"[7]":                      "names no account and no domain",
		"[8].name":                 "is required",
	}
	for field, msg := range want {
		require.Contains(t, got, field)
		require.Contains(t, got[field], msg, field)
	}
	require.Len(t, got, len(want), "no other problems: %v", got)
}

func TestParseBoundsTheList(t *testing.T) {
	long := make([]any, competitors.MaxCompetitors+1)
	for i := range long {
		long[i] = "@rival"
	}
	_, probs := competitors.Parse(long)
	require.Len(t, probs, 1)
	require.Contains(t, probs[0].Message, "the limit is 100")
}
