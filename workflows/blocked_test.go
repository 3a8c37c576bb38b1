package workflows_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// A playbook reposts a post it is given; when the post is a competitor's, the
// guardrail blocks the repost and on_blocked asks a person.
const repostPlaybook = `
name: repost-news
version: 1
params:
  - name: post
    type: string
    required: true
` + competitorsParam + `
steps:
  - id: repost
    name: Repost ${params.post}
    action: repost
    with: {url: "${params.post}", platform: x}
    on_blocked:
      title: Repost a competitor's post?
      preview: {post: "${params.post}"}
      timeout: 24h
      on_timeout: reject
  - id: tell
    action: notify
    with:
      message: "repost ${steps.repost.output.on_blocked.outcome ?? 'done'}"
`

// competitorsParam declares the competitors and names them to the guardrail.
const competitorsParam = `  - name: competitors
    type: list
    default: []
guardrails:
  competitors_param: competitors`

var rivalCompetitors = []any{map[string]any{
	"name":     "RivalCo",
	"accounts": map[string]any{"x": []any{"@RivalCo"}},
	"domains":  []any{"rivalco.com"},
}}

func (h *harness) audit(kind string) []store.AuditEvent {
	h.t.Helper()
	evs, err := h.st.AuditEvents(context.Background(), h.in.CampaignID)
	require.NoError(h.t, err)
	var out []store.AuditEvent
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) stepOutput(key string) map[string]any {
	h.t.Helper()
	var out map[string]any
	require.NoError(h.t, json.Unmarshal([]byte(h.steps()[key].Output), &out))
	return out
}

// TestBlockedRepostGoesToAnApprovalSilenceRejects: a repost of the
// competitor's post is blocked, recorded, and put to a person; nobody answers,
// and silence rejects it. Nothing is reposted and the campaign goes on.
func TestBlockedRepostGoesToAnApprovalSilenceRejects(t *testing.T) {
	h := newHarness(t, parse(t, repostPlaybook), map[string]any{
		"post": "https://x.com/RivalCo/status/1790000000000000000", "competitors": rivalCompetitors,
	})
	h.at(time.Hour, func() {
		v := h.status()
		require.Equal(t, api.StatusWaitingApproval, v.Status)
		require.Len(t, v.Approvals, 1)
		require.Equal(t, "repost", v.Approvals[0].Step)
		var preview map[string]any
		require.NoError(t, json.Unmarshal(v.Approvals[0].Preview, &preview))
		require.Equal(t, "repost", preview["action"])
		require.Equal(t, "https://x.com/RivalCo/status/1790000000000000000", preview["post"])
		require.Equal(t, []any{`url "https://x.com/RivalCo/status/1790000000000000000": a post of RivalCo (x account @RivalCo)`},
			preview["blocked"], "the person sees what was blocked and what it matched")
	})
	h.run()
	h.requireFinishedCleanly()

	require.Zero(t, h.actionCount("repost"), "the competitor's post is never reposted")
	a := h.approval("repost")
	require.Equal(t, api.ApprovalExpired, a.Status)
	require.Equal(t, playbooks.OnTimeoutReject, a.Policy, "silence rejects")

	out := h.stepOutput("repost")
	require.Equal(t, false, out["performed"])
	require.Equal(t, "rejected", out["on_blocked"].(map[string]any)["outcome"])
	require.NotContains(t, out, "unblocked")
	require.Equal(t, "repost rejected", h.actionInputs("notify")[0]["message"])

	blocked := h.audit(api.AuditGuardrailBlocked)
	require.Len(t, blocked, 1)
	require.Equal(t, "guardrails.competitors", blocked[0].Actor)
	var detail struct {
		Step    string           `json:"step"`
		Action  string           `json:"action"`
		Blocked []map[string]any `json:"blocked"`
	}
	require.NoError(t, json.Unmarshal([]byte(blocked[0].Detail), &detail))
	require.Equal(t, "repost", detail.Step)
	require.Equal(t, "repost", detail.Action)
	require.Equal(t, []map[string]any{{
		"rule": "guardrails.competitors", "input": "url", "target": "https://x.com/RivalCo/status/1790000000000000000",
		"competitor": "RivalCo", "via": "post", "matched": "x account @RivalCo",
	}}, detail.Blocked)
	require.Empty(t, h.audit(api.AuditGuardrailUnblocked))
	require.Contains(t, h.auditKinds(), "approval.expired")
}

// A person's approval lets the blocked repost through, once, under its own
// key, and the record says who let it through.
func TestBlockedRepostApprovedByAPersonGoesThroughOnce(t *testing.T) {
	h := newHarness(t, parse(t, repostPlaybook), map[string]any{
		"post": "https://x.com/RivalCo/status/42", "competitors": rivalCompetitors,
	})
	h.at(2*time.Hour, func() { h.signal("repost", api.DecisionApprove, "dana@acme") })
	h.run()
	h.requireFinishedCleanly()

	require.Equal(t, int64(1), h.actionCount("repost"))
	require.Equal(t, "https://x.com/RivalCo/status/42", h.actionInputs("repost")[0]["url"])
	out := h.stepOutput("repost")
	require.Equal(t, "approved", out["on_blocked"].(map[string]any)["outcome"])
	require.Equal(t, "dana@acme", out["on_blocked"].(map[string]any)["by"])
	unblocked := out["unblocked"].(map[string]any)
	require.Equal(t, true, unblocked["reposted"])
	require.Len(t, unblocked["allowed"], 1)
	ev := h.audit(api.AuditGuardrailUnblocked)
	require.Len(t, ev, 1)
	require.Equal(t, "dana@acme", ev[0].Actor)
	require.Equal(t, "repost approved", h.actionInputs("notify")[0]["message"])
}

// A follow that the guardrail trimmed follows the rest at once; approved, the
// second run follows the competitor alone, never an account twice. A step
// without on_blocked only records the block.
func TestBlockedFollowApprovedFollowsTheCompetitorAlone(t *testing.T) {
	src := `
name: follow-some
version: 1
params:
` + competitorsParam + `
steps:
  - id: follow
    action: follow_accounts
    with: {count: 10, accounts: ["@fan_one", "https://twitter.com/RivalCo", "@fan_two"]}
    on_blocked:
      title: Follow RivalCo after all?
      timeout: 4h
      on_timeout: escalate
      escalate: {to: agency-lead, timeout: 2h, on_timeout: reject}
  - id: engage
    action: engage_posts
    with: {accounts: ["@fan_one", "rivalco.com"]}
`
	h := newHarness(t, parse(t, src), map[string]any{"competitors": rivalCompetitors})
	h.at(time.Hour, func() {
		require.Equal(t, []any{"@fan_one", "@fan_two"}, h.actionInputs("follow_accounts")[0]["accounts"], "the rest are followed at once")
		h.signal("follow", api.DecisionApprove, "lead@agency")
	})
	h.run()
	h.requireFinishedCleanly()

	follows := h.actionInputs("follow_accounts")
	require.Len(t, follows, 2)
	require.Equal(t, []any{"https://twitter.com/RivalCo"}, follows[1]["accounts"], "the unblocked run touches the approved account only")
	require.Len(t, h.audit(api.AuditGuardrailBlocked), 2, "the follow and the engagement")
	require.Equal(t, []any{"@fan_one"}, h.actionInputs("engage_posts")[0]["accounts"])
	_, waited := h.stepOutput("engage")["on_blocked"]
	require.False(t, waited, "without on_blocked nobody is asked")
}

// The on_blocked approval hands over to a new run like any approval, and the
// new run settles the step from the carried output.
func TestBlockedApprovalHandsOver(t *testing.T) {
	h := newHarness(t, parse(t, repostPlaybook), map[string]any{
		"post": "x.com/rivalco/status/9", "competitors": rivalCompetitors,
	})
	h.longHistory(3 * time.Hour)
	h.run()
	next := continuedInput(t, h.env.GetWorkflowError())
	require.Equal(t, []workflows.ResumePoint{{Index: 0, Key: "repost"}}, next.Resume.At)

	h2 := h.continued(next)
	h2.at(time.Hour, func() { h2.signal("repost", api.DecisionReject, "dana@acme") })
	h2.run()
	require.NoError(t, h2.env.GetWorkflowError())
	require.Zero(t, h.actionCount("repost"))
	out := h.stepOutput("repost")
	require.Equal(t, "rejected", out["on_blocked"].(map[string]any)["outcome"])
	require.Equal(t, "dana@acme", out["on_blocked"].(map[string]any)["by"])
	require.Equal(t, false, out["performed"], "the first run's output came along")
	require.Len(t, h.audit(api.AuditGuardrailBlocked), 1)
}

// The built-in audience expansion with a competitor given as data: its
// accounts seed the audience, and none of them, in any of the forms it is
// listed, is ever followed or engaged with.
func TestBuiltinAudienceExpansionNeverReachesACompetitorGivenAsData(t *testing.T) {
	h := newHarness(t, builtin(t, "audience-expansion"), map[string]any{
		"brand": "Acme Bakery", "audience": []any{"sourdough"}, "max_weeks": 2,
		"competitors": []any{map[string]any{
			"name": "RivalCo",
			"accounts": map[string]any{
				"x": []any{"https://x.com/RivalCo"}, "mastodon": []any{"@rivalco@mastodon.social"}, "instagram": []any{"rivalco"},
			},
		}},
	})
	h.run()
	h.requireFinishedCleanly()
	seeds := h.stepOutput("define_audience")["accounts"].([]any)[:3]
	require.ElementsMatch(t, []any{"https://x.com/RivalCo", "@rivalco@mastodon.social", "rivalco"}, seeds, "the competitor's accounts seed the audience")
	for _, action := range []string{"follow_accounts", "engage_posts"} {
		for _, in := range h.actionInputs(action) {
			for _, acc := range asList(in["accounts"]) {
				require.NotContains(t, seeds, acc, "%s reached the competitor", action)
			}
		}
	}
	require.NotEmpty(t, h.audit(api.AuditGuardrailBlocked))
}
