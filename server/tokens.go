package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

func tokenView(t *store.APIToken) api.TokenView {
	clients, roles := t.ClientList(), t.ApprovalRoleList()
	if clients == nil {
		clients = []string{}
	}
	if roles == nil {
		roles = []string{}
	}
	v := api.TokenView{
		ID: t.ID, Name: t.Name, Role: t.Role, Clients: clients, ApprovalRoles: roles, Team: t.Team,
		CreatedAt: t.CreatedAt, RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt,
	}
	if t.PersonID != nil {
		v.Person = *t.PersonID
	}
	return v
}

type tokenRequest struct {
	Name          string   `json:"name"`
	Role          string   `json:"role"`
	Clients       []string `json:"clients"`
	ApprovalRoles []string `json:"approval_roles"`
	// Person makes the token belong to a person of the directory: it is named
	// after the person and decides in the person's roles, so name may only
	// repeat the person's id and approval_roles must be left out.
	Person string `json:"person"`
	// Team is the team whose accounts the holder's campaigns may act on. A
	// person's token has the person's team, so team may only repeat it.
	Team string `json:"team,omitempty"`
}

func (req tokenRequest) problems() []playbooks.Problem {
	var probs []playbooks.Problem
	switch {
	case req.Person != "" && req.Name != "" && req.Name != req.Person:
		probs = append(probs, playbooks.Problem{Field: "name", Message: fmt.Sprintf("a token that belongs to a person is named after it (%s); leave name out", req.Person)})
	case req.Person == "" && (strings.TrimSpace(req.Name) == "" || len(req.Name) > 200):
		probs = append(probs, playbooks.Problem{Field: "name", Message: "is required, at most 200 characters"})
	}
	if req.Person != "" && len(req.ApprovalRoles) > 0 {
		probs = append(probs, playbooks.Problem{Field: "approval_roles", Message: fmt.Sprintf(
			"a token that belongs to a person decides in the person's roles; leave approval_roles out and give %s roles with PUT /v1/people/%s", req.Person, req.Person)})
	}
	if req.Team != "" && !teamPattern.MatchString(req.Team) {
		probs = append(probs, playbooks.Problem{Field: "team", Message: teamProblem(req.Team)})
	}
	if !ValidRole(req.Role) {
		probs = append(probs, playbooks.Problem{Field: "role", Message: "must be one of " + strings.Join(api.Roles, ", ")})
	}
	for _, c := range req.Clients {
		if !clientPattern.MatchString(c) {
			probs = append(probs, playbooks.Problem{Field: "clients", Message: "client " + c + " is not a valid client id"})
		}
	}
	for _, r := range req.ApprovalRoles {
		if msg := approverRoleProblem(r); msg != "" {
			probs = append(probs, playbooks.Problem{Field: "approval_roles", Message: msg})
		}
	}
	return probs
}

// createToken mints a token; its secret is in this answer and nowhere else.
func (s *Server) createToken(c *gin.Context) {
	var req tokenRequest
	if !decodeJSON(c, &req) {
		return
	}
	if probs := req.problems(); len(probs) > 0 {
		invalid(c, "the token request has problems", probs...)
		return
	}
	ctx := c.Request.Context()
	var t *store.APIToken
	var secret string
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		var err error
		if t, secret, err = mintToken(ctx, st, req); err != nil {
			return err
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditTokenCreated, soleClient(t.ClientList()), t.AuditDetail()))
	})
	var mismatch *store.TokenTeamError
	switch {
	case errors.As(err, &mismatch):
		invalid(c, "the token request has problems", tokenTeamProblem(mismatch))
		return
	case errors.Is(err, store.ErrNotFound):
		invalid(c, "the token request has problems", playbooks.Problem{Field: "person", Message: "no person " + req.Person + " (create it with POST /v1/people first)"})
		return
	}
	if err != nil {
		s.internal(c, "could not create the token", err)
		return
	}
	v := tokenView(t)
	v.Token = secret
	c.JSON(http.StatusCreated, v)
}

// mintToken stores in st the token req asks for. A person the caller may not
// see is ErrNotFound, as one that does not exist.
func mintToken(ctx context.Context, st *store.Store, req tokenRequest) (*store.APIToken, string, error) {
	spec := store.TokenSpec{Name: req.Name, Role: req.Role, Clients: req.Clients, ApprovalRoles: req.ApprovalRoles, Team: req.Team}
	if req.Person == "" {
		return st.CreateToken(ctx, spec)
	}
	p, err := st.GetPerson(ctx, req.Person)
	if err != nil {
		return nil, "", err
	}
	if !personVisible(ctx, p) {
		return nil, "", store.ErrNotFound
	}
	return st.CreateTokenFor(ctx, p.ID, spec)
}

// tokenTeamProblem says why a person's token may not name its team.
func tokenTeamProblem(e *store.TokenTeamError) playbooks.Problem {
	if e.PersonTeam == "" {
		return playbooks.Problem{Field: "team", Message: fmt.Sprintf(
			"a token that belongs to a person has the person's team, and %s has none; leave team out, or give %s team %s with PUT /v1/people/%s",
			e.PersonID, e.PersonID, e.Team, e.PersonID)}
	}
	return playbooks.Problem{Field: "team", Message: fmt.Sprintf(
		"a token that belongs to a person has the person's team, and %s is in %s, not %s; leave team out, or move the person with PUT /v1/people/%s",
		e.PersonID, e.PersonTeam, e.Team, e.PersonID)}
}

func (s *Server) listTokens(c *gin.Context) {
	if !onlyQuery(c) {
		return
	}
	list, err := s.store.ListTokens(c.Request.Context())
	if err != nil {
		s.internal(c, "could not list the tokens", err)
		return
	}
	items := make([]api.TokenView, 0, len(list))
	for i := range list {
		items = append(items, tokenView(&list[i]))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Server) revokeToken(c *gin.Context) {
	ctx := c.Request.Context()
	var t *store.APIToken
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		was, err := st.GetToken(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		if t, err = st.RevokeToken(ctx, was.ID); err != nil || was.Revoked() {
			return err // revoking again changes nothing, so records nothing
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditTokenRevoked, soleClient(t.ClientList()), t.AuditDetail()))
	})
	if errors.Is(err, store.ErrNotFound) {
		notFound(c, "no token "+c.Param("id"))
		return
	}
	if err != nil {
		s.internal(c, "could not revoke the token", err)
		return
	}
	c.JSON(http.StatusOK, tokenView(t))
}
