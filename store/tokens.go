package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// TokenPrefix starts every API token's secret, so a leaked one is recognisable
// by secret scanners and people alike.
const TokenPrefix = "glt_"

// tokenEncoding is lower-case base32 without padding: the secret survives
// shells, URLs and copy-paste without quoting.
var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// HashToken is how a token's secret is stored and looked up: sha256, hex. The
// secret has 160 random bits, so a fast unsalted hash is enough.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ClientList decodes the token's client scope; empty means every client.
func (t *APIToken) ClientList() []string {
	var list []string
	_ = json.Unmarshal([]byte(t.Clients), &list)
	return list
}

// ApprovalRoleList decodes the approver roles the token's holder decides in.
func (t *APIToken) ApprovalRoleList() []string {
	var list []string
	_ = json.Unmarshal([]byte(t.ApprovalRoles), &list)
	return list
}

// Revoked says whether the token no longer authenticates.
func (t *APIToken) Revoked() bool { return t.RevokedAt != nil }

// AuditDetail is what the audit log keeps of the token: who holds it and what
// it may do, as a JSON object; never its secret or its hash.
func (t *APIToken) AuditDetail() json.RawMessage {
	clients, roles, person := t.ClientList(), t.ApprovalRoleList(), ""
	if clients == nil {
		clients = []string{}
	}
	if roles == nil {
		roles = []string{}
	}
	if t.PersonID != nil {
		person = *t.PersonID
	}
	b, _ := json.Marshal(map[string]any{
		"token": t.ID, "name": t.Name, "role": t.Role, "clients": clients, "approval_roles": roles, "person": person,
		"team": t.Team,
	})
	return b
}

// TokenSpec is what a new token is: who holds it and what it may do.
type TokenSpec struct {
	// Name is who the token acts as; a person's token is named after the
	// person, so Name is then empty or the person's id.
	Name string
	Role string
	// Clients scope the token; empty means every client.
	Clients []string
	// ApprovalRoles are the approver roles its holder decides in (nil: none);
	// a person's token decides in the person's, so has none of its own.
	ApprovalRoles []string
	// Team is the team whose accounts the holder's campaigns may act on (""
	// for none); a person's token takes the person's, so Team is then empty
	// or the person's team.
	Team string
}

// TokenTeamError refuses a token for a person that names a team other than
// the person's: the holder acts as the person, so the two never disagree. It
// is an ErrInvalid.
type TokenTeamError struct {
	PersonID, PersonTeam, Team string
}

func (e *TokenTeamError) Error() string {
	team := e.PersonTeam
	if team == "" {
		team = "none"
	}
	return fmt.Sprintf("a token of person %s has the person's team (%s), not %s", e.PersonID, team, e.Team)
}
func (e *TokenTeamError) Unwrap() error { return ErrInvalid }

// CreateToken stores a new token and returns it with its secret, which is never
// stored and cannot be shown again.
func (s *Store) CreateToken(ctx context.Context, spec TokenSpec) (*APIToken, string, error) {
	t, secret, err := newToken(spec)
	if err != nil {
		return nil, "", err
	}
	if err := s.conn(ctx).Create(t).Error; err != nil {
		return nil, "", fmt.Errorf("store: unable to create token %q: %w", spec.Name, conflictOr(err))
	}
	return t, secret, nil
}

// CreateTokenFor stores a new token that belongs to person personID: its name
// is the person's id, its team the person's, and it holds no approval roles
// of its own (its holder decides in the person's roles). ErrNotFound when
// there is no such person, a *TokenTeamError when spec names another team.
// The check and the write hold the people lock, so a person being deleted
// gets no new token and one changing team gets none of the old team.
func (s *Store) CreateTokenFor(ctx context.Context, personID string, spec TokenSpec) (*APIToken, string, error) {
	if (spec.Name != "" && spec.Name != personID) || len(spec.ApprovalRoles) > 0 {
		return nil, "", fmt.Errorf("store: unable to create a token for person %q: %w: it is named after the person and decides in the person's roles", personID, ErrInvalid)
	}
	spec.Name = personID
	t, secret, err := newToken(spec)
	if err != nil {
		return nil, "", err
	}
	t.PersonID = &personID
	err = s.writePeople(ctx, func(tx *gorm.DB) error {
		p, err := personWithin(tx, personID, nil)
		if err != nil {
			return err
		}
		if spec.Team != "" && spec.Team != p.Team {
			return &TokenTeamError{PersonID: p.ID, PersonTeam: p.Team, Team: spec.Team}
		}
		t.Team = p.Team
		return tx.Create(t).Error
	})
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to create a token for person %q: %w", personID, conflictOr(err))
	}
	return t, secret, nil
}

// newToken makes a token row and its secret.
func newToken(spec TokenSpec) (*APIToken, string, error) {
	name, role := strings.TrimSpace(spec.Name), strings.TrimSpace(spec.Role)
	if name == "" || role == "" {
		return nil, "", fmt.Errorf("store: unable to create token: %w: name and role are required", ErrInvalid)
	}
	clients, approvalRoles := spec.Clients, spec.ApprovalRoles
	if clients == nil {
		clients = []string{}
	}
	if approvalRoles == nil {
		approvalRoles = []string{}
	}
	scope, err := json.Marshal(clients)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to encode token clients: %w", err)
	}
	roles, err := json.Marshal(approvalRoles)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to encode token approval roles: %w", err)
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", fmt.Errorf("store: unable to generate a token: %w", err)
	}
	secret := TokenPrefix + strings.ToLower(tokenEncoding.EncodeToString(raw))
	idRaw := make([]byte, 8)
	if _, err := rand.Read(idRaw); err != nil {
		return nil, "", fmt.Errorf("store: unable to generate a token id: %w", err)
	}
	t := &APIToken{
		ID: "tok_" + hex.EncodeToString(idRaw), Name: name, Hash: HashToken(secret), Role: role,
		Clients: string(scope), ApprovalRoles: string(roles), Team: spec.Team, CreatedAt: utc(time.Now()),
	}
	return t, secret, nil
}

// TokenByHash finds the token whose secret hashes to hash, revoked or not: the
// caller decides what a revoked token means.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*APIToken, error) {
	// The hash is not named in errors: it stands for the secret.
	return s.takeToken(ctx, "hash = ?", hash, "")
}

// GetToken finds a token by id, revoked or not.
func (s *Store) GetToken(ctx context.Context, id string) (*APIToken, error) {
	var t APIToken
	err := s.conn(ctx).Where("id = ?", id).Take(&t).Error
	if err != nil {
		return nil, fmt.Errorf("store: unable to get token %q: %w", id, notFoundOr(err))
	}
	normalizeToken(&t)
	return &t, nil
}

// ListTokens lists every token, oldest first; secrets are not stored, so none is shown.
func (s *Store) ListTokens(ctx context.Context) ([]APIToken, error) {
	var list []APIToken
	if err := s.conn(ctx).Order("created_at, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("store: unable to list tokens: %w", err)
	}
	for i := range list {
		normalizeToken(&list[i])
	}
	return list, nil
}

// RevokeToken stops token id from authenticating; revoking twice keeps the
// first revocation time.
func (s *Store) RevokeToken(ctx context.Context, id string) (*APIToken, error) {
	var t APIToken
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&t).Error; err != nil {
			return err
		}
		if t.RevokedAt != nil {
			return nil
		}
		now := utc(time.Now())
		t.RevokedAt = &now
		return tx.Model(&APIToken{}).Where("id = ?", id).Update("revoked_at", now).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("store: unable to revoke token %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to revoke token %q: %w", id, err)
	}
	normalizeToken(&t)
	return &t, nil
}

// TouchToken records that token id was used. It writes at most once a minute
// per token, so authenticated reads do not each become a write.
func (s *Store) TouchToken(ctx context.Context, id string) error {
	now := utc(time.Now())
	err := s.conn(ctx).Model(&APIToken{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, now.Add(-time.Minute)).
		Update("last_used_at", now).Error
	if err != nil {
		return fmt.Errorf("store: unable to record the use of token %q: %w", id, err)
	}
	return nil
}

// HasAdminToken says whether any unrevoked admin token exists, so a bootstrap
// can refuse to mint a second one behind the API's back.
func (s *Store) HasAdminToken(ctx context.Context, adminRole string) (bool, error) {
	var n int64
	if err := s.conn(ctx).Model(&APIToken{}).Where("role = ? AND revoked_at IS NULL", adminRole).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: unable to count admin tokens: %w", err)
	}
	return n > 0, nil
}

func normalizeToken(t *APIToken) {
	t.CreatedAt = utc(t.CreatedAt)
	t.RevokedAt = utcPtr(t.RevokedAt)
	t.LastUsedAt = utcPtr(t.LastUsedAt)
}

// TokenByID finds a token by its id, revoked or not.
func (s *Store) TokenByID(ctx context.Context, id string) (*APIToken, error) {
	return s.takeToken(ctx, "id = ?", id, " "+id)
}

// takeToken reads the one token where holds; named goes into errors.
func (s *Store) takeToken(ctx context.Context, where, arg, named string) (*APIToken, error) {
	var t APIToken
	err := s.conn(ctx).Where(where, arg).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("store: unable to find token%s: %w", named, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read token%s: %w", named, err)
	}
	normalizeToken(&t)
	return &t, nil
}
