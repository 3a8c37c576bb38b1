package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrOwned is a playbook name that another owner holds: a client's name cannot
// get versions from outside that client, and a shared name only from admins.
var ErrOwned = errors.New("store: playbook name owned by another client")

// RegisterPlaybook stores one version of a playbook for its owner p.Client (”
// = shared). The first registration of a name makes p.Client its owner; a
// version for another owner is refused with ErrOwned, wrapped with the owner.
// Versions are immutable:
// registering the same name and version again is a no-op when the Digest
// matches (so every process may register the built-in playbooks at start-up)
// and an ErrConflict when it does not. An empty Digest is computed from
// Source; an empty CreatedAt means now.
func (s *Store) RegisterPlaybook(ctx context.Context, p Playbook) (bool, error) {
	if p.Name == "" || p.Version < 1 {
		return false, fmt.Errorf("store: unable to register playbook: %w: a name and a version of at least 1 are required", ErrInvalid)
	}
	if p.Digest == "" {
		sum := sha256.Sum256([]byte(p.Source))
		p.Digest = hex.EncodeToString(sum[:])
	}
	p.CreatedAt = utcOr(p.CreatedAt, utc(time.Now()))
	owner, err := s.claimPlaybookName(ctx, p.Name, p.Client, p.CreatedAt)
	if err != nil {
		return false, err
	}
	if owner != p.Client {
		return false, fmt.Errorf("store: unable to register playbook %s v%d: %w (%s)", p.Name, p.Version, ErrOwned, describeOwner(owner))
	}

	// Insert-or-nothing, then compare, so that two processes registering the
	// same version at once both succeed without a lock.
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&p)
	if res.Error != nil {
		return false, fmt.Errorf("store: unable to register playbook %s v%d: %w", p.Name, p.Version, res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	existing, err := s.GetPlaybook(ctx, p.Name, p.Version)
	if err != nil {
		return false, fmt.Errorf("store: unable to register playbook %s v%d: %w", p.Name, p.Version, err)
	}
	if existing.Digest != p.Digest {
		return false, fmt.Errorf("store: unable to register playbook %s v%d: %w: already registered with digest %s, got %s",
			p.Name, p.Version, ErrConflict, existing.Digest, p.Digest)
	}
	return false, nil
}

// claimPlaybookName makes client the owner of name unless it has one, and
// returns the owner. Insert-or-nothing, then read, so two first registrations
// racing from different clients agree on one owner without a lock.
func (s *Store) claimPlaybookName(ctx context.Context, name, client string, at time.Time) (string, error) {
	db := s.conn(ctx)
	err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&PlaybookOwner{Name: name, ClientID: client, CreatedAt: at}).Error
	if err != nil {
		return "", fmt.Errorf("store: unable to claim playbook name %s: %w", name, err)
	}
	var o PlaybookOwner
	if err := db.Where("name = ?", name).Take(&o).Error; err != nil {
		return "", fmt.Errorf("store: unable to read the owner of playbook %s: %w", name, err)
	}
	return o.ClientID, nil
}

func describeOwner(client string) string {
	if client == "" {
		return "it is shared by every client"
	}
	return "it belongs to client " + client
}

// playbooks reads playbook rows with their owner.
func (s *Store) playbooks(ctx context.Context) *gorm.DB {
	return s.conn(ctx).Model(&Playbook{}).
		Select("playbooks.*, COALESCE(playbook_owners.client_id, '') AS client").
		Joins("LEFT JOIN playbook_owners ON playbook_owners.name = playbooks.name")
}

// GetPlaybook returns one version of a playbook; version 0 means the latest.
func (s *Store) GetPlaybook(ctx context.Context, name string, version int) (*Playbook, error) {
	var p Playbook
	q := s.playbooks(ctx).Where("playbooks.name = ?", name)
	if version != 0 {
		q = q.Where("playbooks.version = ?", version)
	}
	if err := q.Order("playbooks.version DESC").Take(&p).Error; err != nil {
		return nil, fmt.Errorf("store: unable to get playbook %s v%d: %w", name, version, notFoundOr(err))
	}
	normalizePlaybook(&p)
	return &p, nil
}

// ListPlaybooks returns every version of every playbook, by name then version.
func (s *Store) ListPlaybooks(ctx context.Context) ([]Playbook, error) {
	var list []Playbook
	if err := s.playbooks(ctx).Order("playbooks.name, playbooks.version").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("store: unable to list playbooks: %w", err)
	}
	for i := range list {
		normalizePlaybook(&list[i])
	}
	return list, nil
}
