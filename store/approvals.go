package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/greenlight/greenlight/api"
)

// ApprovalFilter selects approvals; empty fields do not filter.
type ApprovalFilter struct {
	Status     string
	ClientID   string
	ClientIDs  []string // non-nil: only these clients (a scoped caller); empty matches nothing
	CampaignID string
	DueBefore  time.Time // zero: no bound; else only approvals due strictly before it
	Limit      int       // 0 means 100; at most 500
}

const (
	defaultApprovalLimit = 100
	maxApprovalLimit     = 500
)

// GetApproval returns the approval or ErrNotFound.
func (s *Store) GetApproval(ctx context.Context, id string) (*Approval, error) {
	var a Approval
	if err := s.conn(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return nil, fmt.Errorf("store: unable to get approval %q: %w", id, notFoundOr(err))
	}
	normalizeApproval(&a)
	return &a, nil
}

// CampaignApprovals returns a campaign's approvals in the order requested.
func (s *Store) CampaignApprovals(ctx context.Context, campaignID string) ([]Approval, error) {
	var list []Approval
	err := s.conn(ctx).Where("campaign_id = ?", campaignID).Order("requested_at, id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("store: unable to list approvals of campaign %q: %w", campaignID, err)
	}
	for i := range list {
		normalizeApproval(&list[i])
	}
	return list, nil
}

// ListApprovals is the approvers' inbox: the most urgent (earliest due) first.
func (s *Store) ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, error) {
	limit, err := pageLimit(f.Limit, defaultApprovalLimit, maxApprovalLimit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list approvals: %w", err)
	}
	q := s.conn(ctx)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	q = byClient(q, "client_id", f.ClientID, f.ClientIDs)
	if f.CampaignID != "" {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	if !f.DueBefore.IsZero() {
		q = q.Where("due_at < ?", utc(f.DueBefore))
	}
	var list []Approval
	err = q.Order(clause.OrderBy{Columns: []clause.OrderByColumn{
		{Column: clause.Column{Name: "due_at"}},
		{Column: clause.Column{Name: "id"}},
	}}).Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("store: unable to list approvals: %w", err)
	}
	for i := range list {
		normalizeApproval(&list[i])
	}
	return list, nil
}

// View is the approval as the API shows it (votes aside). An unreadable list
// of approvers shows as empty rather than failing the whole answer; deciding
// reads it strictly, with ApproverList.
func (a *Approval) View() api.ApprovalView {
	approvers, _ := a.ApproverList()
	return api.ApprovalView{
		ID: a.ID, CampaignID: a.CampaignID, Client: a.ClientID, Step: a.StepKey, Title: a.Title,
		Preview: rawJSON(a.Preview), Status: a.Status, OnTimeout: a.OnTimeout,
		RequestedAt: a.RequestedAt, DueAt: a.DueAt, DecidedAt: a.DecidedAt, Decision: a.Decision,
		DecidedBy: a.DecidedBy, Comment: a.Comment, Channel: a.Channel, Policy: a.Policy,
		Quorum: a.Quorum, Approvers: approvers, RequestedBy: a.RequestedBy, Tier: a.Tier,
		Edits: rawJSON(a.Edits),
	}
}

// ApproverList reads the approval's JSON list of approvers; empty means anyone.
func (a *Approval) ApproverList() ([]api.Approver, error) {
	if a.Approvers == "" {
		return nil, nil
	}
	var list []api.Approver
	if err := json.Unmarshal([]byte(a.Approvers), &list); err != nil {
		return nil, fmt.Errorf("approvers of %s: %w", a.ID, err)
	}
	return list, nil
}

func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}
