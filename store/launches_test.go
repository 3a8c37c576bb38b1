package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func interruptedEvent() store.AuditEvent {
	return store.AuditEvent{DedupKey: "x/launch-interrupted", Kind: "campaign.launch_interrupted", Actor: "greenlight", Channel: "system"}
}

func ids(cs []store.Campaign) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// TestUnstartedCampaigns lists only rows a launch wrote and nothing touched
// since the cutoff, in pages that meet every such row once.
func TestUnstartedCampaigns(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		old, fresh := t0, t0.Add(10*time.Minute)
		cutoff := t0.Add(5 * time.Minute)
		// Three candidates, two with the same timestamp so the id breaks the tie.
		mustCreate(t, s, newCampaign("a2", "acme", "p", api.StatusRunning, old))
		mustCreate(t, s, newCampaign("a1", "acme", "p", api.StatusRunning, old))
		mustCreate(t, s, newCampaign("a3", "acme", "p", api.StatusRunning, old.Add(time.Second)))
		mustCreate(t, s, newCampaign("young", "acme", "p", api.StatusRunning, fresh))
		mustCreate(t, s, newCampaign("done", "acme", "p", api.StatusCompleted, old))
		mustCreate(t, s, newCampaign("started", "acme", "p", api.StatusRunning, old))
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "started", Seq: 1, At: old}))

		var seen []string
		f := store.UnstartedFilter{Before: cutoff, Limit: 2}
		for range 3 {
			page, err := s.UnstartedCampaigns(ctx, f)
			require.NoError(t, err)
			seen = append(seen, ids(page)...)
			if len(page) < f.Limit {
				break
			}
			f.AfterAt, f.AfterID = page[len(page)-1].UpdatedAt, page[len(page)-1].ID
		}
		assert.Equal(t, []string{"a1", "a2", "a3"}, seen)

		for name, bad := range map[string]store.UnstartedFilter{
			"no cutoff":  {Limit: 10},
			"no limit":   {Before: cutoff},
			"huge limit": {Before: cutoff, Limit: 501},
		} {
			_, err := s.UnstartedCampaigns(ctx, bad)
			assert.ErrorIs(t, err, store.ErrInvalid, name)
		}
	})
}

// TestFailLaunchIsGuarded fails a row only while it is still an unstarted
// launch older than the cutoff, and records its audit event with it.
func TestFailLaunchIsGuarded(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		cutoff := t0.Add(5 * time.Minute)
		now := t0.Add(time.Hour)
		mustCreate(t, s, newCampaign("orphan", "acme", "p", api.StatusRunning, t0))
		mustCreate(t, s, newCampaign("young", "acme", "p", api.StatusRunning, cutoff.Add(time.Second)))
		mustCreate(t, s, newCampaign("started", "acme", "p", api.StatusRunning, t0))
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "started", Seq: 1, At: t0}))
		mustCreate(t, s, newCampaign("renewed", "acme", "p", api.StatusRunning, t0))
		renewed, err := s.RenewLaunch(ctx, "renewed", now)
		require.NoError(t, err)
		require.True(t, renewed)
		mustCreate(t, s, newCampaign("canceled", "acme", "p", api.StatusCanceled, t0))

		tests := []struct {
			id   string
			want bool
		}{
			{"orphan", true},
			{"orphan", false}, // a second sweep finds it settled
			{"young", false},
			{"started", false},
			{"renewed", false},
			{"canceled", false},
			{"missing", false},
		}
		for _, tt := range tests {
			ev := interruptedEvent()
			ev.DedupKey = tt.id + "/launch-interrupted"
			got, err := s.FailLaunch(ctx, tt.id, cutoff, now, "launch interrupted", ev)
			require.NoError(t, err, tt.id)
			assert.Equal(t, tt.want, got, tt.id)
		}

		c, err := s.GetCampaign(ctx, "orphan")
		require.NoError(t, err)
		assert.Equal(t, api.StatusFailed, c.Status)
		assert.Equal(t, "launch interrupted", c.Error)
		require.NotNil(t, c.FinishedAt)
		assert.True(t, c.FinishedAt.Equal(now.Truncate(time.Microsecond)))
		events, err := s.AuditEvents(ctx, "orphan")
		require.NoError(t, err)
		require.Len(t, events, 1, "one event, however often it is failed")
		assert.Equal(t, "campaign.launch_interrupted", events[0].Kind)

		for _, id := range []string{"young", "started", "renewed"} {
			c, err := s.GetCampaign(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, api.StatusRunning, c.Status, id)
			events, err := s.AuditEvents(ctx, id)
			require.NoError(t, err)
			assert.Empty(t, events, id)
		}

		_, err = s.FailLaunch(ctx, "young", cutoff, now, "x", store.AuditEvent{})
		assert.ErrorIs(t, err, store.ErrInvalid, "an event without a dedup key would vanish")
	})
}

// TestRenewLaunch keeps a launch alive only while it is unstarted.
func TestRenewLaunch(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		now := t0.Add(time.Hour)
		mustCreate(t, s, newCampaign("orphan", "acme", "p", api.StatusRunning, t0))
		mustCreate(t, s, newCampaign("failed", "acme", "p", api.StatusFailed, t0))
		mustCreate(t, s, newCampaign("started", "acme", "p", api.StatusRunning, t0))
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "started", Seq: 1, At: t0}))

		for _, tt := range []struct {
			id   string
			want bool
		}{{"orphan", true}, {"failed", false}, {"started", false}, {"missing", false}} {
			got, err := s.RenewLaunch(ctx, tt.id, now)
			require.NoError(t, err, tt.id)
			assert.Equal(t, tt.want, got, tt.id)
		}
		c, err := s.GetCampaign(ctx, "orphan")
		require.NoError(t, err)
		assert.True(t, c.UpdatedAt.Equal(now.Truncate(time.Microsecond)), "renewed at %s", c.UpdatedAt)
		page, err := s.UnstartedCampaigns(ctx, store.UnstartedFilter{Before: now, Limit: 10})
		require.NoError(t, err)
		assert.Empty(t, page, "a renewed launch is not a candidate until the grace passes again")
	})
}

// TestConcurrentFailLaunch: sweeps on several replicas race for one row; one wins.
func TestConcurrentFailLaunch(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("orphan", "acme", "p", api.StatusRunning, t0))
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Go(func() {
				ev := interruptedEvent()
				ev.DedupKey = "orphan/launch-interrupted"
				ok, err := s.FailLaunch(ctx, "orphan", t0.Add(time.Minute), t0.Add(time.Hour), "launch interrupted", ev)
				assert.NoError(t, err)
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		assert.Equal(t, 1, wins)
		events, err := s.AuditEvents(ctx, "orphan")
		require.NoError(t, err)
		assert.Len(t, events, 1)
	})
}
