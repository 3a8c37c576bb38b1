package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// prepareNotices copies p's notices with their campaign and client filled
// (from the projection's approvals, or the campaign's client, which the
// projection's approvals were given), storable text and one row per key.
func prepareNotices(p Projection, approvals []Approval, now time.Time) []Notice {
	if len(p.Notices) == 0 {
		return nil
	}
	clientOf := map[string]string{}
	for _, a := range approvals {
		clientOf[a.ID] = a.ClientID
	}
	out := make([]Notice, 0, len(p.Notices))
	seen := map[string]bool{}
	for _, n := range p.Notices {
		n.ID, n.CampaignID, n.StartedAt = 0, p.CampaignID, nil
		n.CreatedAt = utcOr(n.CreatedAt, now)
		if n.ClientID == "" {
			n.ClientID = clientOf[n.ApprovalID]
		}
		makeStorable(&n)
		if n.Key == "" || seen[n.Key] {
			continue
		}
		seen[n.Key] = true
		out = append(out, n)
	}
	return out
}

func insertNotices(tx *gorm.DB, notices []Notice) error {
	for i := range notices {
		if notices[i].ClientID != "" {
			continue
		}
		// A notice whose approval is not in this batch (a reminder) takes the
		// client of the approval row already stored.
		var client string
		if err := tx.Model(&Approval{}).Where("id = ?", notices[i].ApprovalID).Select("client_id").Scan(&client).Error; err != nil {
			return err
		}
		notices[i].ClientID = client
	}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&notices).Error
}

// PendingNotices returns up to limit notices whose workflow has not been
// started, oldest first.
func (s *Store) PendingNotices(ctx context.Context, limit int) ([]Notice, error) {
	var out []Notice
	if err := s.conn(ctx).Where("started_at IS NULL").Order("id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: unable to list pending notices: %w", err)
	}
	for i := range out {
		out[i].CreatedAt = utc(out[i].CreatedAt)
	}
	return out, nil
}

// NoticeStarted records that the workflow of notice id has been started.
func (s *Store) NoticeStarted(ctx context.Context, id int64) error {
	if err := s.conn(ctx).Model(&Notice{}).Where("id = ? AND started_at IS NULL", id).
		Update("started_at", utc(time.Now())).Error; err != nil {
		return fmt.Errorf("store: unable to mark notice %d started: %w", id, err)
	}
	return nil
}

// AddNotice writes a notice no projection carries (an alert an activity
// raised), unless one with its key is there already: created says whether
// this call wrote it. Of concurrent calls with one key, one writes.
func (s *Store) AddNotice(ctx context.Context, n Notice) (created bool, err error) {
	if n.Key == "" {
		return false, fmt.Errorf("store: unable to add notice: %w: key is required", ErrInvalid)
	}
	n.ID, n.StartedAt = 0, nil
	n.CreatedAt = utcOr(n.CreatedAt, utc(time.Now()))
	makeStorable(&n)
	res := s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&n)
	if res.Error != nil {
		return false, fmt.Errorf("store: unable to add notice %q: %w", n.Key, res.Error)
	}
	return res.RowsAffected == 1, nil
}
