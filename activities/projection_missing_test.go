package activities_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
)

type missingRows struct{}

func (missingRows) ApplyProjection(context.Context, activities.Projection) error {
	return activities.ErrCampaignMissing
}

// countingMetrics counts one counter, the way /metrics would.
type countingMetrics struct {
	client.MetricsHandler
	name string
	n    *atomic.Int64
}

func (m countingMetrics) WithTags(map[string]string) client.MetricsHandler { return m }
func (m countingMetrics) Counter(name string) client.MetricsCounter {
	if name != m.name {
		return client.MetricsNopHandler.Counter(name)
	}
	return counter{m.n}
}

type counter struct{ n *atomic.Int64 }

func (c counter) Inc(d int64) { c.n.Add(d) }

// A batch whose campaign has no row fails retryably, never as a drop, and is
// counted for operators to alert on.
func TestProjectionWithoutItsRowFailsRetryablyAndIsCounted(t *testing.T) {
	var n atomic.Int64
	var suite testsuite.WorkflowTestSuite
	suite.SetMetricsHandler(countingMetrics{MetricsHandler: client.MetricsNopHandler, name: activities.CampaignMissingMetric, n: &n})
	env := suite.NewTestActivityEnvironment()
	acts := &activities.Activities{Projections: missingRows{}}
	env.RegisterActivity(acts)
	_, err := env.ExecuteLocalActivity(acts.ApplyProjection, activities.Projection{CampaignID: "elsewhere", Seq: 3})
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, "CampaignMissing", appErr.Type())
	assert.False(t, appErr.NonRetryable(), "retried until the row is there, never dropped")
	assert.Equal(t, int64(1), n.Load(), "counted on %s", activities.CampaignMissingMetric)
}
