package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ApprovalVotes lists the votes cast on an approval, in the order they came.
func (s *Store) ApprovalVotes(ctx context.Context, approvalID string) ([]ApprovalVote, error) {
	var out []ApprovalVote
	if err := s.conn(ctx).Where("approval_id = ?", approvalID).Order("at, voter").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: unable to list votes of approval %q: %w", approvalID, err)
	}
	return out, nil
}

// UseDecisionToken records a one-click link as used. A link that was used before
// returns ErrConflict: links are single-use.
func (s *Store) UseDecisionToken(ctx context.Context, t DecisionToken) error {
	t.ExpiresAt, t.UsedAt = utc(t.ExpiresAt), utcOr(t.UsedAt, utc(time.Now()))
	res := s.conn(ctx).Create(&t)
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return fmt.Errorf("store: unable to use link %q: %w", t.ID, ErrConflict)
		}
		return fmt.Errorf("store: unable to use link %q: %w", t.ID, res.Error)
	}
	return nil
}

// ReleaseDecisionToken forgets a link's use when its decision could not be
// delivered, so the person can click it again.
func (s *Store) ReleaseDecisionToken(ctx context.Context, id string) error {
	if err := s.conn(ctx).Delete(&DecisionToken{}, "id = ?", id).Error; err != nil {
		return fmt.Errorf("store: unable to release link %q: %w", id, err)
	}
	return nil
}
