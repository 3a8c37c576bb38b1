package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/metrics"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// fakeTemporal answers DescribeWorkflowExecution from a table: a missing
// workflow id is NotFound, as Temporal answers for a start that never happened.
type fakeTemporal struct {
	mu     sync.Mutex
	status map[string]enumspb.WorkflowExecutionStatus
	fail   map[string]error
	asked  map[string]int
	onAsk  func(n int) // called with the number of questions so far
}

func (f *fakeTemporal) DescribeWorkflowExecution(ctx context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	if f.asked == nil {
		f.asked = map[string]int{}
	}
	f.asked[id]++
	n := 0
	for _, k := range f.asked {
		n += k
	}
	st, ok := f.status[id]
	err := f.fail[id]
	onAsk := f.onAsk
	f.mu.Unlock()
	if onAsk != nil {
		onAsk(n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, serviceerror.NewNotFound("workflow not found for ID: " + id)
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: st},
	}, nil
}

func (f *fakeTemporal) questions(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked[id]
}

var sweepT0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func launchRow(t *testing.T, st *store.Store, id string, at time.Time) {
	t.Helper()
	require.NoError(t, st.CreateCampaign(context.Background(), &store.Campaign{
		ID: id, WorkflowID: api.CampaignWorkflowID(id), ClientID: "acme", Playbook: "p", PlaybookVersion: 1,
		Status: api.StatusRunning, CreatedAt: at,
	}))
}

func counter(t *testing.T, reg *metrics.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Prometheus().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func newSweep(st *store.Store, tc server.Describer, reg *metrics.Registry) *server.LaunchSweep {
	return &server.LaunchSweep{
		Store: st, Temporal: tc, Metrics: reg, Grace: 2 * time.Minute,
		Now: func() time.Time { return sweepT0.Add(10 * time.Minute) },
	}
}

// TestLaunchSweepSettlesOnlyOrphans: of every kind of row a sweep may meet, it
// fails exactly those that no workflow will ever write, and leaves the rest.
func TestLaunchSweepSettlesOnlyOrphans(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		old := sweepT0
		young := sweepT0.Add(9 * time.Minute) // within the grace at Now
		rows := []struct {
			id      string
			at      time.Time
			status  enumspb.WorkflowExecutionStatus // 0: no workflow
			fail    error
			started bool // the workflow has projected
			want    string
			errText string
			asked   bool
		}{
			{id: "orphan", at: old, want: api.StatusFailed, errText: server.InterruptedLaunchError, asked: true},
			{id: "queued", at: old, status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, want: api.StatusRunning, asked: true},
			{id: "killed", at: old, status: enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, want: api.StatusFailed, errText: "ended (Terminated) before it recorded anything", asked: true},
			{id: "unknown", at: old, fail: serviceerror.NewUnavailable("temporal is down"), want: api.StatusRunning, asked: true},
			{id: "young", at: young, want: api.StatusRunning},
			{id: "started", at: old, started: true, want: api.StatusRunning},
		}
		tc := &fakeTemporal{status: map[string]enumspb.WorkflowExecutionStatus{}, fail: map[string]error{}}
		for _, r := range rows {
			launchRow(t, st, r.id, r.at)
			wf := api.CampaignWorkflowID(r.id)
			if r.status != 0 {
				tc.status[wf] = r.status
			}
			if r.fail != nil {
				tc.fail[wf] = r.fail
			}
			if r.started {
				require.NoError(t, st.ApplyProjection(ctx, store.Projection{CampaignID: r.id, Seq: 1, At: r.at}))
			}
		}
		reg := metrics.New()
		failed, err := newSweep(st, tc, reg).Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, failed)

		for _, r := range rows {
			c, err := st.GetCampaign(ctx, r.id)
			require.NoError(t, err)
			assert.Equal(t, r.want, c.Status, r.id)
			assert.Equal(t, r.asked, tc.questions(c.WorkflowID) > 0, "%s: asked Temporal", r.id)
			events, err := st.AuditEvents(ctx, r.id)
			require.NoError(t, err)
			if r.want != api.StatusFailed {
				assert.Empty(t, c.Error, r.id)
				assert.Empty(t, events, r.id)
				continue
			}
			assert.Contains(t, c.Error, r.errText, r.id)
			assert.NotNil(t, c.FinishedAt, r.id)
			require.Len(t, events, 1, r.id)
			assert.Equal(t, server.AuditLaunchInterrupted, events[0].Kind)
			assert.Equal(t, api.ChannelSystem, events[0].Channel)
			assert.Contains(t, events[0].Detail, c.WorkflowID)
		}
		assert.Equal(t, 2.0, counter(t, reg, "greenlight_launches_interrupted_total"))
		assert.Equal(t, 1.0, counter(t, reg, "greenlight_launch_sweep_errors_total"), "the row Temporal could not answer for")

		// Once Temporal answers, the next sweep settles the row it skipped.
		delete(tc.fail, api.CampaignWorkflowID("unknown"))
		failed, err = newSweep(st, tc, reg).Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, failed)
	})
}

// TestLaunchSweepPagesAndRacesSafely: more orphans than one batch, swept by
// several replicas at once, each fail once with one audit event.
func TestLaunchSweepPagesAndRacesSafely(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const orphans = 230 // more than two batches
		for i := range orphans {
			launchRow(t, st, fmt.Sprintf("o%03d", i), sweepT0.Add(time.Duration(i%7)*time.Millisecond))
		}
		tc := &fakeTemporal{}
		reg := metrics.New()
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 4 {
			wg.Go(func() {
				n, err := newSweep(st, tc, reg).Sweep(ctx)
				assert.NoError(t, err)
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		assert.Equal(t, orphans, total, "each orphan is failed by exactly one sweep")
		assert.Equal(t, float64(orphans), counter(t, reg, "greenlight_launches_interrupted_total"))
		var events int64
		require.NoError(t, st.DB().Model(&store.AuditEvent{}).Where("kind = ?", server.AuditLaunchInterrupted).Count(&events).Error)
		assert.Equal(t, int64(orphans), events)
		var left int64
		require.NoError(t, st.DB().Model(&store.Campaign{}).Where("status = ?", api.StatusRunning).Count(&left).Error)
		assert.Zero(t, left)
	})
}

// TestLaunchSweepStopsWhenCanceled: a process shutting down ends its sweep at
// the next row, leaving the rest for the next process.
func TestLaunchSweepStopsWhenCanceled(t *testing.T) {
	st := storetest.SQLite(t)
	for i := range 20 {
		launchRow(t, st, fmt.Sprintf("o%02d", i), sweepT0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tc := &fakeTemporal{onAsk: func(n int) {
		if n == 3 {
			cancel()
		}
	}}
	failed, err := newSweep(st, tc, nil).Sweep(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 2, failed, "the rows before the cancellation")
	var left int64
	require.NoError(t, st.DB().Model(&store.Campaign{}).Where("status = ?", api.StatusRunning).Count(&left).Error)
	assert.Equal(t, int64(18), left)
}

// TestLaunchSweepRefusesAShortGrace: a grace within the launch timeout could
// fail a launch still under way.
func TestLaunchSweepRefusesAShortGrace(t *testing.T) {
	st := storetest.SQLite(t)
	sweep := newSweep(st, &fakeTemporal{}, nil)
	sweep.Grace = server.LaunchTimeout
	_, err := sweep.Sweep(context.Background())
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "must exceed"), err.Error())
	assert.GreaterOrEqual(t, config.MinLaunchGrace, 2*server.LaunchTimeout,
		"the smallest grace an operator may set leaves a launch its timeout twice over")
	assert.False(t, errors.Is(err, context.Canceled))
}
