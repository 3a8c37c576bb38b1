package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

type playbookSummary struct {
	Name        string `json:"name"`
	Version     int    `json:"version"` // latest
	Description string `json:"description"`
	Builtin     bool   `json:"builtin"`
	Versions    []int  `json:"versions"`
	// Client owns the playbook; absent, it is shared by every client.
	Client string `json:"client,omitempty"`
}

// Playbook ownership: a playbook name has one owner, fixed by its first
// registration: a client, or no one (shared by every client). A client's
// playbooks are seen, registered and launched only within that client's scope;
// shared ones (the built-ins among them) are seen by everyone and changed only
// by admins. So no launch can pick up a version that someone outside its
// client registered, and nobody outside a client can change what its
// campaigns run.

// playbookVisible says whether the caller may see a playbook owned by client.
func playbookVisible(ctx context.Context, client string) bool {
	return client == "" || visible(ctx, client)
}

func (s *Server) listPlaybooks(c *gin.Context) {
	ctx := c.Request.Context()
	all, err := s.store.ListPlaybooks(ctx)
	if err != nil {
		s.internal(c, "could not list playbooks", err)
		return
	}
	items := []playbookSummary{}
	for _, p := range all { // ordered by name, then version
		if !playbookVisible(ctx, p.Client) {
			continue
		}
		if n := len(items); n > 0 && items[n-1].Name == p.Name {
			last := &items[n-1]
			last.Version, last.Description, last.Builtin = p.Version, p.Description, p.Builtin
			last.Versions = append(last.Versions, p.Version)
			continue
		}
		items = append(items, playbookSummary{Name: p.Name, Version: p.Version, Description: p.Description, Builtin: p.Builtin, Versions: []int{p.Version}, Client: p.Client})
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type playbookDetail struct {
	*playbooks.Playbook
	Client    string    `json:"client,omitempty"` // owner; absent: shared
	Builtin   bool      `json:"builtin"`
	Digest    string    `json:"digest"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) getPlaybook(c *gin.Context) {
	if !onlyQuery(c, "version") {
		return
	}
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			badRequest(c, "version must be a whole number of at least 1")
			return
		}
		version = n
	}
	row, pb, ok := s.loadPlaybook(c, c.Param("name"), version)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, detailOf(row, pb))
}

func detailOf(row *store.Playbook, pb *playbooks.Playbook) playbookDetail {
	return playbookDetail{Playbook: pb, Client: row.Client, Builtin: row.Builtin, Digest: row.Digest, Source: row.Source, CreatedAt: row.CreatedAt}
}

// loadPlaybook fetches and parses a registered version (0 = latest) the caller
// may see, answering 404 itself when there is none.
func (s *Server) loadPlaybook(c *gin.Context, name string, version int) (*store.Playbook, *playbooks.Playbook, bool) {
	ctx := c.Request.Context()
	row, pb, err := s.findPlaybook(ctx, name, version)
	if row != nil && !playbookVisible(ctx, row.Client) {
		err = store.ErrNotFound // another client's playbook is absent, as its campaigns are
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && version > 0:
		notFound(c, "playbook "+name+" has no version "+strconv.Itoa(version))
	case errors.Is(err, store.ErrNotFound):
		notFound(c, "no playbook named "+name)
	case outgrown(c, row, err):
	case err != nil:
		s.internal(c, "could not load playbook", err)
	default:
		return row, pb, true
	}
	return nil, nil, false
}

// launchPlaybook is findPlaybook for a launch for client: a playbook another
// client owns is missing, as if it were never registered.
func (s *Server) launchPlaybook(ctx context.Context, name string, version int, client string) (*store.Playbook, *playbooks.Playbook, error) {
	row, pb, err := s.findPlaybook(ctx, name, version)
	if row != nil && row.Client != "" && row.Client != client {
		return nil, nil, &missingPlaybook{name: name, version: version, client: client, err: store.ErrNotFound}
	}
	return row, pb, err
}

// missingPlaybook is a playbook, or a version of one, that is not registered
// (for the client, at a launch). Its message is in the caller's words; the
// store's error it wraps is for the log.
type missingPlaybook struct {
	name    string
	version int    // 0: the latest was asked for
	client  string // set when the playbook is another client's
	err     error
}

func (e *missingPlaybook) Error() string { return e.message() + ": " + e.err.Error() }
func (e *missingPlaybook) Unwrap() error { return e.err }

// message says what is missing and where to look for what there is.
func (e *missingPlaybook) message() string {
	switch {
	case e.client != "":
		return fmt.Sprintf("no playbook named %q for client %s; see GET /v1/playbooks", e.name, e.client)
	case e.version > 0:
		return fmt.Sprintf("playbook %q has no version %d; see GET /v1/playbooks/%s", e.name, e.version, url.PathEscape(e.name))
	}
	return fmt.Sprintf("no playbook named %q; see GET /v1/playbooks", e.name)
}

// findPlaybook fetches and parses a registered version (0 = latest); a missing
// one wraps store.ErrNotFound.
func (s *Server) findPlaybook(ctx context.Context, name string, version int) (*store.Playbook, *playbooks.Playbook, error) {
	row, err := s.store.GetPlaybook(ctx, name, version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, &missingPlaybook{name: name, version: version, err: err}
	}
	if err != nil {
		return nil, nil, err
	}
	pb, err := playbooks.ParseContext(ctx, []byte(row.Source))
	if err != nil {
		// The row comes back too, so callers can check who may know of it.
		return row, nil, fmt.Errorf("stored playbook %s v%d: %w", name, row.Version, err)
	}
	return row, pb, nil
}

// outgrown answers a stored version that no longer passes validation: it was
// registered under older rules (before today's limits), so it is the caller's
// to replace, not a defect. Campaigns already running on it are unaffected.
func outgrown(c *gin.Context, row *store.Playbook, err error) bool {
	var ie *playbooks.InvalidError
	if row == nil || !errors.As(err, &ie) {
		return false
	}
	invalid(c, fmt.Sprintf("playbook %s v%d was registered under older rules and no longer passes validation; register a new version that does", row.Name, row.Version), ie.Problems...)
	return true
}

// statusClientClosed is recorded, never received, when the caller went away
// before the answer: the work stopped with it.
const statusClientClosed = 499

// parsePlaybookBody reads and validates a YAML body, answering 413 or 422 itself.
// The work is bounded by playbooks' limits and stops when the request's context
// ends: an abandoned request does not keep a core busy.
func (s *Server) parsePlaybookBody(c *gin.Context) (*playbooks.Playbook, []byte, bool) {
	body, ok := readBody(c)
	if !ok {
		return nil, nil, false
	}
	if len(body) > playbooks.MaxSourceBytes {
		problem(c, http.StatusRequestEntityTooLarge, probBadRequest, "Request too large",
			fmt.Sprintf("the playbook is %d bytes; the limit is %d", len(body), playbooks.MaxSourceBytes))
		return nil, nil, false
	}
	pb, err := playbooks.ParseContext(c.Request.Context(), body)
	if err != nil {
		switch {
		case invalidFrom(c, "the playbook has problems; each is listed with its line", err):
		case c.Request.Context().Err() != nil:
			s.log.InfoContext(c.Request.Context(), "playbook check abandoned by the client", "error", err)
			c.AbortWithStatus(statusClientClosed)
		default:
			s.internal(c, "could not validate playbook", err)
		}
		return nil, nil, false
	}
	return pb, body, true
}

func (s *Server) validatePlaybook(c *gin.Context) {
	pb, _, ok := s.parsePlaybookBody(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"valid": true, "name": pb.Name, "version": pb.Version, "steps": len(pb.Steps)})
}

// playbookRegistration is the answer to POST /v1/playbooks: the version as
// GET /v1/playbooks/{name}?version=N shows it, plus whether this request created it,
// so a script reading --json output can tell a new version from a repeated one
// without looking at the status code.
type playbookRegistration struct {
	playbookDetail
	Created bool `json:"created"`
}

// registerPlaybook stores a new version of a playbook from its YAML body, whatever
// the Content-Type says, for the client named by ?client= (see ownership above).
// Versions are immutable because campaigns stay pinned to the
// version they started with, for months: the same bytes again answer 200 with the
// stored version (a retry is safe), other bytes under a used number answer 409.
// Any unused number is accepted, even one below the latest; "latest" is always the
// highest number, so registering an old number never changes what new launches get.
func (s *Server) registerPlaybook(c *gin.Context) {
	if !onlyQuery(c, "client") {
		return
	}
	owner, ok := registrationOwner(c)
	if !ok {
		return
	}
	pb, body, ok := s.parsePlaybookBody(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	// Builtin stays false even for a built-in name: only the binary's own YAML is
	// built in, and the row says where a version came from. A new version is on
	// record with its registration, or neither is.
	var created bool
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		var err error
		created, err = st.RegisterPlaybook(ctx, store.Playbook{
			Name: pb.Name, Version: pb.Version, Description: pb.Description, Source: string(body), Client: owner,
		})
		if err != nil || !created {
			return err
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditPlaybookRegistered, owner,
			map[string]any{"name": pb.Name, "version": pb.Version, "client": owner}))
	})
	if errors.Is(err, store.ErrOwned) {
		s.ownedElsewhere(c, pb.Name)
		return
	}
	if errors.Is(err, store.ErrConflict) {
		conflict(c, s.immutableDetail(ctx, pb.Name, pb.Version))
		return
	}
	if err != nil {
		s.internal(c, "could not register playbook", err)
		return
	}
	// Read back what is stored: on a repeat that is the first registration (its
	// created_at, its builtin flag), not this request's copy.
	row, stored, ok := s.loadPlaybook(c, pb.Name, pb.Version)
	if !ok {
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.log.InfoContext(ctx, "playbook registered", "playbook", pb.Name, "version", pb.Version, "client", owner,
			"by", actor(ctx, "", "api"), "digest", row.Digest)
	}
	c.Header("Location", playbookLocation(pb.Name, pb.Version))
	c.JSON(status, playbookRegistration{playbookDetail: detailOf(row, stored), Created: created})
}

// registrationOwner is the client a registration is for: ?client=, which must be
// in the caller's scope; else the caller's only client; else shared, which only
// a caller with the shared right (admins) may register.
func registrationOwner(c *gin.Context) (string, bool) {
	ctx := c.Request.Context()
	who := callerOf(ctx)
	client := strings.TrimSpace(c.Query("client"))
	switch {
	case client != "" && !clientPattern.MatchString(client):
		invalid(c, "the registration has problems", playbooks.Problem{Field: "client", Message: "must be 1-64 lower-case letters, digits, dots, dashes or underscores"})
		return "", false
	case client != "" && !visible(ctx, client):
		problem(c, http.StatusForbidden, probForbidden, "Forbidden", "this token may not register playbooks for client "+client)
		return "", false
	case client != "":
		return client, true
	case who == nil || who.may(rightShared):
		return "", true
	case len(who.clients) == 1:
		return who.clients[0], true
	}
	invalid(c, "the registration has problems", playbooks.Problem{Field: "client",
		Message: "is required: name the client the playbook is for (?client=); shared playbooks, used by every client, are registered by admins"})
	return "", false
}

// ownedElsewhere answers a registration under a name another owner holds: 403 for
// a shared playbook, 409 for another client's name (without saying which client,
// unless the caller may see it).
func (s *Server) ownedElsewhere(c *gin.Context, name string) {
	ctx := c.Request.Context()
	row, err := s.store.GetPlaybook(ctx, name, 0)
	if err != nil {
		s.internal(c, "could not read the playbook's owner", err)
		return
	}
	switch {
	case row.Client == "":
		problem(c, http.StatusForbidden, probForbidden, "Forbidden", fmt.Sprintf(
			"playbook %s is shared by every client, so only an admin registers its versions; register your own under another name", name))
	case visible(ctx, row.Client):
		conflict(c, fmt.Sprintf("playbook %s belongs to client %s; register it for that client (?client=%s) or under another name", name, row.Client, row.Client))
	default:
		conflict(c, fmt.Sprintf("the name %s is taken by another client's playbook; register yours under another name", name))
	}
}

// immutableDetail explains a refused re-registration and, when the store can say,
// which number to use instead.
func (s *Server) immutableDetail(ctx context.Context, name string, version int) string {
	detail := fmt.Sprintf("playbook %s version %d is already registered with a different body; "+
		"versions are immutable because campaigns stay pinned to theirs, so bump `version` to register a change", name, version)
	latest, err := s.store.GetPlaybook(ctx, name, 0)
	if err != nil {
		return detail
	}
	return fmt.Sprintf("%s (the latest is %d; use %d)", detail, latest.Version, latest.Version+1)
}

func playbookLocation(name string, version int) string {
	return "/v1/playbooks/" + url.PathEscape(name) + "?version=" + strconv.Itoa(version)
}
