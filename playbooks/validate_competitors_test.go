package playbooks

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

const blockedHeader = `name: t
version: 1
params:
  - name: competitors
    type: list
    default: []
guardrails:
  competitors_param: competitors
steps:
`

func TestOnBlockedIsAnApprovalSilenceNeverPasses(t *testing.T) {
	requireProblems(t, problems(t, blockedHeader+`
  - id: repost
    action: repost
    with: {url: "https://news.example/a"}
    on_blocked:
      title: Repost it anyway?
      timeout: 24h
      on_timeout: approve
  - id: share
    action: share
    with: {url: "https://news.example/b"}
    on_blocked:
      title: Share it anyway?
      timeout: 4h
      on_timeout: escalate
      escalate: {to: agency-lead, timeout: 2h, on_timeout: approve}
      grant: {max_posts: 1}
  - id: quote
    action: quote
    with: {url: "https://news.example/c", text: hi}
    on_blocked:
      timeout: 4h
      on_timeout: reject
  - id: plan
    approval: {title: Plan, timeout: 4h, on_timeout: reject, grant: {max_posts: 3}}
  - id: follow
    action: follow_accounts
    with: {count: 3}
    on_blocked: {title: Follow anyway?, timeout: 4h, on_timeout: skip, covered_by: plan}
`), []wantProblem{
		{"steps[0].on_blocked.on_timeout", 17, "silence never lets a blocked action through"},
		{"steps[1].on_blocked.escalate.on_timeout", 25, "silence never lets a blocked action through"},
		{"steps[1].on_blocked.grant", 26, "grants nothing"},
		{"steps[2].on_blocked.title", 0, "is required"},
		{"steps[4].on_blocked.covered_by", 0, "never covered by a grant"},
	})
}

func TestOnBlockedNeedsAGuardedActionAndCompetitors(t *testing.T) {
	requireProblems(t, problems(t, `name: t
version: 1
steps:
  - id: measure
    action: measure_rank
    with: {brand: Acme}
    on_blocked: {title: x, timeout: 1h, on_timeout: reject}
  - id: wait
    wait: 1h
    on_blocked: {title: x, timeout: 1h, on_timeout: reject}
  - id: repost
    action: repost
    with: {url: "https://news.example/a"}
    on_blocked: {title: x, timeout: 1h, on_timeout: reject}
`), []wantProblem{
		{"steps[0].on_blocked", 0, "never blocks measure_rank (it guards engage_posts, follow_accounts, publish_posts, quote, repost, respond_to_mention, share)"},
		{"steps[0].on_blocked", 0, "names no competitors"},
		{"steps[1].on_blocked", 0, "only action steps take on_blocked"},
		{"steps[2].on_blocked", 0, "names no competitors"},
	})
}

func TestOnBlockedValid(t *testing.T) {
	pb, err := Parse([]byte(blockedHeader + `
  - id: repost
    action: repost
    with: {url: "https://news.example/a"}
    on_blocked:
      title: Repost it anyway?
      timeout: 24h
      on_timeout: reject
      approvers: [{role: agency-lead}]
      reminders: [6h]
`))
	require.NoError(t, err)
	require.Equal(t, OnTimeoutReject, pb.Steps[0].OnBlocked.OnTimeout)
}

func TestCompetitorDefaultIsChecked(t *testing.T) {
	requireProblems(t, problems(t, `name: t
version: 1
params:
  - name: competitors
    type: list
    default:
      - "@RivalCo"
      - {name: RivalCo, accounts: {x: ["@Rival Co"]}, domains: ["https://rivalco.com"]}
guardrails:
  competitors_param: competitors
steps:
  - {id: w, wait: 1h}
`), []wantProblem{
		{"params[0].default[1].accounts.x[0]", 0, `"@Rival Co" is not an account on x`},
		{"params[0].default[1].domains[0]", 0, "write the domain alone, such as rivalco.com"},
	})
}

func TestBindParamsChecksCompetitors(t *testing.T) {
	pb, err := Parse([]byte(blockedHeader + "  - {id: w, wait: 1h}\n"))
	require.NoError(t, err)

	bound, err := BindParams(pb, map[string]any{"competitors": []any{
		"@RivalCo",
		map[string]any{"name": "Globex", "accounts": map[string]any{"mastodon": []any{"@globex@mastodon.social"}}, "domains": []any{"globex.example"}},
	}})
	require.NoError(t, err)
	require.Len(t, bound["competitors"], 2, "the list is kept as given")

	_, err = BindParams(pb, map[string]any{"competitors": []any{
		map[string]any{"name": "Globex", "accounts": map[string]any{"mastodon": []any{"@globex"}, "myspace": []any{"globex"}}},
		"https://x.com/globex/status/1",
	}})
	var inv *InvalidError
	require.True(t, errors.As(err, &inv), "%v", err)
	got := map[string]string{}
	for _, p := range inv.Problems {
		got[p.Field] = p.Message
	}
	require.Len(t, got, 3, "%v", got)
	require.Contains(t, got["params.competitors[0].accounts.mastodon[0]"], "write @user@instance")
	require.Contains(t, got["params.competitors[0].accounts.myspace"], "is not a platform")
	require.Contains(t, got["params.competitors[1]"], "is a post, not an account")
}
