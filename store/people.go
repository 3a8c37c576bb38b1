package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/greenlight/greenlight/api"
)

// The directory of people: who approvals are delivered to (PeopleFor) and who
// a decision arriving through a channel is recorded as (PersonBySlackUser).
// Every write takes the people lock (peopleLockClass) and checks what it
// depends on inside its transaction: that an id is free, that a Slack user is
// nobody else's, that no live token still belongs to a person being deleted
// (CreateTokenFor takes the same lock), so no two writers interleave.

// peopleLockClass namespaces the directory's advisory lock (the ASCII of
// "GLpp"); see advisoryLock.
const peopleLockClass = 0x474c7070

const (
	defaultPeopleLimit = 50
	maxPeopleLimit     = 200
)

// DefaultTimeZone is a person's time zone when none is given.
const DefaultTimeZone = "UTC"

// PersonConflictError says a person could not be written because something
// it claims already belongs to someone: its id, or one of its Slack users
// (each Slack user is one person, or a click in Slack could not say who
// decided). It is an ErrConflict.
type PersonConflictError struct {
	Field   string // "id" or "channels"
	Message string
}

func (e *PersonConflictError) Error() string { return e.Field + ": " + e.Message }
func (e *PersonConflictError) Unwrap() error { return ErrConflict }

// PersonHasTokensError refuses to delete a person while tokens that act as the
// person still work; revoked tokens do not count. It is an ErrConflict.
type PersonHasTokensError struct {
	PersonID string
	Tokens   []string // ids of the live tokens, sorted
}

func (e *PersonHasTokensError) Error() string {
	return fmt.Sprintf("person %s still has %d live token(s) (%s): revoke them first",
		e.PersonID, len(e.Tokens), strings.Join(e.Tokens, ", "))
}
func (e *PersonHasTokensError) Unwrap() error { return ErrConflict }

// PeopleFilter selects people; empty fields do not filter.
type PeopleFilter struct {
	ClientID string // people of this client (among others)
	// ClientIDs non-nil: only people all of whose clients are among these (a
	// scoped caller); empty matches nothing.
	ClientIDs []string
	Role      string // people holding this approver role
	Limit     int    // 0 means 50; at most 200
	PageToken string
}

// PeoplePage is one page of ListPeople, by id; NextPageToken is empty on the last.
type PeoplePage struct {
	Items         []Person
	NextPageToken string
}

// CreatePerson adds p to the directory. Its times are set, and empty lists and
// time zone filled, in p. A used id or a Slack user already someone else's is
// a *PersonConflictError.
func (s *Store) CreatePerson(ctx context.Context, p *Person) error {
	if err := preparePerson(p); err != nil {
		return fmt.Errorf("store: unable to create person: %w", err)
	}
	now := utc(time.Now())
	p.CreatedAt, p.UpdatedAt = now, now
	err := s.writePeople(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Person{}).Where("id = ?", p.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &PersonConflictError{Field: "id", Message: fmt.Sprintf("person %s already exists", p.ID)}
		}
		if err := s.slackUsersFree(tx, p); err != nil {
			return err
		}
		return tx.Create(p).Error
	})
	if err != nil {
		return fmt.Errorf("store: unable to create person %q: %w", p.ID, conflictOr(err))
	}
	return nil
}

// GetPerson returns the person or ErrNotFound.
func (s *Store) GetPerson(ctx context.Context, id string) (*Person, error) {
	var p Person
	if err := s.conn(ctx).Where("id = ?", id).Take(&p).Error; err != nil {
		return nil, fmt.Errorf("store: unable to get person %q: %w", id, notFoundOr(err))
	}
	normalizePerson(&p)
	return &p, nil
}

// ListPeople returns people by id, one page at a time.
func (s *Store) ListPeople(ctx context.Context, f PeopleFilter) (PeoplePage, error) {
	limit, err := pageLimit(f.Limit, defaultPeopleLimit, maxPeopleLimit)
	if err != nil {
		return PeoplePage{}, fmt.Errorf("store: unable to list people: %w", err)
	}
	q := s.conn(ctx).Model(&Person{})
	if f.ClientID != "" {
		q = q.Where(s.holdsAny("people.clients"), []string{f.ClientID})
	}
	if f.ClientIDs != nil {
		// Not byClient: a person has several clients, and a scoped caller sees
		// only those whose every client is in its scope. "" keeps the list
		// valid SQL and is never a client, as there.
		q = q.Where("NOT EXISTS (SELECT 1 FROM "+s.listElements("people.clients", false)+" WHERE value NOT IN ?)",
			append([]string{""}, f.ClientIDs...))
	}
	if f.Role != "" {
		q = q.Where(s.holdsAny("people.roles"), []string{f.Role})
	}
	if f.PageToken != "" {
		after, err := decodeIDCursor(f.PageToken)
		if err != nil {
			return PeoplePage{}, fmt.Errorf("store: unable to list people: %w", err)
		}
		q = q.Where("id > ?", after)
	}
	var items []Person
	if err := q.Order("id").Limit(limit + 1).Find(&items).Error; err != nil {
		return PeoplePage{}, fmt.Errorf("store: unable to list people: %w", err)
	}
	for i := range items {
		normalizePerson(&items[i])
	}
	var page PeoplePage
	page.Items, page.NextPageToken = cutPage(items, limit, func(p *Person) cursor { return cursor{ID: p.ID} })
	return page, nil
}

// UpdatePerson replaces the person p.ID with p, keeping only its creation
// time; p gets the stored times. It returns the person as it was, read under
// the same lock as the write, so what a caller checks against it (that a team
// did not change, say) cannot have changed meanwhile. With scope non-nil (a
// scoped caller) a person with a client outside scope is ErrNotFound, checked
// in the same transaction as the write; where p moves to is the caller's to
// check. A Slack user already someone else's is a *PersonConflictError. The
// person's tokens take the person's team, so a token never disagrees with the
// person it acts as.
func (s *Store) UpdatePerson(ctx context.Context, p *Person, scope []string) (*Person, error) {
	if err := preparePerson(p); err != nil {
		return nil, fmt.Errorf("store: unable to update person: %w", err)
	}
	p.UpdatedAt = utc(time.Now())
	var old *Person
	err := s.writePeople(ctx, func(tx *gorm.DB) error {
		var err error
		if old, err = personWithin(tx, p.ID, scope); err != nil {
			return err
		}
		if err := s.slackUsersFree(tx, p); err != nil {
			return err
		}
		p.CreatedAt = old.CreatedAt
		err = tx.Model(&Person{}).Where("id = ?", p.ID).
			Select("name", "clients", "roles", "channels", "time_zone", "team", "updated_at").Updates(p).Error
		if err != nil || old.Team == p.Team {
			return err
		}
		return tx.Model(&APIToken{}).Where("person_id = ?", p.ID).Update("team", p.Team).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to update person %q: %w", p.ID, err)
	}
	return old, nil
}

// DeletePerson removes person id. It refuses with a *PersonHasTokensError while
// unrevoked tokens belong to the person; revoked ones keep naming the id. With
// scope non-nil, a person with a client outside scope is ErrNotFound.
func (s *Store) DeletePerson(ctx context.Context, id string, scope []string) error {
	err := s.writePeople(ctx, func(tx *gorm.DB) error {
		if _, err := personWithin(tx, id, scope); err != nil {
			return err
		}
		var live []string
		if err := tx.Model(&APIToken{}).Where("person_id = ? AND revoked_at IS NULL", id).
			Order("id").Pluck("id", &live).Error; err != nil {
			return err
		}
		if len(live) > 0 {
			return &PersonHasTokensError{PersonID: id, Tokens: live}
		}
		return tx.Where("id = ?", id).Delete(&Person{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: unable to delete person %q: %w", id, err)
	}
	return nil
}

// PeopleFor is who an approval of client reaches: the client's people named
// by id among approvers, holding one of their roles or in one of their teams
// (an owning team's approval), or, with no approvers
// (anyone may decide), every person of the client. By id.
func (s *Store) PeopleFor(ctx context.Context, client string, approvers []api.Approver) ([]Person, error) {
	q := s.conn(ctx).Model(&Person{}).Where(s.holdsAny("people.clients"), []string{client})
	if len(approvers) > 0 {
		// "" is never an id or a role, and keeps both IN lists valid SQL.
		ids, roles, teams := []string{""}, []string{""}, []string{""}
		for _, a := range approvers {
			if a.ID != "" {
				ids = append(ids, a.ID)
			}
			if a.Role != "" {
				roles = append(roles, a.Role)
			}
			if a.Team != "" {
				teams = append(teams, a.Team)
			}
		}
		q = q.Where(s.db.Where("id IN ?", ids).Or(s.holdsAny("people.roles"), roles).Or("team IN ? AND team <> ''", teams))
	}
	var people []Person
	if err := q.Order("id").Find(&people).Error; err != nil {
		return nil, fmt.Errorf("store: unable to find the people of client %q for an approval: %w", client, err)
	}
	for i := range people {
		normalizePerson(&people[i])
	}
	return people, nil
}

// PersonBySlackUser is the person one of whose channels is Slack user
// slackUserID, or ErrNotFound.
func (s *Store) PersonBySlackUser(ctx context.Context, slackUserID string) (*Person, error) {
	var p Person
	err := s.slackUser(s.conn(ctx), slackUserID).Order("id").Take(&p).Error
	if err != nil {
		return nil, fmt.Errorf("store: unable to find the person of Slack user %q: %w", slackUserID, notFoundOr(err))
	}
	normalizePerson(&p)
	return &p, nil
}

// writePeople runs fn in a transaction that holds the people lock.
func (s *Store) writePeople(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := advisoryLock(tx, s.dialect, peopleLockClass); err != nil {
			return err
		}
		return fn(tx)
	})
}

// personWithin reads person id for a write, as ErrNotFound when scope is
// non-nil and the person has a client outside it.
func personWithin(tx *gorm.DB, id string, scope []string) (*Person, error) {
	var p Person
	if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
		return nil, notFoundOr(err)
	}
	if scope != nil && slices.ContainsFunc(p.Clients, func(c string) bool { return !slices.Contains(scope, c) }) {
		return nil, ErrNotFound
	}
	normalizePerson(&p)
	return &p, nil
}

// slackUsersFree refuses p when one of its Slack users is another person's.
func (s *Store) slackUsersFree(tx *gorm.DB, p *Person) error {
	for _, ch := range p.Channels {
		if ch.Kind != api.ChannelKindSlack {
			continue
		}
		var n int64
		if err := s.slackUser(tx.Model(&Person{}), ch.Address).Where("id <> ?", p.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &PersonConflictError{Field: "channels", Message: fmt.Sprintf("Slack user %s is already another person's", ch.Address)}
		}
	}
	return nil
}

// slackUser narrows q to people with Slack user id among their channels.
func (s *Store) slackUser(q *gorm.DB, id string) *gorm.DB {
	return q.Where("EXISTS (SELECT 1 FROM "+s.listElements("people.channels", true)+
		" WHERE value ->> 'kind' = ? AND value ->> 'address' = ?)", api.ChannelKindSlack, id)
}

// holdsAny is a condition: the JSON list of strings in col has an element
// among the list given as its one argument.
func (s *Store) holdsAny(col string) string {
	return "EXISTS (SELECT 1 FROM " + s.listElements(col, false) + " WHERE value IN ?)"
}

// listElements is a FROM item over the JSON list in the TEXT column col, one
// row per element in a column named value: the element's text for a list of
// strings, the element itself for a list of objects (read a field with
// value ->> 'field', which both dialects understand).
func (s *Store) listElements(col string, objects bool) string {
	switch {
	case s.dialect != DialectPostgres:
		return "json_each(" + col + ")"
	case objects:
		return "jsonb_array_elements(" + col + "::jsonb) AS e(value)"
	}
	return "jsonb_array_elements_text(" + col + "::jsonb) AS e(value)"
}

// preparePerson checks what the store itself relies on (the API validates the
// rest) and fills what may be left out.
func preparePerson(p *Person) error {
	if p == nil || p.ID == "" || strings.TrimSpace(p.Name) == "" || len(p.Clients) == 0 {
		return fmt.Errorf("%w: a person needs an id, a name and at least one client", ErrInvalid)
	}
	fillPersonLists(p)
	if p.TimeZone == "" {
		p.TimeZone = DefaultTimeZone
	}
	return nil
}

func normalizePerson(p *Person) {
	p.CreatedAt = utc(p.CreatedAt)
	p.UpdatedAt = utc(p.UpdatedAt)
	fillPersonLists(p)
}

// fillPersonLists makes absent lists empty ones, which are stored and shown as [].
func fillPersonLists(p *Person) {
	if p.Clients == nil {
		p.Clients = []string{}
	}
	if p.Roles == nil {
		p.Roles = []string{}
	}
	if p.Channels == nil {
		p.Channels = []api.PersonChannel{}
	}
}
