package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/greenlight/greenlight/api"
)

// A launch writes the campaign row (status running, projection_seq 0) and then
// starts its workflow, whose first projection raises projection_seq. A row still
// at running and 0 is therefore a launch in flight, or one that was interrupted
// between the two writes. These queries let the API keep a launch alive while it
// works on it and let the sweep fail the ones nobody finished. Every write is
// guarded by the same three conditions, so a launch, its retry and any number of
// concurrent sweeps on other replicas settle each row exactly once.

// UnstartedFilter selects campaigns whose launch has not been heard of since
// Before, one page at a time in (UpdatedAt, ID) order.
type UnstartedFilter struct {
	Before  time.Time // only rows last touched strictly before this
	AfterAt time.Time // keyset cursor: the last row of the previous page…
	AfterID string    // …and its id; zero and "" start from the beginning
	Limit   int       // 1 to 500
}

// UnstartedCampaigns returns campaigns still running with no projection applied
// and not touched since f.Before: candidates for an interrupted launch. The
// caller must still ask Temporal whether the workflow exists.
func (s *Store) UnstartedCampaigns(ctx context.Context, f UnstartedFilter) ([]Campaign, error) {
	if f.Limit < 1 || f.Limit > 500 || f.Before.IsZero() {
		return nil, fmt.Errorf("store: unable to list unstarted campaigns: %w: a cutoff and a limit of 1 to 500 are required", ErrInvalid)
	}
	q := unstarted(s.conn(ctx).Model(&Campaign{})).Where("updated_at < ?", utc(f.Before))
	if !f.AfterAt.IsZero() {
		after := utc(f.AfterAt)
		q = q.Where("(updated_at > ? OR (updated_at = ? AND id > ?))", after, after, f.AfterID)
	}
	var items []Campaign
	if err := q.Order("updated_at, id").Limit(f.Limit).Find(&items).Error; err != nil {
		return nil, fmt.Errorf("store: unable to list unstarted campaigns: %w", err)
	}
	for i := range items {
		normalizeCampaign(&items[i])
	}
	return items, nil
}

// RenewLaunch marks that a launch is being worked on now (a retry with the same
// Idempotency-Key is about to start the workflow), so no sweep fails the row
// for the next grace period. It reports false when the row is no longer an
// unstarted launch: the workflow has written to it, or a sweep failed it first.
func (s *Store) RenewLaunch(ctx context.Context, id string, at time.Time) (bool, error) {
	res := unstarted(s.conn(ctx).Model(&Campaign{})).Where("id = ?", id).Update("updated_at", utc(at))
	if res.Error != nil {
		return false, fmt.Errorf("store: unable to renew the launch of campaign %q: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FailLaunch marks a campaign failed with reason, and records event, if the
// row is still an unstarted launch last touched before `before`. It reports
// whether it did: false means a workflow wrote first, a launch renewed it, or
// another sweep failed it already. The update and the audit event commit
// together, so a failed launch always has its event.
func (s *Store) FailLaunch(ctx context.Context, id string, before, at time.Time, reason string, event AuditEvent) (bool, error) {
	event.CampaignID = id
	event.At = utc(at)
	if err := validateAudit(event); err != nil {
		return false, fmt.Errorf("store: unable to fail the launch of campaign %q: %w", id, err)
	}
	failed := false
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		at := utc(at)
		res := unstarted(tx.Model(&Campaign{})).
			Where("id = ? AND updated_at < ?", id, utc(before)).
			Updates(map[string]any{"status": api.StatusFailed, "error": reason, "finished_at": at, "updated_at": at})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		failed = true
		return insertAudit(tx, []AuditEvent{event})
	})
	if err != nil {
		return false, fmt.Errorf("store: unable to fail the launch of campaign %q: %w", id, err)
	}
	return failed, nil
}

// unstarted narrows q to campaigns whose workflow has not written to them.
func unstarted(q *gorm.DB) *gorm.DB {
	return q.Where("status = ? AND projection_seq = 0", api.StatusRunning)
}
