package server

import (
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
	return api.TokenView{
		ID: t.ID, Name: t.Name, Role: t.Role, Clients: clients, ApprovalRoles: roles,
		CreatedAt: t.CreatedAt, RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt,
	}
}

type tokenRequest struct {
	Name          string   `json:"name"`
	Role          string   `json:"role"`
	Clients       []string `json:"clients"`
	ApprovalRoles []string `json:"approval_roles"`
}

func (req tokenRequest) problems() []playbooks.Problem {
	var probs []playbooks.Problem
	if strings.TrimSpace(req.Name) == "" || len(req.Name) > 200 {
		probs = append(probs, playbooks.Problem{Field: "name", Message: "is required, at most 200 characters"})
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
		// Roles are matched exactly against a playbook's approvers, so stray
		// spaces would make a role that never matches.
		if r == "" || len(r) > 100 || strings.TrimSpace(r) != r {
			probs = append(probs, playbooks.Problem{Field: "approval_roles", Message: fmt.Sprintf("%q is not a valid role: 1-100 characters, no surrounding spaces", r)})
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
	t, secret, err := s.store.CreateToken(c.Request.Context(), req.Name, req.Role, req.Clients, req.ApprovalRoles)
	if err != nil {
		s.internal(c, "could not create the token", err)
		return
	}
	v := tokenView(t)
	v.Token = secret
	c.JSON(http.StatusCreated, v)
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
	t, err := s.store.RevokeToken(c.Request.Context(), c.Param("id"))
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
