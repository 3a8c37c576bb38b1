package workflows_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/worker"
)

// missingFirst answers that the campaign row is missing for its first n
// batches, as a worker on the wrong database would, then writes them.
type missingFirst struct {
	n, calls atomic.Int32
	next     activities.ProjectionWriter
}

func (m *missingFirst) ApplyProjection(ctx context.Context, p activities.Projection) error {
	if m.calls.Add(1) <= m.n.Load() {
		return activities.ErrCampaignMissing
	}
	return m.next.ApplyProjection(ctx, p)
}

// A projection whose campaign row is missing is retried, never dropped: once
// the row is there, the store holds every step and the final status.
func TestProjectionWithoutItsRowIsRetriedNotDropped(t *testing.T) {
	pb, err := playbooks.Parse([]byte(`
name: two-steps
version: 1
steps:
  - id: audit
    action: audit_search_presence
    with: {brand: Acme}
  - id: report
    action: report
`))
	require.NoError(t, err)
	h := newHarness(t, pb, nil)
	writer := &missingFirst{next: worker.StoreProjections(h.st)}
	writer.n.Store(4)
	h.env = newEnvWith(&activities.Activities{
		Projections: writer,
		Connectors:  map[string]platforms.Connector{sandbox.Name: sandbox.New(h.st)},
	})
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	assert.Greater(t, writer.calls.Load(), int32(4), "the refused batches were tried again")

	c := h.campaign()
	assert.Equal(t, api.StatusCompleted, c.Status, "the final status reached the store")
	runs, err := h.st.StepRuns(context.Background(), h.in.CampaignID)
	require.NoError(t, err)
	done := map[string]string{}
	for _, r := range runs {
		done[r.StepID] = r.Status
	}
	assert.Equal(t, map[string]string{"audit": api.StepCompleted, "report": api.StepCompleted}, done, "and every step's row")
}
