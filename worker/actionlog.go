package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/store"
)

// StoreActionLog is the store's platform action log, as real connectors use
// it (the sandbox reads the store itself: its simulated world is the log).
func StoreActionLog(st *store.Store) platforms.ActionLog { return storeActionLog{st} }

type storeActionLog struct{ st *store.Store }

func (l storeActionLog) Performed(ctx context.Context, key string) (platforms.Result, error) {
	p, err := l.st.GetPlatformAction(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return platforms.Result{}, platforms.ErrNotPerformed
	}
	if err != nil {
		return platforms.Result{}, err
	}
	return recorded(p, true)
}

func (l storeActionLog) Record(ctx context.Context, connector string, a platforms.Action, r platforms.Result) (platforms.Result, bool, error) {
	input, err := json.Marshal(a.Input)
	if err != nil {
		return platforms.Result{}, false, fmt.Errorf("record %s: input: %w", a.Key, err)
	}
	output, err := json.Marshal(r.Output)
	if err != nil {
		return platforms.Result{}, false, fmt.Errorf("record %s: output: %w", a.Key, err)
	}
	target, _ := a.Input["brand"].(string)
	stored, created, err := l.st.RecordPlatformAction(ctx, store.PlatformAction{
		IdempotencyKey: a.Key, Platform: connector, ClientID: a.Client, CampaignID: a.CampaignID,
		Action: a.Name, Target: target, Input: string(input), Output: string(output), CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		return platforms.Result{}, false, err
	}
	res, err := recorded(&stored, !created)
	return res, created, err
}

// recorded is a log row as a connector's result; replayed says nothing new
// happened this time.
func recorded(p *store.PlatformAction, replayed bool) (platforms.Result, error) {
	var out map[string]any
	if err := json.Unmarshal([]byte(p.Output), &out); err != nil {
		return platforms.Result{}, fmt.Errorf("recorded output of %s: %w", p.IdempotencyKey, err)
	}
	simulated, _ := out["simulated"].(bool)
	return platforms.Result{Output: out, Simulated: simulated, Replayed: replayed}, nil
}
