package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The accounts a client acts through: one per (client, platform, handle), each
// naming the connector that acts on it, the team that owns it and the name of
// its credential. The API validates and normalises every field; the store keeps
// the handle as given, so uniqueness is as the API normalised it.

const (
	defaultAccountsLimit = 50
	maxAccountsLimit     = 200
)

// Account is one account of a client on a platform.
type Account struct {
	ID       string `gorm:"primaryKey;size:64"`
	ClientID string `gorm:"size:64;not null"`
	Platform string `gorm:"size:32;not null"`
	Handle   string `gorm:"size:300;not null"` // normalised by the API
	// Connector names the connector that acts on the account (sandbox, webhook, mastodon).
	Connector string `gorm:"size:64;not null"`
	Team      string `gorm:"size:64;not null;default:''"`
	// Credential is the name of the account's credential, never its value.
	Credential string `gorm:"size:64;not null;default:''"`
	// Endpoint is where the connector reaches the account: a webhook
	// receiver's URL, a Mastodon instance or a Bluesky PDS; "" for the
	// connector's default.
	Endpoint  string    `gorm:"size:500;not null;default:''"`
	CreatedAt time.Time `gorm:"not null"`
	// Set by the store, not by GORM, so a write returns the time it stored.
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

// TableName keeps the table's name independent of GORM's pluralisation.
func (Account) TableName() string { return "accounts" }

// AccountConflictError says an account could not be written because its id, or
// its (client, platform, handle), is already another account's. It is an
// ErrConflict.
type AccountConflictError struct {
	Field   string // "id" or "handle"
	Message string
}

func (e *AccountConflictError) Error() string { return e.Field + ": " + e.Message }
func (e *AccountConflictError) Unwrap() error { return ErrConflict }

// AccountFilter selects accounts of one client; empty fields do not filter.
type AccountFilter struct {
	ClientID  string // required
	Team      string
	Platform  string
	Limit     int // 0 means 50; at most 200
	PageToken string
}

// AccountsPage is one page of ListAccounts, by id; NextPageToken is empty on the last.
type AccountsPage struct {
	Items         []Account
	NextPageToken string
}

// CreateAccount adds a. Its times are set in a. A used id, or a handle the
// client already has on that platform, is an *AccountConflictError.
func (s *Store) CreateAccount(ctx context.Context, a *Account) error {
	if err := checkAccount(a); err != nil {
		return fmt.Errorf("store: unable to create account: %w", err)
	}
	now := utc(time.Now())
	a.CreatedAt, a.UpdatedAt = now, now
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Account{}).Where("id = ?", a.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &AccountConflictError{Field: "id", Message: fmt.Sprintf("account %s already exists", a.ID)}
		}
		if err := handleFree(tx, a); err != nil {
			return err
		}
		return tx.Create(a).Error
	})
	if err != nil {
		return fmt.Errorf("store: unable to create account %q: %w", a.ID, accountConflictOr(err, a))
	}
	return nil
}

// GetAccount returns account id of client, or ErrNotFound (also when the
// account is another client's).
func (s *Store) GetAccount(ctx context.Context, client, id string) (*Account, error) {
	var a Account
	if err := s.conn(ctx).Where("client_id = ? AND id = ?", client, id).Take(&a).Error; err != nil {
		return nil, fmt.Errorf("store: unable to get account %q: %w", id, notFoundOr(err))
	}
	normalizeAccount(&a)
	return &a, nil
}

// ListAccounts returns a client's accounts by id, one page at a time.
func (s *Store) ListAccounts(ctx context.Context, f AccountFilter) (AccountsPage, error) {
	limit, err := pageLimit(f.Limit, defaultAccountsLimit, maxAccountsLimit)
	if err != nil {
		return AccountsPage{}, fmt.Errorf("store: unable to list accounts: %w", err)
	}
	if f.ClientID == "" {
		return AccountsPage{}, fmt.Errorf("store: unable to list accounts: %w: a client is required", ErrInvalid)
	}
	q := s.conn(ctx).Model(&Account{}).Where("client_id = ?", f.ClientID)
	if f.Team != "" {
		q = q.Where("team = ?", f.Team)
	}
	if f.Platform != "" {
		q = q.Where("platform = ?", f.Platform)
	}
	if f.PageToken != "" {
		after, err := decodeIDCursor(f.PageToken)
		if err != nil {
			return AccountsPage{}, fmt.Errorf("store: unable to list accounts: %w", err)
		}
		q = q.Where("id > ?", after)
	}
	var items []Account
	if err := q.Order("id").Limit(limit + 1).Find(&items).Error; err != nil {
		return AccountsPage{}, fmt.Errorf("store: unable to list accounts: %w", err)
	}
	for i := range items {
		normalizeAccount(&items[i])
	}
	var page AccountsPage
	page.Items, page.NextPageToken = cutPage(items, limit, func(a *Account) cursor { return cursor{ID: a.ID} })
	return page, nil
}

// UpdateAccount replaces account a.ID of a.ClientID with a, keeping only its
// creation time; a gets the stored times. An account of another client is
// ErrNotFound; a handle the client already has on that platform is an
// *AccountConflictError.
func (s *Store) UpdateAccount(ctx context.Context, a *Account) error {
	if err := checkAccount(a); err != nil {
		return fmt.Errorf("store: unable to update account: %w", err)
	}
	a.UpdatedAt = utc(time.Now())
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		var old Account
		if err := tx.Where("client_id = ? AND id = ?", a.ClientID, a.ID).Take(&old).Error; err != nil {
			return notFoundOr(err)
		}
		if err := handleFree(tx, a); err != nil {
			return err
		}
		a.CreatedAt = utc(old.CreatedAt)
		return tx.Model(&Account{}).Where("id = ?", a.ID).
			Select("platform", "handle", "connector", "team", "credential", "endpoint", "updated_at").Updates(a).Error
	})
	if err != nil {
		return fmt.Errorf("store: unable to update account %q: %w", a.ID, accountConflictOr(err, a))
	}
	return nil
}

// DeleteAccount removes account id of client, or says ErrNotFound.
func (s *Store) DeleteAccount(ctx context.Context, client, id string) error {
	res := s.conn(ctx).Where("client_id = ? AND id = ?", client, id).Delete(&Account{})
	if res.Error != nil {
		return fmt.Errorf("store: unable to delete account %q: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: unable to delete account %q: %w", id, ErrNotFound)
	}
	return nil
}

// handleFree refuses a when its client already has its handle on its platform
// under another id. The unique index is the last word between two concurrent
// writers (accountConflictOr); this says which field, in the common case.
func handleFree(tx *gorm.DB, a *Account) error {
	var n int64
	if err := tx.Model(&Account{}).Where("client_id = ? AND platform = ? AND handle = ? AND id <> ?",
		a.ClientID, a.Platform, a.Handle, a.ID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return handleTaken(a)
	}
	return nil
}

func handleTaken(a *Account) *AccountConflictError {
	return &AccountConflictError{Field: "handle",
		Message: fmt.Sprintf("client %s already has account %s on %s", a.ClientID, a.Handle, a.Platform)}
}

// accountConflictOr turns a unique-index violation (a concurrent writer won)
// into the typed conflict.
func accountConflictOr(err error, a *Account) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("%w: %w", handleTaken(a), err)
	}
	return err
}

// checkAccount checks what the store itself relies on; the API validates the rest.
func checkAccount(a *Account) error {
	if a == nil || a.ID == "" || a.ClientID == "" || a.Platform == "" || a.Handle == "" || a.Connector == "" {
		return fmt.Errorf("%w: an account needs an id, a client, a platform, a handle and a connector", ErrInvalid)
	}
	return nil
}

func normalizeAccount(a *Account) {
	a.CreatedAt = utc(a.CreatedAt)
	a.UpdatedAt = utc(a.UpdatedAt)
}
