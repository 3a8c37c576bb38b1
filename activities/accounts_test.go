package activities_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/platforms"
)

// recorder is a connector that remembers what it was asked, by key.
type recorder struct {
	name string
	mu   sync.Mutex
	got  map[string]platforms.Action
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Perform(_ context.Context, a platforms.Action) (platforms.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[a.Key] = a
	return platforms.Result{Output: map[string]any{"simulated": false, "summary": r.name + " did it", "as": a.Account.Handle}}, nil
}

type byConnector map[string]*recorder

func (b byConnector) ConnectorFor(_ context.Context, acc platforms.Account) (platforms.Connector, error) {
	if c, ok := b[acc.Connector]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("no connector %s", acc.Connector)
}

// holdsOf refuses the accounts in refused; granted records what it was told.
type holdsOf struct {
	refused map[string]bool
	mu      sync.Mutex
	claims  []string
}

func (h *holdsOf) Claim(_ context.Context, campaign, account string, granted bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.claims = append(h.claims, fmt.Sprintf("%s/%s granted=%v", campaign, account, granted))
	if h.refused[account] {
		return fmt.Errorf("%w: account %s is held by campaign c-other", activities.ErrAccountHeld, account)
	}
	return nil
}

func accountsEnv(t *testing.T, conns byConnector, holds *holdsOf) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{Accounts: conns, Holds: holds,
		Connectors: map[string]platforms.Connector{"sandbox": &recorder{name: "sandbox", got: map[string]platforms.Action{}}}})
	return env
}

var campaignAccounts = []platforms.Account{
	{ID: "acc-m", Platform: "mastodon", Handle: "acme@social.example", Connector: "mastodon", Credential: "m"},
	{ID: "acc-l", Platform: "linkedin", Handle: "company/acme", Connector: "webhook", Credential: "h", Team: "team-x", AwaitStep: "owner_approval_team_x"},
}

func TestAnActionOnTwoPlatformsActsOncePerAccount(t *testing.T) {
	m := &recorder{name: "mastodon", got: map[string]platforms.Action{}}
	w := &recorder{name: "webhook", got: map[string]platforms.Action{}}
	holds := &holdsOf{}
	env := accountsEnv(t, byConnector{"mastodon": m, "webhook": w}, holds)
	val, err := env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "c1/publish", Connector: "sandbox", Action: "publish_posts", CampaignID: "c1", Client: "acme",
		Input:    map[string]any{"brand": "Acme", "count": 1.0, "platforms": []any{"mastodon", "linkedin"}},
		Accounts: campaignAccounts, Granted: []string{"acc-l"},
	})
	require.NoError(t, err)
	var res activities.ActionResult
	require.NoError(t, val.Get(&res))
	assert.False(t, res.Simulated)
	require.Contains(t, m.got, "c1/publish@mastodon", "each account under the step's key and its platform")
	require.Contains(t, w.got, "c1/publish@linkedin")
	assert.Equal(t, []any{"mastodon"}, m.got["c1/publish@mastodon"].Input["platforms"], "narrowed to its own platform")
	assert.Equal(t, "company/acme", w.got["c1/publish@linkedin"].Account.Handle)
	byPlatform := res.Output["by_platform"].(map[string]any)
	assert.Equal(t, "acme@social.example", byPlatform["mastodon"].(map[string]any)["as"])
	assert.Equal(t, "mastodon: mastodon did it; linkedin: webhook did it", res.Output["summary"])
	assert.Equal(t, []string{"c1/acc-m granted=false", "c1/acc-l granted=true"}, holds.claims,
		"every account is claimed before anything acts; the owner's yes goes with it")

	// One platform named: that account alone, under the step's own key.
	_, err = env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "c1/optimize", Connector: "sandbox", Action: "optimize_profile", CampaignID: "c1", Client: "acme",
		Input: map[string]any{"brand": "Acme", "platforms": []any{"mastodon"}}, Accounts: campaignAccounts,
	})
	require.NoError(t, err)
	assert.Contains(t, m.got, "c1/optimize")
	assert.NotContains(t, w.got, "c1/optimize")
}

func TestAHeldAccountStopsTheAction(t *testing.T) {
	m := &recorder{name: "mastodon", got: map[string]platforms.Action{}}
	w := &recorder{name: "webhook", got: map[string]platforms.Action{}}
	env := accountsEnv(t, byConnector{"mastodon": m, "webhook": w}, &holdsOf{refused: map[string]bool{"acc-l": true}})
	_, err := env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "c1/publish", Connector: "sandbox", Action: "publish_posts", CampaignID: "c1", Client: "acme",
		Input:    map[string]any{"brand": "Acme", "count": 1.0, "platforms": []any{"mastodon", "linkedin"}},
		Accounts: campaignAccounts,
	})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.True(t, appErr.NonRetryable(), "retrying cannot free the account")
	assert.Equal(t, "AccountHeld", appErr.Type())
	assert.Contains(t, err.Error(), "held by campaign c-other")
	assert.Empty(t, m.got, "nothing acts when any account is refused, not even the free one")
	assert.Empty(t, w.got)

	_, err = env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "c1/respond", Connector: "sandbox", Action: "respond_to_mention", CampaignID: "c1", Client: "acme",
		Input:    map[string]any{"url": "https://bsky.app/profile/fan/post/1", "message": "Thanks", "platform": "bluesky"},
		Accounts: campaignAccounts,
	})
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, "NoAccount", appErr.Type())
	assert.Contains(t, err.Error(), "no account there")
}
