package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
)

func TestRunActionBlocksCompetitorsAndRecordsTheRule(t *testing.T) {
	e := newActionEnv(t)
	out, err := e.run(activities.ActionRequest{
		Key: "c1/follow", Action: "follow_accounts",
		Input:       map[string]any{"count": float64(3), "accounts": []any{"@fan1", "@RivalCo", "@fan2"}},
		Competitors: []any{"rivalco"}, // a list of handles, as older campaigns send it
	})
	require.NoError(t, err)
	require.Equal(t, []any{"@fan1", "@fan2"}, out["followed"])
	require.Equal(t, []any{map[string]any{
		"account": "@RivalCo", "rule": "guardrails.competitors", "input": "accounts", "target": "@RivalCo",
		"competitor": "rivalco", "via": "account", "matched": "handle rivalco (any platform)",
	}}, out["blocked"])
	require.NotContains(t, e.recorded("c1/follow").Input, "RivalCo", "the connector never saw the competitor")
}

func TestRunActionRefusesUnknownConnector(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{Projections: worker.StoreProjections(storetest.SQLite(t))})
	_, err := env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "k", Connector: "myspace", Action: "notify", Input: map[string]any{"message": "hi"},
	})
	require.ErrorContains(t, err, `unknown connector "myspace"`)
}

func TestRemindersCarrySignedLinks(t *testing.T) {
	st := storetest.SQLite(t)
	secret := []byte("0123456789abcdef0123456789abcdef")
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{
		Projections: worker.StoreProjections(st),
		Connectors:  map[string]platforms.Connector{sandbox.Name: sandbox.New(st)},
		Links:       &activities.LinkSigner{Secret: secret, BaseURL: "https://greenlight.example.test/"},
	})
	_, err := env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "c1/ask/reminder-1", Connector: "sandbox", Action: "notify", CampaignID: "c1", Client: "acme",
		Input: map[string]any{"message": "Reminder", "approval_id": "c1.ask",
			"approvers": []any{map[string]any{"id": "dana@acme"}, map[string]any{"role": "agency-lead"}}},
	})
	require.NoError(t, err)
	rec, err := st.GetPlatformAction(context.Background(), "c1/ask/reminder-1")
	require.NoError(t, err)
	var in struct {
		Links []struct {
			ApproveURL string `json:"approve_url"`
			RejectURL  string `json:"reject_url"`
		} `json:"links"`
	}
	require.NoError(t, json.Unmarshal([]byte(rec.Input), &in))
	require.Len(t, in.Links, 2, "one pair of links per approver")
	for i, who := range []api.Approver{{ID: "dana@acme"}, {Role: "agency-lead"}} {
		for decision, raw := range map[string]string{"approve": in.Links[i].ApproveURL, "reject": in.Links[i].RejectURL} {
			u, err := url.Parse(raw)
			require.NoError(t, err)
			require.Equal(t, "/v1/approvals/c1.ask/decision", u.Path)
			claims, err := links.VerifyLink(secret, u.Query().Get("token"), time.Now())
			require.NoError(t, err)
			require.Equal(t, who, claims.Approver)
			require.Equal(t, decision, claims.Decision)
		}
	}
}

// slowConnector holds each action until it has seen a heartbeat reach Temporal,
// as a slow platform call would.
type slowConnector struct{ beat chan struct{} }

func (c *slowConnector) Name() string { return "slow" }

func (c *slowConnector) Perform(ctx context.Context, a platforms.Action) (platforms.Result, error) {
	select {
	case <-c.beat:
		return platforms.Result{Output: map[string]any{"done": a.Key}}, nil
	case <-ctx.Done():
		return platforms.Result{}, ctx.Err()
	case <-time.After(10 * time.Second):
		return platforms.Result{}, errors.New("no heartbeat while the connector worked")
	}
}

func TestRunActionHeartbeatsWhileTheConnectorWorks(t *testing.T) {
	conn := &slowConnector{beat: make(chan struct{}, 100)}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	var beats atomic.Int32
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) {
		beats.Add(1)
		conn.beat <- struct{}{}
	})
	env.RegisterActivity(&activities.Activities{
		Projections: worker.StoreProjections(storetest.SQLite(t)), Connectors: map[string]platforms.Connector{"slow": conn}, HeartbeatEvery: 10 * time.Millisecond,
	})
	val, err := env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
		Key: "c1/post", Connector: "slow", Action: "notify", CampaignID: "c1", Client: "acme", Input: map[string]any{"message": "hi"},
	})
	require.NoError(t, err)
	var res activities.ActionResult
	require.NoError(t, val.Get(&res))
	require.Equal(t, "c1/post", res.Output["done"])
	require.Positive(t, beats.Load())
	n := beats.Load()
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, n, beats.Load(), "no heartbeat after the action returned")
}
