package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/pages"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// A person's inbox, from a signed inbox link: the pending approvals they may
// decide, soonest due first, each with a link to its own page, and a form that
// approves several at once. The link acts as its person (their id, approver
// roles and clients), so the API mints one only for the caller itself, and the
// worker signs them into the messages it sends each person.

const (
	// maxInboxItems bounds the approvals one inbox page lists.
	maxInboxItems = 100
	// inboxItemTTL is how long the approval links an inbox page mints work:
	// long enough to read and decide, short enough that a page left open
	// holds no lasting authority.
	inboxItemTTL = time.Hour
)

type inboxLinkRequest struct {
	TTL string `json:"ttl,omitempty"` // e.g. "72h", "3d"; default 72h
}

type inboxLinkResponse struct {
	InboxURL  string    `json:"inbox_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createInboxLink mints an inbox link for the caller: its name, approver roles
// and clients, from its token; it stops working when the token is revoked.
func (s *Server) createInboxLink(c *gin.Context) {
	ctx := c.Request.Context()
	if !s.linksOn(c) {
		return
	}
	var req inboxLinkRequest
	if !decodeJSON(c, &req) {
		return
	}
	ttl, prob := parseLinkTTL(strings.TrimSpace(req.TTL))
	if prob != nil {
		invalid(c, "the inbox link request has problems", *prob)
		return
	}
	caller := callerOf(ctx)
	if caller == nil {
		refuseForbidden("an inbox link acts as the holder of an API token, and this server runs without tokens").write(c)
		return
	}
	claims := links.InboxClaims{Person: caller.name, Roles: caller.approvalRoles, Clients: caller.clients, RoleClients: caller.roleClients, Token: caller.tokenID}
	u, exp, err := links.InboxURL(s.linkKey, s.baseURL(c), claims, ttl, time.Now())
	if err != nil {
		s.internal(c, "could not sign the inbox link", err)
		return
	}
	// The link acts as its person until it expires: on record, like an
	// approval link.
	if err := s.store.AppendAudit(ctx, auditOf(c, api.AuditInboxLinkMinted, soleClient(caller.clients),
		map[string]any{"person": caller.name, "token": caller.tokenID, "expires_at": exp.Format(time.RFC3339)})); err != nil {
		s.internal(c, "could not record the inbox link", err)
		return
	}
	c.JSON(http.StatusCreated, inboxLinkResponse{InboxURL: u, ExpiresAt: exp})
}

// inboxPage lists what waits for the inbox link's person.
func (s *Server) inboxPage(c *gin.Context) {
	cl, ok := s.openInbox(c)
	if !ok {
		return
	}
	page, ref := s.inbox(c, cl)
	if ref != nil {
		s.renderRefusal(c, ref)
		return
	}
	s.renderPage(c, http.StatusOK, page)
}

// inboxDecide approves the approvals picked on the inbox page, as the link's
// person, through the same path as the API's bulk decisions.
func (s *Server) inboxDecide(c *gin.Context) {
	if !isForm(c) {
		s.renderRefusal(c, refuse(http.StatusUnsupportedMediaType, probBadRequest, "Not a form", "the inbox takes its own page's form"))
		return
	}
	raw, ok := readBody(c)
	if !ok {
		return
	}
	if ref := s.crossSite(c); ref != nil {
		s.renderRefusal(c, ref)
		return
	}
	cl, ok := s.openInbox(c)
	if !ok {
		return
	}
	values, err := url.ParseQuery(string(raw))
	if err != nil {
		s.renderRefusal(c, refuse(http.StatusBadRequest, probBadRequest, "Bad request", "could not read the form: %v", err))
		return
	}
	if !links.CheckFormToken(s.linkKey, cl.ID, values.Get("csrf")) {
		s.renderRefusal(c, refuseForbidden("this form does not belong to this inbox link; open the link again"))
		return
	}
	ids, comment, probs := readInboxForm(values)
	if len(probs) > 0 {
		s.renderRefusal(c, refuseInvalid("%s %s", probs[0].Field, probs[0].Message))
		return
	}
	if len(ids) == 0 {
		page, ref := s.inbox(c, cl)
		if ref != nil {
			s.renderRefusal(c, ref)
			return
		}
		page.Notice = "Pick at least one approval, then approve."
		s.renderPage(c, http.StatusUnprocessableEntity, page)
		return
	}
	ctx := context.WithValue(c.Request.Context(), callerKey{}, s.inboxCaller(c.Request.Context(), cl))
	listed, _, err := s.inboxApprovals(ctx, cl)
	if err != nil {
		s.renderRefusal(c, refuseStore(err, "could not read the inbox"))
		return
	}
	titles := map[string]*store.Approval{}
	for i := range listed {
		titles[listed[i].ID] = &listed[i]
	}
	decisions := make([]bulkDecision, 0, len(ids))
	for _, id := range ids {
		decisions = append(decisions, bulkDecision{ApprovalID: id, Decision: api.DecisionApprove, Comment: comment})
	}
	results := s.decideEach(ctx, decisions, cl.Person, "", api.ChannelLink)
	page := pages.Bulk{Person: cl.Person, InboxURL: inboxURL(c), Heading: "Nothing was approved"}
	approved := 0
	for _, r := range results {
		out := pages.BulkResult{ID: r.ApprovalID, Title: r.ApprovalID}
		if a := titles[r.ApprovalID]; a != nil {
			out.Title, out.Client = a.Title, a.ClientID
		}
		switch {
		case r.Error != nil:
			out.Outcome = r.Error.Detail
		case r.Approval.Status == api.ApprovalPending:
			out.Outcome, out.OK = "Your approval is recorded; it waits for more approvers.", true
			approved++
		default:
			out.Outcome, out.OK = readable(*r.Approval).Outcome(), true
			approved++
		}
		page.Results = append(page.Results, out)
	}
	if approved > 0 {
		page.Heading = fmt.Sprintf("Approved %d of %d", approved, len(results))
	}
	s.renderPage(c, http.StatusOK, page)
}

// readInboxForm reads the inbox form: the approvals picked (once each) and a
// comment; csrf is checked by the caller.
func readInboxForm(values url.Values) (ids []string, comment string, probs []playbooks.Problem) {
	if probs := valuesProblems("form field", values); len(probs) > 0 {
		return nil, "", probs
	}
	for name := range values {
		if name != "csrf" && name != "approval" && name != "comment" {
			probs = append(probs, playbooks.Problem{Field: name, Message: "is not a field of the inbox form"})
		}
	}
	for _, id := range values["approval"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxBulkDecisions {
		probs = append(probs, playbooks.Problem{Field: "approval", Message: fmt.Sprintf("picks %d approvals; approve at most %d at once", len(ids), maxBulkDecisions)})
	}
	comment = strings.TrimSpace(normalizeNewlines(values.Get("comment")))
	if utf8.RuneCountInString(comment) > pages.MaxComment {
		probs = append(probs, playbooks.Problem{Field: "comment", Message: fmt.Sprintf("has more than %d characters", pages.MaxComment)})
	}
	return ids, comment, probs
}

// openInbox verifies the request's inbox link, answering with a page if it
// cannot be used.
func (s *Server) openInbox(c *gin.Context) (links.InboxClaims, bool) {
	if len(s.linkKey) == 0 {
		s.renderRefusal(c, refuseUnavailable(0, "signed links are off: this server has no link secret (%s)", config.EnvLinkSecret))
		return links.InboxClaims{}, false
	}
	cl, err := links.VerifyInbox(s.linkKey, c.Query("token"), time.Now())
	switch {
	case errors.Is(err, links.ErrLinkExpired):
		s.renderRefusal(c, refuse(http.StatusGone, probLinkExpired, "Inbox link expired",
			"this inbox link stopped working on %s; ask for a new one", pageTime(cl.Expires())))
		return cl, false
	case err != nil:
		s.renderRefusal(c, linkInvalid(err))
		return cl, false
	}
	if ref := s.mintingTokenLive(c.Request.Context(), cl.Token); ref != nil {
		s.renderRefusal(c, ref)
		return cl, false
	}
	return cl, true
}

// inboxCaller is an inbox link's person as a request's caller, so what they
// decide through the inbox passes every check a token's decision does: client
// scope, approver roles, the approval's approvers and the requester rule.
// inboxCaller is the inbox link's person as a caller; the team is the
// person's as it is now, as for a person's token.
func (s *Server) inboxCaller(ctx context.Context, cl links.InboxClaims) *caller {
	team := ""
	if p, err := s.store.GetPerson(ctx, cl.Person); err == nil {
		team = p.Team
	}
	return &caller{tokenID: cl.Token, name: cl.Person, role: api.RoleApprover, clients: cl.Clients, approvalRoles: cl.Roles, roleClients: cl.RoleClients, team: team}
}

// inbox builds the inbox page: each approval with a short-lived link to its
// own page and a read-only link to its campaign's timeline.
func (s *Server) inbox(c *gin.Context, cl links.InboxClaims) (pages.Inbox, *refusal) {
	ctx := context.WithValue(c.Request.Context(), callerKey{}, s.inboxCaller(c.Request.Context(), cl))
	list, more, err := s.inboxApprovals(ctx, cl)
	if err != nil {
		s.log.ErrorContext(ctx, "could not list an inbox", "person", cl.Person, "error", err)
		return pages.Inbox{}, refuseStore(err, "could not read the inbox")
	}
	page := pages.Inbox{Person: cl.Person, CSRF: links.FormToken(s.linkKey, cl.ID), Expires: pageTime(cl.Expires())}
	if more {
		page.Notice = fmt.Sprintf("Showing the %d approvals due soonest; decide them to see the rest.", maxInboxItems)
	}
	itemTTL := min(inboxItemTTL, time.Until(cl.Expires()))
	for i := range list {
		a := &list[i]
		v, err := s.approvalDetail(ctx, a)
		if err != nil {
			s.log.ErrorContext(ctx, "could not read an approval's votes", "approval", a.ID, "error", err)
			return pages.Inbox{}, refuseStore(err, "could not read the inbox")
		}
		item := pages.InboxItem{A: readable(v), TimelineURL: s.timelineURL(c, a.CampaignID, cl.Person, cl.Token, cl.Expires())}
		if vote, ok := voteOf(v, cl.Person); ok {
			item.Voted = votedText(vote) + " It waits for more approvers."
		}
		allowed, _ := parseApprovers(a)
		role, _ := approvalRole(ctx, a.ClientID, allowed, "")
		link := links.LinkClaims{ApprovalID: a.ID, Approver: api.Approver{ID: cl.Person, Role: role}, Token: cl.Token}
		if item.URL, _, err = links.PageURL(s.linkKey, s.baseURL(c), link, itemTTL, time.Now()); err != nil {
			s.log.ErrorContext(ctx, "could not sign an approval link", "approval", a.ID, "error", err)
			return pages.Inbox{}, refuseInternal("could not sign the approvals' links")
		}
		page.Items = append(page.Items, item)
	}
	return page, nil
}

// inboxApprovals are the pending approvals ctx's caller (an inbox's person) may
// decide, soonest due first, at most maxInboxItems; more says some were left
// out. Approvals they requested are left out: they may not approve them.
func (s *Server) inboxApprovals(ctx context.Context, cl links.InboxClaims) (list []store.Approval, more bool, err error) {
	rows, err := s.store.ListApprovals(ctx, store.ApprovalFilter{
		Status: api.ApprovalPending, ClientIDs: scopeFilter(ctx, ""), Limit: maxApprovalsLimit,
	})
	if err != nil {
		return nil, false, err
	}
	for _, a := range rows {
		allowed, err := parseApprovers(&a)
		if err != nil || a.RequestedBy == cl.Person {
			continue
		}
		role, _ := approvalRole(ctx, a.ClientID, allowed, "")
		if !workflows.MayDecide(allowed, api.Approver{ID: cl.Person, Role: role, Team: callerTeam(ctx)}) {
			continue
		}
		if len(list) == maxInboxItems {
			return list, true, nil
		}
		list = append(list, a)
	}
	return list, false, nil
}

// inboxURL is the inbox page's own address, for a link back to it.
func inboxURL(c *gin.Context) string {
	return "?" + url.Values{"token": {c.Query("token")}}.Encode()
}
