package activities_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
)

// alertEnv runs actions through conn with alerts raised into st.
type alertEnv struct {
	env   *testsuite.TestActivityEnvironment
	st    *store.Store
	woken atomic.Int32
}

func newAlertEnv(t *testing.T, conn func(*store.Store) platforms.Connector, tell bool) *alertEnv {
	st := storetest.SQLite(t)
	e := &alertEnv{st: st}
	var suite testsuite.WorkflowTestSuite
	e.env = suite.NewTestActivityEnvironment()
	acts := &activities.Activities{Projections: worker.StoreProjections(st), Connectors: map[string]platforms.Connector{"sandbox": conn(st)}}
	if tell {
		acts.Notices = &activities.Notices{Alerts: worker.StoreAlerts(st, func() { e.woken.Add(1) })}
	}
	e.env.RegisterActivity(acts)
	return e
}

func (e *alertEnv) run(t *testing.T, campaign, step, action string, in map[string]any) activities.ActionResult {
	t.Helper()
	val, err := e.env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: campaign + "/" + step, Connector: "sandbox", Action: action, CampaignID: campaign, Client: "acme", Input: in,
	})
	require.NoError(t, err)
	var res activities.ActionResult
	require.NoError(t, val.Get(&res))
	return res
}

func (e *alertEnv) pending(t *testing.T) []store.Notice {
	t.Helper()
	list, err := e.st.PendingNotices(context.Background(), 100)
	require.NoError(t, err)
	return list
}

func theSandbox(st *store.Store) platforms.Connector { return sandbox.New(st) }

// botHandles are accounts the sandbox treats as bots (numbered handles):
// followed, every one of them follows back.
func botHandles(n int) []any {
	var out []any
	for i := range n {
		out = append(out, fmt.Sprintf("@bakery%08d", 31000000+i))
	}
	return out
}

// TestASpamWaveRaisesOneAlertAcrossRetries: a classify_followers that finds a
// wave raises one alert keyed by its action, however often the activity runs
// (the retry is answered from the action log and raises again, and the store
// keeps the first); a calm week and a check with nothing new raise none.
func TestASpamWaveRaisesOneAlertAcrossRetries(t *testing.T) {
	e := newAlertEnv(t, theSandbox, true)

	// A calm week: ordinary outreach to a real audience.
	aud := e.run(t, "calm", "audience", "define_audience", map[string]any{"brand": "Acme", "interests": []any{"sourdough"}, "size": float64(400)})
	e.run(t, "calm", "weekly.1.follow", "follow_accounts", map[string]any{"accounts": aud.Output["accounts"], "count": float64(140)})
	calm := e.run(t, "calm", "weekly.1.classify", "classify_followers", map[string]any{"since": "7d"})
	require.Greater(t, calm.Output["total"], float64(platforms.SpamWaveMinFollowers), "enough followers that only the share keeps it calm")
	quiet := e.run(t, "calm", "weekly.2.classify", "classify_followers", map[string]any{"since": "7d"})
	require.Equal(t, float64(0), quiet.Output["total"])
	assert.Empty(t, e.pending(t), "no wave, no alert")

	// A wave: the campaign followed bots, and they all followed back.
	e.run(t, "c1", "weekly.1.follow", "follow_accounts", map[string]any{"accounts": append(botHandles(12), "@the_sourdough_fan1")})
	first := e.run(t, "c1", "weekly.1.classify", "classify_followers", map[string]any{"since": "7d"})
	require.Equal(t, true, first.Output["spam_wave"])
	retry := e.run(t, "c1", "weekly.1.classify", "classify_followers", map[string]any{"since": "7d"})
	require.True(t, retry.Replayed, "the retry is the recorded action")

	got := e.pending(t)
	require.Len(t, got, 1, "one alert, however often the activity ran")
	assert.Equal(t, activities.AlertKey("c1/weekly.1.classify"), got[0].Key)
	assert.Equal(t, "c1/weekly.1.classify/spam-wave", got[0].Key)
	assert.Equal(t, api.NoticeAlert, got[0].Kind)
	assert.Equal(t, "c1", got[0].CampaignID)
	assert.Equal(t, "acme", got[0].ClientID)
	assert.Empty(t, got[0].ApprovalID)
	assert.Equal(t, int32(1), e.woken.Load(), "the dispatcher is woken for the new alert, not for the retry")
}

// counted is a connector that answers every action with its output.
type counted map[string]any

func (c counted) Name() string { return "sandbox" }

func (c counted) Perform(_ context.Context, a platforms.Action) (platforms.Result, error) {
	return platforms.Result{Output: c}, nil
}

// TestTheAlertFollowsTheSharedRuleNotTheConnectorsFlag: the counts decide, by
// platforms.SpamWave, whatever the connector's spam_wave says; only
// classify_followers raises; a worker that tells no one raises nothing and
// still completes the action.
func TestTheAlertFollowsTheSharedRuleNotTheConnectorsFlag(t *testing.T) {
	for _, c := range []struct {
		name   string
		action string
		out    counted
		tell   bool
		alerts int
	}{
		{"40% of 10, flag says no", "classify_followers", counted{"total": 10, "spam": 2, "bot": 2, "spam_wave": false}, true, 1},
		{"30% of 10, flag says yes", "classify_followers", counted{"total": float64(10), "spam": float64(3), "spam_wave": true}, true, 0},
		{"9 of 9, too few", "classify_followers", counted{"total": 9, "bot": 9, "spam_wave": true}, true, 0},
		{"no counts", "classify_followers", counted{"spam_wave": true}, true, 0},
		{"another action", "measure_followers", counted{"total": 20, "spam": 20}, true, 0},
		{"a worker that tells no one", "classify_followers", counted{"total": 20, "spam": 20}, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newAlertEnv(t, func(*store.Store) platforms.Connector { return c.out }, c.tell)
			e.run(t, "c1", "check", c.action, map[string]any{})
			assert.Len(t, e.pending(t), c.alerts)
		})
	}
}
