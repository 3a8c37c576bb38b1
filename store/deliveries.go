package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/greenlight/greenlight/api"
)

// BeginDelivery records an attempt at d (by d.Key) and returns the row as it
// now stands. When the delivery was sent before, it returns that row and sent
// true, and records nothing: the caller must not send again.
func (s *Store) BeginDelivery(ctx context.Context, d Delivery) (Delivery, bool, error) {
	now := utc(time.Now())
	makeStorable(&d)
	var out Delivery
	sent := false
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("key = ?", d.Key).Take(&out).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			d.Status, d.Attempts, d.CreatedAt, d.UpdatedAt, d.SentAt, d.Ref, d.Error = api.DeliverySending, 1, now, now, nil, "", ""
			if err := tx.Create(&d).Error; err != nil {
				return err
			}
			out = d
			return nil
		case err != nil:
			return err
		case out.Status == api.DeliverySent:
			sent = true
			return nil
		}
		out.Status, out.Attempts, out.UpdatedAt = api.DeliverySending, out.Attempts+1, now
		return tx.Model(&Delivery{}).Where("key = ?", d.Key).
			Updates(map[string]any{"status": out.Status, "attempts": out.Attempts, "updated_at": now}).Error
	})
	if err != nil {
		return Delivery{}, false, fmt.Errorf("store: unable to begin delivery %q: %w", d.Key, err)
	}
	normalizeDelivery(&out)
	return out, sent, nil
}

// DeliverySucceeded marks the delivery key sent, with where it went (ref).
func (s *Store) DeliverySucceeded(ctx context.Context, key, ref string) error {
	now := utc(time.Now())
	key, ref = deliveryKey(key), storableField(Delivery{}, "Ref", ref)
	res := s.conn(ctx).Model(&Delivery{}).Where("key = ?", key).
		Updates(map[string]any{"status": api.DeliverySent, "ref": ref, "error": "", "sent_at": now, "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("store: unable to record delivery %q as sent: %w", key, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: unable to record delivery %q as sent: %w", key, ErrNotFound)
	}
	return nil
}

// DeliverySkipped records that the delivery was not needed, and why.
func (s *Store) DeliverySkipped(ctx context.Context, key, reason string) error {
	res := s.conn(ctx).Model(&Delivery{}).Where("key = ? AND status <> ?", deliveryKey(key), api.DeliverySent).
		Updates(map[string]any{"status": api.DeliverySkipped, "error": cutRunes(storableText(reason), maxDeliveryError), "updated_at": utc(time.Now())})
	if res.Error != nil {
		return fmt.Errorf("store: unable to record delivery %q as skipped: %w", key, res.Error)
	}
	return nil
}

// DeliveryFailed records an attempt's failure; final says the delivery was
// given up (no further attempt will be made), which marks it failed. A sent
// delivery stays sent.
func (s *Store) DeliveryFailed(ctx context.Context, key, reason string, final bool) error {
	key = deliveryKey(key)
	updates := map[string]any{"error": cutRunes(storableText(reason), maxDeliveryError), "updated_at": utc(time.Now())}
	if final {
		updates["status"] = api.DeliveryFailed
	}
	res := s.conn(ctx).Model(&Delivery{}).Where("key = ? AND status <> ?", key, api.DeliverySent).Updates(updates)
	if res.Error != nil {
		return fmt.Errorf("store: unable to record the failure of delivery %q: %w", key, res.Error)
	}
	return nil
}

// deliveryKey is key as BeginDelivery stored it.
func deliveryKey(key string) string { return storableField(Delivery{}, "Key", key) }

// maxDeliveryError bounds the failure text kept per delivery: a receiver's
// error page must not fill the table.
const maxDeliveryError = 2000

// GetDelivery returns the delivery with key, or ErrNotFound.
func (s *Store) GetDelivery(ctx context.Context, key string) (*Delivery, error) {
	var d Delivery
	err := s.conn(ctx).Where("key = ?", deliveryKey(key)).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("store: unable to get delivery %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to get delivery %q: %w", key, err)
	}
	normalizeDelivery(&d)
	return &d, nil
}

// ApprovalDeliveries lists what went out about an approval, in the order the
// deliveries began.
func (s *Store) ApprovalDeliveries(ctx context.Context, approvalID string) ([]Delivery, error) {
	var out []Delivery
	approvalID = storableField(Delivery{}, "ApprovalID", approvalID)
	if err := s.conn(ctx).Where("approval_id = ?", approvalID).Order("created_at, key").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: unable to list deliveries of approval %q: %w", approvalID, err)
	}
	for i := range out {
		normalizeDelivery(&out[i])
	}
	return out, nil
}
