package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CampaignFilter selects campaigns; empty fields do not filter.
type CampaignFilter struct {
	Status    string
	ClientID  string
	ClientIDs []string // non-nil: only these clients (a scoped caller); empty matches nothing
	Playbook  string
	Limit     int // 0 means 50; at most 200
	PageToken string
}

// CampaignPage is one page of ListCampaigns; NextPageToken is empty on the last.
type CampaignPage struct {
	Items         []Campaign
	NextPageToken string
}

const (
	defaultCampaignLimit = 50
	maxCampaignLimit     = 200
)

// CreateCampaign inserts c, and its client if this is the client's first
// campaign, in one transaction. Unset timestamps are filled and all times
// normalised in c, so c matches what GetCampaign returns afterwards. A reused
// ID, WorkflowID or IdempotencyKey is an ErrConflict: the API resolves
// idempotent retries with CampaignByIdempotencyKey before creating.
func (s *Store) CreateCampaign(ctx context.Context, c *Campaign) error {
	if c == nil || c.ID == "" || c.WorkflowID == "" || c.ClientID == "" {
		return fmt.Errorf("store: unable to create campaign: %w: id, workflow id and client id are required", ErrInvalid)
	}
	now := utc(time.Now())
	c.CreatedAt = utcOr(c.CreatedAt, now)
	c.UpdatedAt = utcOr(c.UpdatedAt, c.CreatedAt)
	c.FinishedAt = utcPtr(c.FinishedAt)
	if c.IdempotencyKey != nil && *c.IdempotencyKey == "" {
		// An empty key is no key; stored as "" it would make every later
		// key-less launch conflict.
		c.IdempotencyKey = nil
	}
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		client := Client{ID: c.ClientID, Name: c.ClientID, CreatedAt: now}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&client).Error; err != nil {
			return err
		}
		return tx.Create(c).Error
	})
	if err != nil {
		return fmt.Errorf("store: unable to create campaign %q: %w", c.ID, conflictOr(err))
	}
	return nil
}

// DeleteCampaign undoes CreateCampaign when the workflow could not be started,
// taking the campaign's step runs, approvals and audit events with it. The
// client row stays: other campaigns may share it. Platform actions stay too:
// they record effects outside Greenlight, which a delete cannot undo.
func (s *Store) DeleteCampaign(ctx context.Context, id string) error {
	if id == "" {
		// "" is the campaign of every event outside campaigns: never delete those.
		return fmt.Errorf("store: unable to delete campaign: %w: an id is required", ErrInvalid)
	}
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		for _, child := range []any{&StepRun{}, &Approval{}, &AuditEvent{}, &AccountHold{}} {
			if err := tx.Where("campaign_id = ?", id).Delete(child).Error; err != nil {
				return err
			}
		}
		res := tx.Where("id = ?", id).Delete(&Campaign{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: unable to delete campaign %q: %w", id, err)
	}
	return nil
}

// GetCampaign returns the campaign or ErrNotFound.
func (s *Store) GetCampaign(ctx context.Context, id string) (*Campaign, error) {
	var c Campaign
	if err := s.conn(ctx).Where("id = ?", id).Take(&c).Error; err != nil {
		return nil, fmt.Errorf("store: unable to get campaign %q: %w", id, notFoundOr(err))
	}
	normalizeCampaign(&c)
	return &c, nil
}

// CampaignByIdempotencyKey finds the campaign a launch request created
// earlier, so a retried request returns it instead of launching again.
func (s *Store) CampaignByIdempotencyKey(ctx context.Context, key string) (*Campaign, error) {
	if key == "" {
		return nil, fmt.Errorf("store: unable to get campaign by idempotency key: %w", ErrNotFound)
	}
	var c Campaign
	if err := s.conn(ctx).Where("idempotency_key = ?", key).Take(&c).Error; err != nil {
		return nil, fmt.Errorf("store: unable to get campaign by idempotency key: %w", notFoundOr(err))
	}
	normalizeCampaign(&c)
	return &c, nil
}

// ListCampaigns returns campaigns newest first, one page at a time.
func (s *Store) ListCampaigns(ctx context.Context, f CampaignFilter) (CampaignPage, error) {
	limit, err := pageLimit(f.Limit, defaultCampaignLimit, maxCampaignLimit)
	if err != nil {
		return CampaignPage{}, fmt.Errorf("store: unable to list campaigns: %w", err)
	}
	q := s.conn(ctx).Model(&Campaign{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	q = byClient(q, "client_id", f.ClientID, f.ClientIDs)
	if f.Playbook != "" {
		q = q.Where("playbook = ?", f.Playbook)
	}
	if f.PageToken != "" {
		after, err := decodeCursor(f.PageToken)
		if err != nil {
			return CampaignPage{}, fmt.Errorf("store: unable to list campaigns: %w", err)
		}
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", after.CreatedAt, after.CreatedAt, after.ID)
	}
	// One extra row tells whether another page exists without a count query.
	var items []Campaign
	if err := q.Order("created_at DESC, id DESC").Limit(limit + 1).Find(&items).Error; err != nil {
		return CampaignPage{}, fmt.Errorf("store: unable to list campaigns: %w", err)
	}
	for i := range items {
		normalizeCampaign(&items[i])
	}
	var page CampaignPage
	page.Items, page.NextPageToken = cutPage(items, limit, func(c *Campaign) cursor { return cursor{CreatedAt: c.CreatedAt, ID: c.ID} })
	return page, nil
}

// StepRuns returns a campaign's steps in the order the workflow reached them.
func (s *Store) StepRuns(ctx context.Context, campaignID string) ([]StepRun, error) {
	var runs []StepRun
	err := s.conn(ctx).Where("campaign_id = ?", campaignID).
		Order(clause.OrderBy{Columns: []clause.OrderByColumn{
			{Column: clause.Column{Name: "seq"}},
			{Column: clause.Column{Name: "key"}},
		}}).
		Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("store: unable to list step runs of campaign %q: %w", campaignID, err)
	}
	for i := range runs {
		normalizeStepRun(&runs[i])
	}
	return runs, nil
}
