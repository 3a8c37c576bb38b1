package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AppendAudit records an event that happens outside a projection, such as a
// decision taken through the API. A DedupKey seen before leaves the stored
// event untouched, so a retried request records once. A zero At means now.
// Its text is made storable (text.go): an event must never fail on its detail.
func (s *Store) AppendAudit(ctx context.Context, e AuditEvent) error {
	if err := validateAudit(e); err != nil {
		return fmt.Errorf("store: unable to append audit event: %w", err)
	}
	e.ID = 0
	e.At = utcOr(e.At, utc(time.Now()))
	makeStorable(&e)
	if err := insertAudit(s.conn(ctx), []AuditEvent{e}); err != nil {
		return fmt.Errorf("store: unable to append audit event %q: %w", e.DedupKey, err)
	}
	return nil
}

// AuditEvents returns a campaign's events in the order they were recorded.
func (s *Store) AuditEvents(ctx context.Context, campaignID string) ([]AuditEvent, error) {
	var events []AuditEvent
	if err := s.conn(ctx).Where("campaign_id = ?", campaignID).Order("id").Find(&events).Error; err != nil {
		return nil, fmt.Errorf("store: unable to list audit events of campaign %q: %w", campaignID, err)
	}
	for i := range events {
		normalizeAuditEvent(&events[i])
	}
	return events, nil
}

// validateAudit refuses events that the dedup rule would mishandle: with an
// empty DedupKey every such event after the first would vanish silently.
func validateAudit(e AuditEvent) error {
	if e.DedupKey == "" || e.Kind == "" {
		return fmt.Errorf("%w: audit event needs a dedup key and a kind", ErrInvalid)
	}
	return nil
}

// insertAudit inserts events whose DedupKey is new and skips the others.
// events is the caller's private copy: GORM writes generated IDs into it, and
// with skipped rows those IDs cannot be trusted.
func insertAudit(db *gorm.DB, events []AuditEvent) error {
	return db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "dedup_key"}},
		DoNothing: true,
	}).Create(&events).Error
}
