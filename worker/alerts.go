package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
)

// StoreAlerts records the alerts actions raise as rows of the notices
// outbox, of kind api.NoticeAlert under the alert's key, so the dispatcher
// starts their notice workflows like those of approval events. A key already
// there is left alone: a retried action raises its alert once. wake, when
// set, runs after a new alert is written (the dispatcher's Wake).
func StoreAlerts(st *store.Store, wake ...func()) activities.Alerts {
	return storeAlerts{st: st, wake: wake}
}

type storeAlerts struct {
	st   *store.Store
	wake []func()
}

func (s storeAlerts) Raise(ctx context.Context, a activities.Alert) error {
	created, err := s.st.AddNotice(ctx, store.Notice{
		Key: a.Key, Kind: api.NoticeAlert, CampaignID: a.CampaignID, ClientID: a.Client, CreatedAt: a.At,
	})
	if err != nil {
		return err
	}
	if created {
		for _, f := range s.wake {
			f()
		}
	}
	return nil
}

// Action reads a platform action from the store's action log, with its
// campaign's brand parameter.
func (s storeDeliveries) Action(ctx context.Context, key string) (activities.RecordedAction, error) {
	pa, err := s.st.GetPlatformAction(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return activities.RecordedAction{}, fmt.Errorf("%w: %w", activities.ErrNoAction, err)
	}
	if err != nil {
		return activities.RecordedAction{}, err
	}
	out := activities.RecordedAction{Key: pa.IdempotencyKey, Action: pa.Action, CampaignID: pa.CampaignID, Client: pa.ClientID}
	if err := json.Unmarshal([]byte(pa.Output), &out.Output); err != nil {
		return activities.RecordedAction{}, fmt.Errorf("recorded output of %s: %w", key, err)
	}
	c, err := s.st.GetCampaign(ctx, pa.CampaignID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// The alert names the client instead.
	case err != nil:
		return activities.RecordedAction{}, err
	default:
		var params map[string]any
		if json.Unmarshal([]byte(c.Params), &params) == nil {
			out.Brand, _ = params["brand"].(string)
		}
	}
	return out, nil
}
