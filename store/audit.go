package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AuditFilter selects audit events; empty fields do not filter.
type AuditFilter struct {
	CampaignID string
	ClientID   string
	// ClientIDs non-nil: only events of these clients (a scoped caller).
	// Events of no single client (ClientID "") are left out, and an empty
	// list matches nothing.
	ClientIDs []string
	// Kind is an exact kind ("approval.decided") or, ending in ".", a prefix
	// ("approval.").
	Kind  string
	Actor string
	Since time.Time // at or after Since, when set
	Until time.Time // before Until, when set
	// OldestFirst lists in the order events were recorded (a campaign's
	// trail); otherwise newest first.
	OldestFirst bool
	Limit       int // 0 means 50; at most 200
	PageToken   string
}

// AuditPage is one page of ListAudit; NextPageToken is empty on the last.
type AuditPage struct {
	Items         []AuditEvent
	NextPageToken string
}

const (
	defaultAuditLimit = 50
	maxAuditLimit     = 200
)

// AppendAudit records an event that happens outside a projection, such as a
// decision taken through the API. A DedupKey seen before leaves the stored
// event untouched, so a retried request records once. A zero At means now; an
// empty ClientID of a campaign's event is the campaign's client. Its text is
// made storable (text.go): an event must never fail on its detail. Inside
// Transaction it is written with the change it records, or not at all.
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

// ListAudit returns audit events one page at a time, by id: the order in
// which they were recorded, or its reverse. Keyset on id, so events recorded
// while someone pages through neither repeat nor shift the pages.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error) {
	limit, err := pageLimit(f.Limit, defaultAuditLimit, maxAuditLimit)
	if err != nil {
		return AuditPage{}, fmt.Errorf("store: unable to list audit events: %w", err)
	}
	q := s.conn(ctx).Model(&AuditEvent{})
	if f.CampaignID != "" {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	if f.ClientID != "" {
		q = q.Where("client_id = ?", f.ClientID)
	}
	if f.ClientIDs != nil {
		// Not byClient: "" is a real value here (an event of no single
		// client), which a scoped caller must not see.
		if len(f.ClientIDs) == 0 {
			return AuditPage{}, nil
		}
		q = q.Where("client_id IN ?", f.ClientIDs)
	}
	switch {
	case f.Kind == "":
	case f.Kind[len(f.Kind)-1] == '.':
		q = q.Where("substr(kind, 1, ?) = ?", utf8.RuneCountInString(f.Kind), f.Kind)
	default:
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", utc(f.Since))
	}
	if !f.Until.IsZero() {
		q = q.Where("at < ?", utc(f.Until))
	}
	order, after := "id DESC", "id < ?"
	if f.OldestFirst {
		order, after = "id", "id > ?"
	}
	if f.PageToken != "" {
		last, err := decodeAuditCursor(f.PageToken)
		if err != nil {
			return AuditPage{}, fmt.Errorf("store: unable to list audit events: %w", err)
		}
		q = q.Where(after, last)
	}
	var items []AuditEvent
	if err := q.Order(order).Limit(limit + 1).Find(&items).Error; err != nil {
		return AuditPage{}, fmt.Errorf("store: unable to list audit events: %w", err)
	}
	for i := range items {
		normalizeAuditEvent(&items[i])
	}
	var page AuditPage
	page.Items, page.NextPageToken = cutPage(items, limit, func(e *AuditEvent) cursor {
		return cursor{ID: strconv.FormatInt(e.ID, 10)}
	})
	return page, nil
}

// decodeAuditCursor reads the token of an audit page: the last id shown.
func decodeAuditCursor(token string) (int64, error) {
	id, err := decodeIDCursor(token)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: malformed page token", ErrInvalid)
	}
	return n, nil
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
	if err := fillAuditClients(db, events); err != nil {
		return err
	}
	return db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "dedup_key"}},
		DoNothing: true,
	}).Create(&events).Error
}

// fillAuditClients gives a campaign's events without a client their
// campaign's, so they are scoped like the campaign; an event of a campaign
// that is not on record keeps "" (seen only by callers of every client).
func fillAuditClients(db *gorm.DB, events []AuditEvent) error {
	clients := map[string]string{}
	for i := range events {
		e := &events[i]
		if e.ClientID != "" || e.CampaignID == "" {
			continue
		}
		client, ok := clients[e.CampaignID]
		if !ok {
			var found []string
			if err := db.Model(&Campaign{}).Where("id = ?", e.CampaignID).Limit(1).Pluck("client_id", &found).Error; err != nil {
				return fmt.Errorf("read the client of campaign %q: %w", e.CampaignID, err)
			}
			if len(found) > 0 {
				client = found[0]
			}
			clients[e.CampaignID] = client
		}
		e.ClientID = client
	}
	return nil
}
