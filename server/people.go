package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// The directory of people (/v1/people): who approvals reach, through which
// channels, and, for a token that belongs to a person, who its holder is and
// in which approver roles it decides. A scoped caller sees and manages only
// people all of whose clients are within its scope; anyone else's person is
// absent (404), and a person may not be put outside the scope (403).

var (
	// personIDPattern: the ids approvers and deciders go by, e.g. dana@acme.
	personIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9@._-]{0,63}$`)
	// slackUserPattern: a Slack user id (U…, or W… on Enterprise Grid).
	slackUserPattern = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
)

// maxEmailAddress is the longest address SMTP carries (RFC 5321's path limit).
const maxEmailAddress = 254

func personView(p *store.Person) api.PersonView {
	return api.PersonView{
		ID: p.ID, Name: p.Name, Clients: p.Clients, Roles: p.Roles, Channels: p.Channels,
		TimeZone: p.TimeZone, Team: p.Team, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

// personProblems lists every mistake in a person's fields. id is the person's
// id (the body's on POST, the path's on PUT).
func personProblems(id string, req api.PersonRequest) []playbooks.Problem {
	var probs []playbooks.Problem
	add := func(field, format string, a ...any) {
		probs = append(probs, playbooks.Problem{Field: field, Message: fmt.Sprintf(format, a...)})
	}
	if !personIDPattern.MatchString(id) {
		add("id", "must be 1-64 lower-case letters, digits, @ . _ or -, starting with a letter or digit (e.g. dana@acme), not %q", id)
	}
	if strings.TrimSpace(req.Name) == "" || utf8.RuneCountInString(req.Name) > 200 {
		add("name", "is required, at most 200 characters")
	}
	if len(req.Clients) == 0 {
		add("clients", "needs at least one client: the clients the person approves for or is told about")
	}
	probs = append(probs, listProblems("clients", req.Clients, func(c string) (string, string) {
		if !clientPattern.MatchString(c) {
			return "", fmt.Sprintf("%q is not a client id: 1-64 lower-case letters, digits, dots, dashes or underscores", c)
		}
		return "", ""
	})...)
	probs = append(probs, listProblems("roles", req.Roles, func(r string) (string, string) { return "", approverRoleProblem(r) })...)
	probs = append(probs, listProblems("channels", req.Channels, channelProblem)...)
	if msg := timeZoneProblem(req.TimeZone); msg != "" {
		add("time_zone", "%s", msg)
	}
	if req.Team != "" && !teamPattern.MatchString(req.Team) {
		add("team", "%s", teamProblem(req.Team))
	}
	return probs
}

// listProblems checks one of a person's lists: at most maxPersonList items,
// each passing check (which names the part of the item at fault, as ".kind",
// and why; "" when it is fine), and none twice.
func listProblems[T comparable](field string, list []T, check func(T) (part, msg string)) []playbooks.Problem {
	if len(list) > maxPersonList {
		return []playbooks.Problem{{Field: field, Message: fmt.Sprintf("at most %d %s, not %d", maxPersonList, field, len(list))}}
	}
	var probs []playbooks.Problem
	for i, v := range list {
		at := fmt.Sprintf("%s[%d]", field, i)
		if part, msg := check(v); msg != "" {
			probs = append(probs, playbooks.Problem{Field: at + part, Message: msg})
		} else if first := slices.Index(list, v); first < i {
			probs = append(probs, playbooks.Problem{Field: at, Message: fmt.Sprintf("repeats %s[%d]", field, first)})
		}
	}
	return probs
}

// approverRoleProblem says what is wrong with an approver role, of a person or
// a token, or "". Roles are matched exactly against a playbook's approvers, so
// stray spaces would make a role that never matches.
func approverRoleProblem(r string) string {
	if r == "" || utf8.RuneCountInString(r) > 100 || strings.TrimSpace(r) != r {
		return fmt.Sprintf("%q is not a valid role: 1-100 characters, no surrounding spaces", r)
	}
	return ""
}

// channelProblem says which part of a channel is wrong (".kind" or
// ".address") and why, or "" and "".
func channelProblem(ch api.PersonChannel) (string, string) {
	if !slices.Contains(api.ChannelKinds, ch.Kind) {
		return ".kind", fmt.Sprintf("%q is not a channel kind: one of %s", ch.Kind, strings.Join(api.ChannelKinds, ", "))
	}
	return ".address", addressProblem(ch.Kind, ch.Address)
}

// addressProblem says what is wrong with a channel's address, or "".
func addressProblem(kind, addr string) string {
	if len(addr) > maxChannelAddress {
		return fmt.Sprintf("at most %d bytes", maxChannelAddress)
	}
	switch kind {
	case api.ChannelKindEmail:
		a, err := mail.ParseAddress(addr)
		switch {
		case err != nil:
			return fmt.Sprintf("%q is not an email address (%v)", addr, err)
		case a.Name != "" || a.Address != addr:
			return fmt.Sprintf("%q: give the bare address (%s), without a display name or angle brackets", addr, a.Address)
		case len(addr) > maxEmailAddress:
			return fmt.Sprintf("an email address is at most %d characters", maxEmailAddress)
		}
	case api.ChannelKindSlack:
		if !slackUserPattern.MatchString(addr) {
			return fmt.Sprintf("%q is not a Slack user id: U or W then capital letters and digits, e.g. U024BE7LH (a member ID, not a name)", addr)
		}
	case api.ChannelKindWebhook:
		return webhookProblem(addr)
	}
	return ""
}

// webhookProblem checks a webhook URL: https, or plain http to this machine
// for development, where no one else can read or change what is sent.
func webhookProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Sprintf("is not a URL: %v", err)
	case u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || u.Opaque != "":
		return fmt.Sprintf("%q is not an absolute https URL", raw)
	case u.User != nil:
		return "must not carry a user name or password; put a credential the receiver needs in the path or query"
	case u.Scheme == "http" && !loopbackHost(u.Hostname()):
		return "must be https (plain http only to 127.0.0.1, ::1 or localhost, for development)"
	}
	return ""
}

func loopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || strings.EqualFold(h, "localhost")
}

// timeZoneProblem checks an IANA time zone name; "" means UTC.
func timeZoneProblem(tz string) string {
	if tz == "" {
		return ""
	}
	// "Local" would be the server's own zone, which means nothing to the
	// person; the length is checked first, so no long name reaches the disk.
	if len(tz) > 64 || tz == "Local" || loadLocation(tz) != nil {
		return fmt.Sprintf("%q is not a known IANA time zone (e.g. Europe/Paris, America/New_York, UTC)", tz)
	}
	return ""
}

func loadLocation(tz string) error {
	_, err := time.LoadLocation(tz)
	return err
}

// personRow is the row a valid request describes.
func personRow(id string, req api.PersonRequest) *store.Person {
	return &store.Person{ID: id, Name: strings.TrimSpace(req.Name), Clients: req.Clients, Roles: req.Roles, Channels: req.Channels, TimeZone: req.TimeZone, Team: req.Team}
}

// mayManage refuses, with 403, a person whose clients are not all within the
// caller's scope: the caller named them itself, so saying so reveals nothing.
func mayManage(c *gin.Context, clients []string) bool {
	who := callerOf(c.Request.Context())
	if who == nil || who.seesAll(clients) {
		return true
	}
	var outside []string
	for _, cl := range clients {
		if !who.sees(cl) {
			outside = append(outside, cl)
		}
	}
	problem(c, http.StatusForbidden, probForbidden, "Forbidden",
		"this token may not manage people of client(s) "+strings.Join(outside, ", ")+"; a person's clients must all be within the token's")
	return false
}

// personDetail is what the audit log keeps of a person written: who, for which
// clients and roles, and the kinds of its channels, never their addresses (a
// webhook's URL may hold the receiver's credential). With old, the fields the
// change touched are listed under "changed".
func personDetail(p, old *store.Person) map[string]any {
	kinds := func(p *store.Person) []string {
		out := make([]string, 0, len(p.Channels))
		for _, ch := range p.Channels {
			out = append(out, ch.Kind)
		}
		return out
	}
	d := map[string]any{"person": p.ID, "name": p.Name, "clients": p.Clients, "roles": p.Roles,
		"channels": kinds(p), "time_zone": p.TimeZone, "team": p.Team}
	if old != nil {
		changed := []string{}
		for _, f := range []struct {
			name string
			same bool
		}{
			{"name", old.Name == p.Name},
			{"clients", slices.Equal(old.Clients, p.Clients)},
			{"roles", slices.Equal(old.Roles, p.Roles)},
			{"channels", slices.Equal(old.Channels, p.Channels)},
			{"time_zone", old.TimeZone == p.TimeZone},
			{"team", old.Team == p.Team},
		} {
			if !f.same {
				changed = append(changed, f.name)
			}
		}
		d["changed"] = changed
	}
	return d
}

// personVisible says whether the caller may know the person exists.
func personVisible(ctx context.Context, p *store.Person) bool {
	who := callerOf(ctx)
	return who == nil || who.seesAll(p.Clients)
}

func (s *Server) listPeople(c *gin.Context) {
	if !onlyQuery(c, "client", "role", "limit", "page_token") {
		return
	}
	f := store.PeopleFilter{
		ClientID: c.Query("client"), Role: c.Query("role"), PageToken: c.Query("page_token"),
		ClientIDs: scopeFilter(c.Request.Context(), c.Query("client")),
	}
	var ok bool
	if f.Limit, ok = pageLimit(c); !ok {
		return
	}
	page, err := s.store.ListPeople(c.Request.Context(), f)
	if err != nil {
		s.listFailed(c, "people", err)
		return
	}
	items := make([]api.PersonView, 0, len(page.Items))
	for i := range page.Items {
		items = append(items, personView(&page.Items[i]))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_page_token": page.NextPageToken})
}

func (s *Server) createPerson(c *gin.Context) {
	var req api.PersonRequest
	if !decodeJSON(c, &req) {
		return
	}
	if probs := personProblems(req.ID, req); len(probs) > 0 {
		invalid(c, "the person has problems", probs...)
		return
	}
	if !mayManage(c, req.Clients) {
		return
	}
	p := personRow(req.ID, req)
	ctx := c.Request.Context()
	if !s.personOK(c, "create", teamChange(ctx, p.ID, "", p.Team)) {
		return
	}
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		if err := st.CreatePerson(ctx, p); err != nil {
			return err
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditPersonCreated, soleClient(p.Clients), personDetail(p, nil)))
	})
	if !s.personOK(c, "create", err) {
		return
	}
	c.Header("Location", "/v1/people/"+url.PathEscape(p.ID))
	c.JSON(http.StatusCreated, personView(p))
}

func (s *Server) getPerson(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.store.GetPerson(ctx, c.Param("id"))
	if err == nil && !personVisible(ctx, p) {
		err = store.ErrNotFound
	}
	if !s.personOK(c, "read", err) {
		return
	}
	c.JSON(http.StatusOK, personView(p))
}

// updatePerson replaces the person: fields left out are emptied, as PUT says.
func (s *Server) updatePerson(c *gin.Context) {
	var req api.PersonRequest
	if !decodeJSON(c, &req) {
		return
	}
	id := c.Param("id")
	probs := personProblems(id, req)
	if req.ID != "" && req.ID != id {
		probs = append(probs, playbooks.Problem{Field: "id", Message: fmt.Sprintf("is %s but the path says %s: a person's id does not change (leave id out, or repeat the path's)", req.ID, id)})
	}
	if len(probs) > 0 {
		invalid(c, "the person has problems", probs...)
		return
	}
	if !mayManage(c, req.Clients) {
		return
	}
	p := personRow(id, req)
	ctx := c.Request.Context()
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		// UpdatePerson checks the scope itself; the team is checked against
		// the person as it was under the same lock, and a refusal rolls the
		// write back.
		old, err := st.UpdatePerson(ctx, p, scopeFilter(ctx, ""))
		if err != nil {
			return err
		}
		if err := teamChange(ctx, id, old.Team, p.Team); err != nil {
			return err
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditPersonUpdated, soleClient(old.Clients, p.Clients), personDetail(p, old)))
	})
	if !s.personOK(c, "update", err) {
		return
	}
	c.JSON(http.StatusOK, personView(p))
}

func (s *Server) deletePerson(c *gin.Context) {
	ctx := c.Request.Context()
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		old, err := st.GetPerson(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		if err := st.DeletePerson(ctx, old.ID, scopeFilter(ctx, "")); err != nil {
			return err
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditPersonDeleted, soleClient(old.Clients),
			map[string]any{"person": old.ID, "name": old.Name, "clients": old.Clients}))
	})
	if !s.personOK(c, "delete", err) {
		return
	}
	c.Status(http.StatusNoContent)
}

// personOK says whether a read or write of a person succeeded, and answers
// the request when it did not.
func (s *Server) personOK(c *gin.Context, what string, err error) bool {
	var taken *store.PersonConflictError
	var tokens *store.PersonHasTokensError
	var team *teamChangeError
	switch {
	case err == nil:
		return true
	case errors.As(err, &team):
		problem(c, http.StatusForbidden, probForbidden, "Forbidden", team.Error(), playbooks.Problem{Field: "team", Message: team.Error()})
	case errors.Is(err, store.ErrNotFound):
		notFound(c, "no person "+c.Param("id"))
	case errors.As(err, &taken):
		problem(c, http.StatusConflict, probConflict, "Conflict", "the person could not be written: "+taken.Message,
			playbooks.Problem{Field: taken.Field, Message: taken.Message})
	case errors.As(err, &tokens):
		errs := make([]playbooks.Problem, 0, len(tokens.Tokens))
		for _, id := range tokens.Tokens {
			errs = append(errs, playbooks.Problem{Field: "tokens", Message: "token " + id + " belongs to the person and is not revoked"})
		}
		problem(c, http.StatusConflict, probConflict, "Conflict", tokens.Error(), errs...)
	default:
		s.internal(c, "could not "+what+" the person", err)
	}
	return false
}
