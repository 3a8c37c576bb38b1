package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
)

// right is one thing a route does; a role is the set of rights it grants.
type right string

const (
	rightRead      right = "read"      // list and get playbooks, campaigns (their audit events too), approvals
	rightLaunch    right = "launch"    // start campaigns
	rightControl   right = "control"   // cancel, pause, resume
	rightPlaybooks right = "playbooks" // register playbook versions (for its clients; shared ones: admin)
	rightShared    right = "shared"    // register shared playbooks, used by every client
	rightDecide    right = "decide"    // approve and reject as oneself, and mint one's own links
	rightReports   right = "reports"   // the let-go report
	rightTokens    right = "tokens"    // create, list and revoke tokens
	rightPeople    right = "people"    // list, create, change and delete the directory's people (within its clients)
	rightAccounts  right = "accounts"  // create, change and delete a client's accounts (within its clients)
	rightAudit     right = "audit"     // read the audit log across campaigns, tokens, people and playbooks (within its clients)
)

// roleRights is the whole permission model in one table, so a review reads it at
// once. What a right reaches is narrowed further by the token's clients, and who a
// decision is recorded as (and in which approver role) comes from the token alone.
var roleRights = map[string][]right{
	api.RoleAdmin:    {rightRead, rightLaunch, rightControl, rightPlaybooks, rightShared, rightDecide, rightReports, rightTokens, rightPeople, rightAccounts, rightAudit},
	api.RoleOperator: {rightRead, rightLaunch, rightControl, rightPlaybooks, rightDecide, rightReports, rightPeople, rightAccounts, rightAudit},
	api.RoleApprover: {rightRead, rightDecide, rightReports},
	api.RoleViewer:   {rightRead, rightReports},
}

// ValidRole says whether role is one of Roles.
func ValidRole(role string) bool { _, ok := roleRights[role]; return ok }

const probUnauthorized = "/problems/unauthorized"

// caller is who sent a request, from its token. A token that belongs to a
// person of the directory acts as that person: name and approver roles come
// from the person, read once per request (authenticate), so a change to the
// person holds from the next request on.
type caller struct {
	tokenID       string
	name          string
	role          string
	clients       []string // empty: every client
	approvalRoles []string // approver roles the holder decides in
	// person is the id of the token's person; "" for a token of its own.
	person string
	// roleClients are the clients on whose approvals approvalRoles count (the
	// person's clients); nil: every client, as for a token of its own.
	roleClients []string
	// team is the team whose accounts the caller's campaigns may act on: the
	// token's, or for a person's token the person's as read for this request,
	// so moving a person takes effect without new tokens. "": no team.
	team string
}

// callerTeam is the team the request acts for: its token's, never the body's.
func callerTeam(ctx context.Context) string { return callerOf(ctx).teamOf() }

func (c *caller) admin() bool { return c.role == api.RoleAdmin }

// teamOf is the caller's team; "" for none, and for no caller (auth off).
func (c *caller) teamOf() string {
	if c == nil {
		return ""
	}
	return c.team
}

func (c *caller) may(r right) bool { return slices.Contains(roleRights[c.role], r) }

// sees says whether the caller may know clientID's objects exist.
func (c *caller) sees(clientID string) bool {
	return len(c.clients) == 0 || slices.Contains(c.clients, clientID)
}

// seesAll says whether every one of clientIDs is within the caller's scope:
// what a person of several clients needs to be the caller's to see and manage.
func (c *caller) seesAll(clientIDs []string) bool {
	return !slices.ContainsFunc(clientIDs, func(id string) bool { return !c.sees(id) })
}

// rolesOn are the approver roles the caller decides in on an approval of
// clientID: a person's roles count for the person's clients only.
func (c *caller) rolesOn(clientID string) []string {
	if c.roleClients != nil && !slices.Contains(c.roleClients, clientID) {
		return nil
	}
	return c.approvalRoles
}

type callerKey struct{}

// callerOf is the request's caller; nil when the server runs without auth
// (Deps.Auth false), which allows everything, as before tokens existed.
func callerOf(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// visible says whether the request's caller may see clientID's objects. Callers
// answer 404 when not, so a scoped token cannot learn another client's ids.
func visible(ctx context.Context, clientID string) bool {
	c := callerOf(ctx)
	return c == nil || c.sees(clientID)
}

// scopeFilter narrows a list to the caller's clients: nil means no narrowing;
// a requested client outside the scope gives an empty list, not an error, so a
// scoped token cannot probe which clients exist.
func scopeFilter(ctx context.Context, requested string) (clientIDs []string) {
	c := callerOf(ctx)
	if c == nil || len(c.clients) == 0 {
		return nil
	}
	if requested != "" && !c.sees(requested) {
		return []string{}
	}
	return c.clients
}

// actor is the name a request acts as: the token's name. Without auth (tests
// of the open API) the given name, or fallback.
func actor(ctx context.Context, given, fallback string) string {
	c := callerOf(ctx)
	switch {
	case c != nil:
		return c.name
	case strings.TrimSpace(given) != "":
		return strings.TrimSpace(given)
	}
	return fallback
}

// notSomeoneElse refuses a body `by` that names anyone but the caller: who acts is
// the token's holder, never what a request says, admins included (an admin who
// must act for a person makes that person a token, which is on record).
func notSomeoneElse(ctx context.Context, given string) *refusal {
	c := callerOf(ctx)
	given = strings.TrimSpace(given)
	if c == nil || given == "" || given == c.name {
		return nil
	}
	return refuseForbidden("`by` names %s, but this token acts as %s: decisions and changes are recorded as the token's holder; leave `by` out", given, c.name)
}

// approvalRole is the approver role the caller decides in on an approval of
// clientID whose approvers are allowed: the requested one if the caller holds
// it there, else the first role among the approvers that it holds, else none
// (the caller may still be named by id). Roles come from the token or its
// person, never from the request. Without auth the requested role stands, as
// before tokens existed.
func approvalRole(ctx context.Context, clientID string, allowed []api.Approver, requested string) (string, *refusal) {
	requested = strings.TrimSpace(requested)
	c := callerOf(ctx)
	if c == nil {
		return requested, nil
	}
	held := c.rolesOn(clientID)
	if requested != "" {
		if !slices.Contains(held, requested) {
			if c.person != "" {
				return "", refuseForbidden("%s does not hold the approver role %q for client %s (it holds %s there); roles come from the person's entry in the directory (/v1/people)",
					c.person, requested, clientID, describeRoles(held))
			}
			return "", refuseForbidden("this token does not hold the approver role %q (it holds %s); an admin gives roles to tokens", requested, describeRoles(held))
		}
		return requested, nil
	}
	for _, a := range allowed {
		if a.Role != "" && slices.Contains(held, a.Role) {
			return a.Role, nil
		}
	}
	return "", nil
}

func describeRoles(roles []string) string {
	if len(roles) == 0 {
		return "none"
	}
	return strings.Join(roles, ", ")
}

// requester is recorded as a campaign's RequestedBy, who may then not approve
// it. An admin launches on others' behalf, so it names nobody.
func requester(ctx context.Context) string {
	c := callerOf(ctx)
	if c == nil || c.admin() {
		return ""
	}
	return c.name
}

// authenticate resolves the bearer token into the request's caller, or answers
// 401. A signed approval link is its own credential, so a request carrying
// one passes through to the link handlers, which verify it.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.auth {
			c.Next()
			return
		}
		if _, ok := c.GetQuery("token"); ok && strings.HasSuffix(c.FullPath(), "/approvals/:id/decision") {
			c.Next()
			return
		}
		secret, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			unauthorized(c, "send an API token as `Authorization: Bearer <token>`")
			return
		}
		ctx := c.Request.Context()
		t, err := s.store.TokenByHash(ctx, store.HashToken(secret))
		if errors.Is(err, store.ErrNotFound) {
			unauthorized(c, "the API token is not known")
			return
		}
		if err != nil {
			s.internal(c, "could not check the API token", err)
			return
		}
		if t.Revoked() {
			unauthorized(c, "the API token was revoked")
			return
		}
		// Last use is kept to the minute: within it, the row just read says
		// so, and no write (SQLite's single writer) is spent on it.
		if t.LastUsedAt == nil || time.Since(*t.LastUsedAt) >= time.Minute {
			if err := s.store.TouchToken(ctx, t.ID); err != nil {
				// Losing a last-used time is no reason to refuse the request.
				s.log.WarnContext(ctx, "could not record a token's use", "token", t.ID, "error", err)
			}
		}
		who, ok := s.callerFor(c, t)
		if !ok {
			return
		}
		c.Request = c.Request.WithContext(context.WithValue(ctx, callerKey{}, who))
		c.Next()
	}
}

// callerFor is the caller a token makes; for a token that belongs to a person,
// the person is read here, once for the request. It answers the request itself
// when it cannot go on.
func (s *Server) callerFor(c *gin.Context, t *store.APIToken) (*caller, bool) {
	who, err := s.tokenCaller(c.Request.Context(), t)
	if errors.Is(err, store.ErrNotFound) {
		// The API cannot get here (a person with live tokens is not deleted);
		// a database edited by hand can, and then the token acts as nobody.
		unauthorized(c, "the person this token belongs to ("+*t.PersonID+") is no longer in the directory")
		return nil, false
	}
	if err != nil {
		s.internal(c, "could not read the token's person", err)
		return nil, false
	}
	return who, true
}

// tokenCaller is callerFor without answering: ErrNotFound when the token's
// person is gone.
func (s *Server) tokenCaller(ctx context.Context, t *store.APIToken) (*caller, error) {
	who := &caller{tokenID: t.ID, name: t.Name, role: t.Role, clients: t.ClientList(), approvalRoles: t.ApprovalRoleList(), team: t.Team}
	if t.PersonID == nil {
		return who, nil
	}
	p, err := s.store.GetPerson(ctx, *t.PersonID)
	if err != nil {
		return nil, err
	}
	who.name, who.person, who.approvalRoles, who.roleClients, who.team = p.ID, p.ID, p.Roles, p.Clients, p.Team
	return who, nil
}

// allow guards a route with a right: 403 when the caller's role lacks it.
func (s *Server) allow(r right) gin.HandlerFunc {
	return func(c *gin.Context) {
		who := callerOf(c.Request.Context())
		if who != nil && !who.may(r) {
			problem(c, http.StatusForbidden, probForbidden, "Forbidden", "the "+who.role+" role may not do this ("+string(r)+")")
			c.Abort()
			return
		}
		c.Next()
	}
}

// allowUnlessLink is allow for a route a signed link may also use.
func (s *Server) allowUnlessLink(r right) gin.HandlerFunc {
	guard := s.allow(r)
	return func(c *gin.Context) {
		if _, ok := c.GetQuery("token"); ok {
			c.Next()
			return
		}
		guard(c)
	}
}

func bearer(h string) (string, bool) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	secret = strings.TrimSpace(secret)
	return secret, secret != ""
}

func unauthorized(c *gin.Context, detail string) {
	c.Header("WWW-Authenticate", `Bearer realm="greenlight"`)
	problem(c, http.StatusUnauthorized, probUnauthorized, "Unauthorized", detail)
	c.Abort()
}
