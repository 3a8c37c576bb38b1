package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// Signed one-click links: POST /v1/approvals/{id}/links mints an approve link, a
// reject link and a link that lets its approver choose, for the caller itself;
// GET …/decision?token= shows the approval's page (link_page.go); POST
// …/decision?token= decides, with no other credentials, what the link allows,
// once (link_decide.go).
//
// A link acts as the person it names, so it is only ever handed to that person:
// the API mints links for the caller (to use on a phone, or to forward to no one),
// never for someone else, admins included; links for other approvers are signed by
// the worker into the reminders delivered to them. Minting checks everything a
// direct decision would (client scope, approvers, the requester rule), so a link
// never lets anyone decide what they could not decide directly.

const (
	defaultLinkTTL = 72 * time.Hour
	maxLinkTTL     = 30 * 24 * time.Hour
)

type linkRequest struct {
	// Approver may repeat the caller (its id, or one of its token's approver
	// roles); anyone else is refused. Omitted, the link is for the caller in the
	// first of its roles the approval accepts.
	Approver api.Approver `json:"approver"`
	TTL      string       `json:"ttl,omitempty"` // e.g. "72h", "3d"; default 72h
}

type linkResponse struct {
	ApproveURL string `json:"approve_url"`
	RejectURL  string `json:"reject_url"`
	// PageURL opens the approval's page, where its approver chooses: approve,
	// approve with edited posts, or reject.
	PageURL   string       `json:"page_url"`
	ExpiresAt time.Time    `json:"expires_at"`
	Approver  api.Approver `json:"approver"`
}

// createLinks mints an approve link and a reject link for the caller.
func (s *Server) createLinks(c *gin.Context) {
	ctx := c.Request.Context()
	if !s.linksOn(c) {
		return
	}
	var req linkRequest
	if !decodeJSON(c, &req) {
		return
	}
	req.Approver.ID, req.Approver.Role = strings.TrimSpace(req.Approver.ID), strings.TrimSpace(req.Approver.Role)
	ttl, probs := req.validate(callerOf(ctx) != nil)
	if len(probs) > 0 {
		invalid(c, "the link request has problems", probs...)
		return
	}
	a, ref := s.pendingApproval(ctx, c.Param("id"))
	if ref != nil {
		ref.write(c)
		return
	}
	allowed, err := parseApprovers(a)
	if err != nil {
		s.internal(c, "could not read who may decide the approval", err)
		return
	}
	who, ref := linkApprover(ctx, a, allowed, req.Approver)
	if ref != nil {
		ref.write(c)
		return
	}
	claims := links.LinkClaims{ApprovalID: a.ID, Approver: who}
	if caller := callerOf(ctx); caller != nil {
		claims.Token = caller.tokenID
	}
	now := time.Now()
	approve, reject, exp, err := links.URLs(s.linkKey, s.baseURL(c), claims, ttl, now)
	if err != nil {
		s.internal(c, "could not sign the link", err)
		return
	}
	page, _, err := links.PageURL(s.linkKey, s.baseURL(c), claims, ttl, now)
	if err != nil {
		s.internal(c, "could not sign the link", err)
		return
	}
	e := auditOf(c, api.AuditLinkMinted, a.ClientID, map[string]any{"expires_at": exp.Format(time.RFC3339), "role": who.Role})
	e.CampaignID, e.ApprovalID, e.Actor, e.At = a.CampaignID, a.ID, actor(ctx, who.ID, "api"), now.UTC()
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.internal(c, "could not record the link", err)
		return
	}
	c.JSON(http.StatusCreated, linkResponse{ApproveURL: approve, RejectURL: reject, PageURL: page, ExpiresAt: exp, Approver: who})
}

// linkApprover is who a link is minted for: the caller, in an approver role its
// token holds. It refuses, before anything is signed, whatever a direct decision
// by the caller would be refused for. Without auth (tests of the open API) the
// requested approver stands if the approval accepts it.
func linkApprover(ctx context.Context, a *store.Approval, allowed []api.Approver, req api.Approver) (api.Approver, *refusal) {
	caller := callerOf(ctx)
	if caller == nil {
		if !workflows.MayDecide(allowed, req) {
			return req, refuseInvalid("%s may not decide approval %s; its approvers are %s", describeApprover(req), a.ID, describeApprovers(allowed))
		}
		return req, nil
	}
	if req.ID != "" && req.ID != caller.name {
		return req, refuseForbidden("a link acts as the person it names, so the API mints links only for the caller (%s), never for %s; "+
			"links for other approvers go out in the reminders delivered to them", caller.name, req.ID)
	}
	role, ref := approvalRole(ctx, a.ClientID, allowed, req.Role)
	if ref != nil {
		return req, ref
	}
	who := api.Approver{ID: caller.name, Role: role}
	if !workflows.MayDecide(allowed, who) {
		return who, refuseForbidden("%s may not decide approval %s; its approvers are %s", describeApprover(who), a.ID, describeApprovers(allowed))
	}
	if a.RequestedBy != "" && a.RequestedBy == caller.name {
		return who, refuseForbidden("%s requested this campaign, so it may not approve its steps, by link or otherwise", caller.name)
	}
	return who, nil
}

// validate checks the request's shape; with a caller the approver may be left
// out (the link is for the caller).
func (req linkRequest) validate(hasCaller bool) (time.Duration, []playbooks.Problem) {
	var probs []playbooks.Problem
	if !hasCaller && req.Approver.ID == "" && req.Approver.Role == "" {
		probs = append(probs, playbooks.Problem{Field: "approver", Message: "is required: give an id, a role, or both"})
	}
	ttl, prob := parseLinkTTL(req.TTL)
	if prob != nil {
		probs = append(probs, *prob)
	}
	return ttl, probs
}

// parseLinkTTL reads a link's lifetime ("72h", "3d"); "" is the default.
func parseLinkTTL(v string) (time.Duration, *playbooks.Problem) {
	if v == "" {
		return defaultLinkTTL, nil
	}
	d, err := playbooks.ParseDuration(v)
	switch {
	case err != nil:
		return 0, &playbooks.Problem{Field: "ttl", Message: err.Error()}
	case d.Duration < time.Second || d.Duration > maxLinkTTL:
		return 0, &playbooks.Problem{Field: "ttl", Message: fmt.Sprintf("must be between 1s and %s, not %s", playbooks.Duration{Duration: maxLinkTTL}, v)}
	}
	return d.Duration, nil
}

// linksOn answers 503 when no secret was configured, so links cannot be made or used.
func (s *Server) linksOn(c *gin.Context) bool {
	if len(s.linkKey) > 0 {
		return true
	}
	unavailable(c, "signed approval links are off: this server has no link secret ("+config.EnvLinkSecret+")")
	return false
}

// baseURL is where approvers reach the API: the configured public URL, else the
// address this request came to (proxy headers are not trusted for it).
func (s *Server) baseURL(c *gin.Context) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func approvalPath(id string) string { return "/v1/approvals/" + url.PathEscape(id) }

func describeApprover(a api.Approver) string {
	switch {
	case a.ID != "" && a.Role != "":
		return fmt.Sprintf("%s (%s)", a.ID, a.Role)
	case a.ID != "":
		return a.ID
	}
	return "role " + a.Role
}

func describeApprovers(list []api.Approver) string {
	names := make([]string, 0, len(list))
	for _, a := range list {
		names = append(names, describeApprover(a))
	}
	return strings.Join(names, ", ")
}
