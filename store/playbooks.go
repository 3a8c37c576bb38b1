package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// RegisterPlaybook stores one version of a playbook. Versions are immutable:
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

// GetPlaybook returns one version of a playbook; version 0 means the latest.
func (s *Store) GetPlaybook(ctx context.Context, name string, version int) (*Playbook, error) {
	var p Playbook
	q := s.conn(ctx).Where("name = ?", name)
	if version != 0 {
		q = q.Where("version = ?", version)
	}
	if err := q.Order("version DESC").Take(&p).Error; err != nil {
		return nil, fmt.Errorf("store: unable to get playbook %s v%d: %w", name, version, notFoundOr(err))
	}
	normalizePlaybook(&p)
	return &p, nil
}

// ListPlaybooks returns every version of every playbook, by name then version.
func (s *Store) ListPlaybooks(ctx context.Context) ([]Playbook, error) {
	var list []Playbook
	if err := s.conn(ctx).Order("name, version").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("store: unable to list playbooks: %w", err)
	}
	for i := range list {
		normalizePlaybook(&list[i])
	}
	return list, nil
}
