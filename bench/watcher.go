package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/greenlight/greenlight/api"
)

// pollInterval is the pause between two sweeps of the watcher. The API
// offers no way to wait for a campaign, so the Greenlight side polls, as a
// user's script does; each sample carries up to one sweep of delay that the
// raw side's long poll does not.
const pollInterval = 5 * time.Millisecond

// watcher tells waiting operations when the API shows their campaign
// completed. One goroutine reads the campaigns one after the other, so the
// polling adds at most one request at a time to the server whatever the
// concurrency: twenty operations each polling on their own would load the
// server they measure twenty times as much.
type watcher struct {
	api  *apiClient
	mu   sync.Mutex
	subs map[string]chan error // campaign id → told once
	wake chan struct{}
}

func startWatcher(ctx context.Context, a *apiClient) *watcher {
	w := &watcher{api: a, subs: map[string]chan error{}, wake: make(chan struct{}, 1)}
	go w.loop(ctx)
	return w
}

// wait returns once the API shows campaign id completed; an error if it
// failed or was canceled.
func (w *watcher) wait(ctx context.Context, id string) error {
	ch := make(chan error, 1)
	w.mu.Lock()
	w.subs[id] = ch
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		w.mu.Lock()
		delete(w.subs, id)
		w.mu.Unlock()
		return fmt.Errorf("bench: campaign %s not completed: %w", id, ctx.Err())
	}
}

func (w *watcher) loop(ctx context.Context) {
	for {
		w.mu.Lock()
		ids := make([]string, 0, len(w.subs))
		for id := range w.subs {
			ids = append(ids, id)
		}
		w.mu.Unlock()
		if len(ids) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			}
			continue
		}
		for _, id := range ids {
			var v api.CampaignView
			err := w.api.do(ctx, "GET", "/v1/campaigns/"+id, nil, 200, &v)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
			case v.Status == api.StatusCompleted:
			case v.Status == api.StatusFailed, v.Status == api.StatusCanceled:
				err = fmt.Errorf("bench: campaign %s ended %s: %s", id, v.Status, v.Error)
			default:
				continue
			}
			w.mu.Lock()
			if ch, ok := w.subs[id]; ok {
				ch <- err
				delete(w.subs, id)
			}
			w.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pollInterval):
		}
	}
}
