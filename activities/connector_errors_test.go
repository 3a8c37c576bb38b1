package activities_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/webhook"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
)

// A receiver's answer decides the step: a refusal fails it, a Retry-After
// sets when Temporal tries again, an outage is retried on the policy.
func TestRunActionSortsConnectorErrors(t *testing.T) {
	for _, c := range []struct {
		name      string
		status    int
		header    string
		errType   string
		retryable bool
		delay     time.Duration
	}{
		{name: "refused", status: 400, errType: "ActionRefused"},
		{name: "rate limited", status: 429, header: "9", errType: "ActionDeferred", retryable: true, delay: 9 * time.Second},
		{name: "down", status: 502, retryable: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if c.header != "" {
					w.Header().Set("Retry-After", c.header)
				}
				http.Error(w, "no thanks", c.status)
			}))
			t.Cleanup(srv.Close)
			st := storetest.SQLite(t)
			conn, err := webhook.New(webhook.Config{URL: srv.URL, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, worker.StoreActionLog(st))
			require.NoError(t, err)
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			env.RegisterActivity(&activities.Activities{
				Projections: worker.StoreProjections(st),
				Connectors:  map[string]platforms.Connector{webhook.Name: conn},
			})
			_, err = env.ExecuteActivity((&activities.Activities{}).RunAction, activities.ActionRequest{
				Key: "c1/blog", Connector: webhook.Name, Action: "launch_blog", CampaignID: "c1", Client: "acme",
				Input: map[string]any{"brand": "Acme"},
			})
			require.ErrorContains(t, err, "no thanks")
			var app *temporal.ApplicationError
			require.True(t, errors.As(err, &app), "%v", err)
			require.Equal(t, !c.retryable, app.NonRetryable())
			if c.errType != "" {
				require.Equal(t, c.errType, app.Type())
			}
			require.Equal(t, c.delay, app.NextRetryDelay())
		})
	}
}
