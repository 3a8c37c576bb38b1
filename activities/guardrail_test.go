package activities_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/guardrails/competitors"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
)

// rivalCo is a competitor as a launch gives it, alongside one written the old way.
var rivalCo = []any{
	map[string]any{
		"name":     "RivalCo",
		"accounts": map[string]any{"x": []any{"@RivalCo"}, "mastodon": []any{"@rivalco@mastodon.social"}},
		"domains":  []any{"rivalco.com"},
	},
	"@oldrival",
}

type actionEnv struct {
	t   *testing.T
	st  *store.Store
	env *testsuite.TestActivityEnvironment
}

func newActionEnv(t *testing.T) *actionEnv {
	st := storetest.SQLite(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{
		Projections: worker.StoreProjections(st),
		Connectors:  map[string]platforms.Connector{sandbox.Name: sandbox.New(st)},
	})
	return &actionEnv{t: t, st: st, env: env}
}

func (e *actionEnv) run(req activities.ActionRequest) (map[string]any, error) {
	req.Connector, req.CampaignID, req.Client = sandbox.Name, "c1", "acme"
	if req.Competitors == nil {
		req.Competitors = rivalCo
	}
	val, err := e.env.ExecuteActivity((&activities.Activities{}).RunAction, req)
	if err != nil {
		return nil, err
	}
	var res activities.ActionResult
	require.NoError(e.t, val.Get(&res))
	return res.Output, nil
}

// recorded is the input the connector received for key, or nil when it was
// never called.
func (e *actionEnv) recorded(key string) *store.PlatformAction {
	a, err := e.st.GetPlatformAction(context.Background(), key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	require.NoError(e.t, err)
	return a
}

func blockedTargets(t *testing.T, out map[string]any) []string {
	t.Helper()
	var targets []string
	list, _ := out["blocked"].([]any)
	for _, b := range list {
		m := b.(map[string]any)
		require.Equal(t, competitors.Rule, m["rule"])
		require.NotEmpty(t, m["matched"], "what it matched is on record")
		require.NotEmpty(t, m["competitor"])
		require.NotEmpty(t, m["input"])
		targets = append(targets, m["target"].(string))
	}
	return targets
}

// TestRunActionGuardsOutreachAndPublishing drives every guarded action through
// RunAction and the sandbox: competitor targets never reach the connector, an
// action whose own target is a competitor's is not performed at all, and each
// block is in the output with its rule, target and match.
func TestRunActionGuardsOutreachAndPublishing(t *testing.T) {
	e := newActionEnv(t)
	for _, c := range []struct {
		action  string
		in      map[string]any
		blocked []string
		stopped bool
		check   func(t *testing.T, out map[string]any, rec *store.PlatformAction)
	}{
		{action: "follow_accounts",
			in:      map[string]any{"count": float64(5), "accounts": []any{"@fan", "https://x.com/RivalCo", "https://mastodon.social/@rivalco", "instagram.com/oldrival"}},
			blocked: []string{"https://x.com/RivalCo", "https://mastodon.social/@rivalco", "instagram.com/oldrival"},
			check: func(t *testing.T, out map[string]any, rec *store.PlatformAction) {
				require.Equal(t, []any{"@fan"}, out["followed"])
				require.NotContains(t, rec.Input, "ivalco")
			}},
		{action: "engage_posts",
			in:      map[string]any{"accounts": []any{"https://x.com/RivalCo/status/1", "@fan"}},
			blocked: []string{"https://x.com/RivalCo/status/1"},
			check: func(t *testing.T, out map[string]any, rec *store.PlatformAction) {
				require.Equal(t, []any{"@fan"}, out["accounts"])
			}},
		{action: "respond_to_mention",
			in:      map[string]any{"url": "https://x.com/RivalCo/status/5", "message": "Thanks!"},
			blocked: []string{"https://x.com/RivalCo/status/5"}, stopped: true},
		{action: "repost",
			in:      map[string]any{"url": "twitter.com/rivalco/status/7"},
			blocked: []string{"twitter.com/rivalco/status/7"}, stopped: true},
		{action: "quote",
			in:      map[string]any{"url": "https://x.com/dana/status/8", "text": "As @RivalCo says"},
			blocked: []string{"@RivalCo"}, stopped: true},
		{action: "share",
			in:      map[string]any{"url": "https://blog.rivalco.com/launch?utm=1"},
			blocked: []string{"https://blog.rivalco.com/launch?utm=1"}, stopped: true},
		{action: "publish_posts",
			in: map[string]any{"brand": "Acme", "count": float64(3), "posts": []any{
				map[string]any{"id": "p1", "text": "Fresh rye today"},
				map[string]any{"id": "p2", "text": "Unlike @RivalCo we bake at 4am"},
				map[string]any{"id": "p3", "text": "Prices: rivalco.com/prices vs ours"},
			}},
			blocked: []string{"@RivalCo", "rivalco.com/prices"},
			check: func(t *testing.T, out map[string]any, rec *store.PlatformAction) {
				require.Equal(t, float64(1), out["published"], "the two posts that reach RivalCo are dropped")
				require.Contains(t, rec.Input, "Fresh rye")
				require.NotContains(t, rec.Input, "ivalco")
			}},
	} {
		t.Run(c.action, func(t *testing.T) {
			key := "c1/" + c.action
			out, err := e.run(activities.ActionRequest{Key: key, Action: c.action, Input: c.in})
			require.NoError(t, err)
			require.Equal(t, c.blocked, blockedTargets(t, out))
			rec := e.recorded(key)
			if c.stopped {
				require.Equal(t, false, out["performed"])
				require.Contains(t, out["reason"], "the competitor guardrail stopped the action")
				require.Nil(t, rec, "the connector was never called")
				return
			}
			require.NotNil(t, rec)
			c.check(t, out, rec)
		})
	}
}

// A repost of a post whose author cannot be told goes ahead, and says so.
func TestRunActionNotesUnattributedPosts(t *testing.T) {
	e := newActionEnv(t)
	out, err := e.run(activities.ActionRequest{Key: "c1/repost", Action: "repost", Input: map[string]any{"url": "https://www.instagram.com/p/C1a2b3/"}})
	require.NoError(t, err)
	require.Equal(t, true, out["reposted"])
	require.NotContains(t, out, "blocked")
	notes := out["unattributed"].([]any)
	require.Len(t, notes, 1)
	require.Equal(t, "https://www.instagram.com/p/C1a2b3/", notes[0].(map[string]any)["target"])
	require.Contains(t, notes[0].(map[string]any)["reason"], "does not name its author")
}

// Blocks a person approved pass, and only those: the unblocked run of a
// follow acts on them alone.
func TestRunActionUnblocksOnlyWhatWasApproved(t *testing.T) {
	e := newActionEnv(t)
	in := map[string]any{"count": float64(5), "accounts": []any{"@fan", "@RivalCo", "@oldrival"}}
	first, err := e.run(activities.ActionRequest{Key: "c1/follow", Action: "follow_accounts", Input: in})
	require.NoError(t, err)
	require.Equal(t, []any{"@fan"}, first["followed"])

	list, probs := competitors.Parse(rivalCo)
	require.Empty(t, probs)
	s := competitors.Screen(platforms.Catalog["follow_accounts"].Guarded, in, competitors.New(list), competitors.Override{})
	approved := s.Blocked[:1] // @RivalCo
	again, err := e.run(activities.ActionRequest{Key: "c1/follow/unblocked", Action: "follow_accounts", Input: in, Unblock: approved, UnblockOnly: true})
	require.NoError(t, err)
	require.Equal(t, []any{"@RivalCo"}, again["followed"], "the approved account, and nobody twice")
	require.Equal(t, []string{"@oldrival"}, blockedTargets(t, again))
	require.Len(t, again["allowed"], 1)
}

// A campaign launched before lists were validated may carry a handle that is
// none: it is passed over, and the rest of the list still guards.
func TestRunActionPassesOverOldHandlesThatAreNone(t *testing.T) {
	e := newActionEnv(t)
	out, err := e.run(activities.ActionRequest{Key: "c1/follow", Action: "follow_accounts",
		Input:       map[string]any{"count": float64(3), "accounts": []any{"@fan", "@RivalCo"}},
		Competitors: []any{"@Rival Co", "", "@RivalCo"}})
	require.NoError(t, err)
	require.Equal(t, []any{"@fan"}, out["followed"])
	require.Equal(t, []string{"@RivalCo"}, blockedTargets(t, out))
}

// A competitor list that does not read fails the action; it never runs
// unguarded.
func TestRunActionRefusesAnUnreadableCompetitorList(t *testing.T) {
	e := newActionEnv(t)
	_, err := e.run(activities.ActionRequest{Key: "c1/follow", Action: "follow_accounts",
		Input: map[string]any{"count": float64(1), "accounts": []any{"@RivalCo"}}, Competitors: []any{map[string]any{"name": "RivalCo"}}})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, "BadCompetitors", appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, err.Error(), "competitors[0]: names no account and no domain")
	require.Nil(t, e.recorded("c1/follow"))
}
