package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/greenlight/greenlight/api"
)

// A campaign holds the client accounts it acts on. A hold is written with the
// campaign row, in the same transaction, and lasts as long as the campaign is
// not finished: whether a hold is active is read from the campaign's status,
// so no release can be forgotten. At any moment the active, granted holds on
// one account belong to one team only; a hold on another team's account waits
// (not granted) until that team approves, and is granted only if the account
// is still free of every other team's campaigns then.

// holdsLockClass namespaces the locks that serialise hold writes on one
// account (ASCII "GLho").
const holdsLockClass = 0x474c686f

// lockAccounts takes, on PostgreSQL, the transaction's hold lock of each
// account, in id order so two launches never wait on each other crosswise.
// SQLite needs none: every write transaction takes its one write lock.
func lockAccounts(tx *gorm.DB, dialect string, ids ...string) error {
	if dialect != DialectPostgres {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?, hashtext(coalesce(current_schema(), '') || ':' || ?))", holdsLockClass, id).Error; err != nil {
			return fmt.Errorf("lock account %s: %w", id, err)
		}
	}
	return nil
}

// AccountHold is a campaign's hold on one account.
type AccountHold struct {
	CampaignID string `gorm:"primaryKey;size:64"`
	AccountID  string `gorm:"primaryKey;size:64;index:idx_account_holds_account"`
	ClientID   string `gorm:"size:64;not null"`
	// Team is the campaign's team: the team the hold acts for.
	Team string `gorm:"size:64;not null;default:''"`
	// Granted is false while the account's owning team has not said yes.
	Granted bool `gorm:"not null"`
	// AwaitStep is the approval step whose yes grants a waiting hold.
	AwaitStep string    `gorm:"size:100;not null;default:''"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table's name independent of GORM's pluralisation.
func (AccountHold) TableName() string { return "account_holds" }

// HoldConflictError says a campaign may not hold an account: the account
// belongs to another team (and the playbook does not ask that team), or
// campaigns of another team hold it. It is an ErrConflict.
type HoldConflictError struct {
	AccountID string
	Platform  string
	Handle    string
	Owner     string   // the account's team; "" for none
	Team      string   // the team that asked for it
	Campaigns []string // the campaigns of other teams that hold it now
	Reason    string
}

func (e *HoldConflictError) Error() string {
	msg := fmt.Sprintf("account %s (%s %s) %s", e.AccountID, e.Platform, e.Handle, e.Reason)
	if len(e.Campaigns) > 0 {
		msg += "; held by campaign " + strings.Join(e.Campaigns, ", ")
	}
	return msg
}

// Unwrap makes it an ErrConflict.
func (e *HoldConflictError) Unwrap() error { return ErrConflict }

// HoldRequest is one account a launch asks to hold; Await names the owner
// approval step for another team's account, "" to hold it at once.
type HoldRequest struct {
	Account Account
	Await   string
}

// CreateCampaignHolding creates c, as CreateCampaign does, together with its
// holds on the accounts in holds, in one transaction: either the campaign and
// every hold are written, or nothing is. It fails with a *HoldConflictError
// when an account is another team's and its request awaits no approval, or
// when a campaign of another team holds it granted.
func (s *Store) CreateCampaignHolding(ctx context.Context, c *Campaign, team string, holds []HoldRequest) error {
	if len(holds) == 0 {
		return s.CreateCampaign(ctx, c)
	}
	ids := make([]string, 0, len(holds))
	for _, h := range holds {
		ids = append(ids, h.Account.ID)
	}
	return s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockAccounts(tx, s.dialect, ids...); err != nil {
			return err
		}
		now := utc(time.Now())
		for _, h := range holds {
			others, err := holders(tx, h.Account.ID, team)
			if err != nil {
				return err
			}
			if h.Account.Team != "" && h.Account.Team != team && h.Await == "" {
				return &HoldConflictError{AccountID: h.Account.ID, Platform: h.Account.Platform, Handle: h.Account.Handle,
					Owner: h.Account.Team, Team: team, Campaigns: others,
					Reason: "belongs to " + teamName(h.Account.Team) + ", not " + teamName(team)}
			}
			if len(others) > 0 && h.Await == "" {
				return &HoldConflictError{AccountID: h.Account.ID, Platform: h.Account.Platform, Handle: h.Account.Handle,
					Owner: h.Account.Team, Team: team, Campaigns: others, Reason: "is held by another team"}
			}
		}
		if err := (&Store{db: tx, sqlDB: s.sqlDB, dialect: s.dialect}).CreateCampaign(ctx, c); err != nil {
			return err
		}
		for _, h := range holds {
			row := AccountHold{CampaignID: c.ID, AccountID: h.Account.ID, ClientID: c.ClientID, Team: team,
				Granted: h.Await == "", AwaitStep: h.Await, CreatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return fmt.Errorf("store: unable to hold account %s: %w", h.Account.ID, err)
			}
		}
		return nil
	})
}

// ClaimHold is checked before every action a campaign takes on an account:
// the campaign's hold must exist and, once granted, no campaign of another
// team may hold the account. A waiting hold whose owner approved (granted
// true) is granted here, if the account is free of other teams. Refusals are
// *HoldConflictError; a campaign without a hold on the account is ErrNotFound.
func (s *Store) ClaimHold(ctx context.Context, campaignID, accountID string, granted bool) error {
	return s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockAccounts(tx, s.dialect, accountID); err != nil {
			return err
		}
		var h AccountHold
		if err := tx.Where("campaign_id = ? AND account_id = ?", campaignID, accountID).Take(&h).Error; err != nil {
			return fmt.Errorf("store: campaign %s has no hold on account %s: %w", campaignID, accountID, notFoundOr(err))
		}
		var a Account
		if err := tx.Where("id = ?", accountID).Take(&a).Error; err != nil {
			return fmt.Errorf("store: unable to read account %s: %w", accountID, notFoundOr(err))
		}
		if !h.Granted && !granted {
			return &HoldConflictError{AccountID: a.ID, Platform: a.Platform, Handle: a.Handle, Owner: a.Team, Team: h.Team,
				Reason: "waits for " + teamName(a.Team) + " to approve"}
		}
		others, err := holders(tx, accountID, h.Team)
		if err != nil {
			return err
		}
		if len(others) > 0 {
			return &HoldConflictError{AccountID: a.ID, Platform: a.Platform, Handle: a.Handle, Owner: a.Team, Team: h.Team,
				Campaigns: others, Reason: "is held by another team"}
		}
		if h.Granted {
			return nil
		}
		return tx.Model(&AccountHold{}).Where("campaign_id = ? AND account_id = ?", campaignID, accountID).
			Update("granted", true).Error
	})
}

// HoldsOf returns a campaign's holds by account id.
func (s *Store) HoldsOf(ctx context.Context, campaignID string) ([]AccountHold, error) {
	var hs []AccountHold
	if err := s.conn(ctx).Where("campaign_id = ?", campaignID).Order("account_id").Find(&hs).Error; err != nil {
		return nil, fmt.Errorf("store: unable to read the holds of campaign %s: %w", campaignID, err)
	}
	for i := range hs {
		hs[i].CreatedAt = utc(hs[i].CreatedAt)
	}
	return hs, nil
}

// Holders returns the unfinished campaigns holding account id (granted or
// waiting), by campaign id, for the account's view and for refusals.
func (s *Store) Holders(ctx context.Context, accountID string) ([]AccountHold, error) {
	var hs []AccountHold
	err := s.conn(ctx).Model(&AccountHold{}).
		Joins("JOIN campaigns ON campaigns.id = account_holds.campaign_id").
		Where("account_holds.account_id = ? AND campaigns.status NOT IN ?", accountID, finishedStatuses).
		Order("account_holds.campaign_id").Find(&hs).Error
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the holders of account %s: %w", accountID, err)
	}
	return hs, nil
}

var finishedStatuses = []string{api.StatusCompleted, api.StatusFailed, api.StatusCanceled}

// holders lists the unfinished campaigns that hold account id granted for
// a team other than team, by campaign id.
func holders(tx *gorm.DB, accountID, team string) ([]string, error) {
	var hs []AccountHold
	err := tx.Model(&AccountHold{}).
		Joins("JOIN campaigns ON campaigns.id = account_holds.campaign_id").
		Where("account_holds.account_id = ? AND account_holds.granted = ? AND campaigns.status NOT IN ?",
			accountID, true, finishedStatuses).
		Order("account_holds.campaign_id").Find(&hs).Error
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the holders of account %s: %w", accountID, err)
	}
	var ids []string
	for _, h := range hs {
		if h.Team != team {
			ids = append(ids, h.CampaignID)
		}
	}
	return ids, nil
}

func teamName(team string) string {
	if team == "" {
		return "no team"
	}
	return "team " + team
}

// IsHoldConflict returns the hold conflict in err's chain.
func IsHoldConflict(err error) (*HoldConflictError, bool) {
	var hc *HoldConflictError
	ok := errors.As(err, &hc)
	return hc, ok
}
