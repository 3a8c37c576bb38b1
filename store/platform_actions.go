package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// RecordPlatformAction stores a connector's action under its idempotency key,
// unless the key is already recorded: then the stored row is returned untouched
// with created=false, and the connector must reuse its result instead of
// acting again. Insert-or-nothing makes this race-safe: of concurrent calls
// with one key exactly one creates, and all return the same row. A zero
// CreatedAt means now.
func (s *Store) RecordPlatformAction(ctx context.Context, a PlatformAction) (PlatformAction, bool, error) {
	if a.IdempotencyKey == "" {
		return PlatformAction{}, false, fmt.Errorf("store: unable to record platform action: %w: idempotency key is required", ErrInvalid)
	}
	a.CreatedAt = utcOr(a.CreatedAt, utc(time.Now()))
	makeStorable(&a) // a connector's target or output may be anything (text.go)
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&a)
	if res.Error != nil {
		return PlatformAction{}, false, fmt.Errorf("store: unable to record platform action %q: %w", a.IdempotencyKey, res.Error)
	}
	if res.RowsAffected == 1 {
		return a, true, nil
	}
	stored, err := s.GetPlatformAction(ctx, a.IdempotencyKey)
	if err != nil {
		return PlatformAction{}, false, fmt.Errorf("store: unable to record platform action %q: %w", a.IdempotencyKey, err)
	}
	return *stored, false, nil
}

// GetPlatformAction returns the action recorded under key, or ErrNotFound.
func (s *Store) GetPlatformAction(ctx context.Context, key string) (*PlatformAction, error) {
	key = storableField(PlatformAction{}, "IdempotencyKey", key) // as RecordPlatformAction stored it
	var a PlatformAction
	if err := s.conn(ctx).Where("idempotency_key = ?", key).Take(&a).Error; err != nil {
		return nil, fmt.Errorf("store: unable to get platform action %q: %w", key, notFoundOr(err))
	}
	normalizePlatformAction(&a)
	return &a, nil
}

// CountPlatformActions counts recorded actions; an empty clientID or action
// does not filter.
func (s *Store) CountPlatformActions(ctx context.Context, clientID, action string) (int64, error) {
	q := s.conn(ctx).Model(&PlatformAction{})
	if clientID != "" {
		q = q.Where("client_id = ?", clientID)
	}
	if action != "" {
		q = q.Where("action = ?", action)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: unable to count platform actions: %w", err)
	}
	return n, nil
}
