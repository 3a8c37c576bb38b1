package activities_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestRunActionBlocksCompetitorsAndRecordsTheRule(t *testing.T) {
	st := storetest.SQLite(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{
		Store:      st,
		Connectors: map[string]platforms.Connector{platforms.SandboxName: &platforms.Sandbox{Store: st}},
	})
	val, err := env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "c1/follow", Connector: "sandbox", Action: "follow_accounts", CampaignID: "c1", Client: "acme",
		Input:       map[string]any{"count": float64(3), "accounts": []any{"@fan1", "@RivalCo", "@fan2"}},
		Competitors: []string{"rivalco"},
	})
	require.NoError(t, err)
	var res activities.ActionResult
	require.NoError(t, val.Get(&res))
	require.Equal(t, []any{"@fan1", "@fan2"}, res.Output["followed"])
	require.Equal(t, []any{map[string]any{"account": "@RivalCo", "rule": "guardrails.competitors"}}, res.Output["blocked"])

	a, err := st.GetPlatformAction(context.Background(), "c1/follow")
	require.NoError(t, err)
	require.NotContains(t, a.Input, "RivalCo", "the connector never saw the competitor")
}

func TestRunActionRefusesUnknownConnector(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{Store: storetest.SQLite(t)})
	_, err := env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "k", Connector: "myspace", Action: "notify", Input: map[string]any{"message": "hi"},
	})
	require.ErrorContains(t, err, `unknown connector "myspace"`)
}
