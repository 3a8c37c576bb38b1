package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
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

// Signed one-click links: POST /v1/approvals/{id}/links mints an approve and a
// reject link for the caller itself; GET …/decision?token= shows a page that
// confirms; POST …/decision?token= decides, with no other credentials, exactly what
// the link says, once.
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
	ApproveURL string       `json:"approve_url"`
	RejectURL  string       `json:"reject_url"`
	ExpiresAt  time.Time    `json:"expires_at"`
	Approver   api.Approver `json:"approver"`
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
	approve, reject, exp, err := links.URLs(s.linkKey, s.baseURL(c), claims, ttl, time.Now())
	if err != nil {
		s.internal(c, "could not sign the link", err)
		return
	}
	now := time.Now().UTC()
	if err := s.store.AppendAudit(ctx, store.AuditEvent{
		DedupKey: fmt.Sprintf("%s/link/%d", a.ID, now.UnixNano()), CampaignID: a.CampaignID, ApprovalID: a.ID,
		Kind: "approval.link_minted", Actor: actor(ctx, who.ID, "api"), Channel: channelOf(c), At: now,
		Detail: fmt.Sprintf(`{"expires_at":%q,"role":%q}`, exp.Format(time.RFC3339), who.Role),
	}); err != nil {
		s.internal(c, "could not record the link", err)
		return
	}
	c.JSON(http.StatusCreated, linkResponse{ApproveURL: approve, RejectURL: reject, ExpiresAt: exp, Approver: who})
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
	ttl := defaultLinkTTL
	if req.TTL != "" {
		d, err := playbooks.ParseDuration(req.TTL)
		switch {
		case err != nil:
			probs = append(probs, playbooks.Problem{Field: "ttl", Message: err.Error()})
		case d.Duration < time.Second || d.Duration > maxLinkTTL:
			probs = append(probs, playbooks.Problem{Field: "ttl", Message: fmt.Sprintf("must be between 1s and %s, not %s", playbooks.Duration{Duration: maxLinkTTL}, req.TTL)})
		default:
			ttl = d.Duration
		}
	}
	return ttl, probs
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

// decideWithLink takes a signed link's decision. Each check refuses before anything
// changes: signature, expiry, approval, decision, approver; then the link's single
// use is recorded, and released again if the decision is not taken, so a link
// whose decision failed (say, the worker was down) can be clicked again.
func (s *Server) decideWithLink(c *gin.Context) {
	ctx := c.Request.Context()
	page := isForm(c)
	refused := func(r *refusal) { s.linkRefused(c, page, r) }
	if len(s.linkKey) == 0 {
		refused(refuseUnavailable(0, "signed approval links are off: this server has no link secret (%s)", config.EnvLinkSecret))
		return
	}
	body, ok := readLinkDecision(c, page)
	if !ok {
		return
	}
	claims, ref := s.checkLink(ctx, c.Param("id"), c.Query("token"))
	if ref != nil {
		refused(ref)
		return
	}
	for _, d := range []string{body.Decision, c.Query("decision")} {
		if d != "" && d != claims.Decision {
			refused(refuseForbidden("this link can only %s approval %s, not %s it", claims.Decision, claims.ApprovalID, d))
			return
		}
	}
	if (body.By != "" && body.By != claims.Who()) || (body.Role != "" && body.Role != claims.Approver.Role) {
		refused(refuseForbidden("this link is for %s; it cannot decide as anyone else", describeApprover(claims.Approver)))
		return
	}
	used := false
	useOnce := func(ctx context.Context) *refusal {
		err := s.store.UseDecisionToken(ctx, store.DecisionToken{
			ID: claims.ID, ApprovalID: claims.ApprovalID, Approver: claims.Who(),
			Decision: claims.Decision, ExpiresAt: claims.Expires(),
		})
		if errors.Is(err, store.ErrConflict) {
			return refuse(http.StatusConflict, probLinkUsed, "Link already used", "link already used: each link decides once")
		}
		if err != nil {
			s.log.ErrorContext(ctx, "could not record the link's use", "approval", claims.ApprovalID, "error", err)
			return refuseUnavailable(retryAfterBusy, "could not record the link's use; try again")
		}
		used = true
		return nil
	}
	sig := workflows.ApprovalSignal{
		ApprovalID: claims.ApprovalID, Decision: claims.Decision, By: claims.Who(), Role: claims.Approver.Role,
		Comment: body.Comment, Channel: api.ChannelLink, Edits: body.Edits,
	}
	v, ref := s.decide(ctx, sig, useOnce)
	if ref != nil {
		if used {
			// Nothing was decided, so the link is not spent.
			if err := s.store.ReleaseDecisionToken(context.WithoutCancel(ctx), claims.ID); err != nil {
				s.log.ErrorContext(ctx, "could not release the link", "approval", claims.ApprovalID, "error", err)
			}
		}
		refused(ref)
		return
	}
	if page {
		s.renderPage(c, http.StatusOK, pageData{Heading: "Thank you", Approval: &v, Done: decidedText(v)})
		return
	}
	c.JSON(http.StatusOK, v)
}

// checkLink verifies the token and that it may decide approval id now; it reads
// the store but changes nothing.
func (s *Server) checkLink(ctx context.Context, id, token string) (links.LinkClaims, *refusal) {
	claims, err := links.VerifyLink(s.linkKey, token, time.Now())
	switch {
	case errors.Is(err, links.ErrLinkExpired):
		return claims, refuse(http.StatusGone, probLinkExpired, "Link expired",
			"link expired at %s; ask for a new one", claims.Expires().Format(time.RFC3339))
	case errors.Is(err, links.ErrLinkSignature):
		return claims, refuse(http.StatusUnauthorized, probLinkInvalid, "Link not valid", "link signature does not match")
	case err != nil:
		return claims, refuse(http.StatusUnauthorized, probLinkInvalid, "Link not valid", "the link is incomplete or malformed; copy the whole link")
	}
	if claims.ApprovalID != id {
		return claims, refuseForbidden("this link is for approval %s, not %s", claims.ApprovalID, id)
	}
	a, err := s.store.GetApproval(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return claims, refuseNotFound("no approval %s", id)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "could not read the approval", "approval", id, "error", err)
		return claims, refuseStore(err, "could not read the approval")
	}
	allowed, err := parseApprovers(a)
	if err != nil {
		s.log.ErrorContext(ctx, "could not read the approval's approvers", "approval", id, "error", err)
		return claims, refuseInternal("could not read who may decide the approval")
	}
	if !workflows.MayDecide(allowed, claims.Approver) {
		return claims, refuseForbidden("this link is for %s, who may not decide this approval", describeApprover(claims.Approver))
	}
	if claims.Token != "" {
		// A link minted through the API lives no longer than the token that minted it.
		t, err := s.store.GetToken(ctx, claims.Token)
		switch {
		case errors.Is(err, store.ErrNotFound) || err == nil && t.Revoked():
			return claims, refuse(http.StatusUnauthorized, probLinkInvalid, "Link not valid", "the token that made this link was revoked; ask for a new link")
		case err != nil:
			s.log.ErrorContext(ctx, "could not read the link's token", "approval", id, "error", err)
			return claims, refuseStore(err, "could not check the link")
		}
	}
	return claims, nil
}

// readLinkDecision reads the optional body of a link's POST: the landing page's
// form, or a JSON object (decoded and checked as every JSON body is).
func readLinkDecision(c *gin.Context, page bool) (decisionRequest, bool) {
	var d decisionRequest
	raw, ok := readBody(c)
	if !ok {
		return d, false
	}
	if page {
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			badRequest(c, "could not read the form: "+err.Error())
			return d, false
		}
		if probs := valuesProblems("form field", form); len(probs) > 0 {
			invalid(c, "the form has values the API does not accept", probs...)
			return d, false
		}
		d.Decision, d.Comment = form.Get("decision"), strings.TrimSpace(form.Get("comment"))
		return d, true
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return d, true
	}
	return d, decodeJSONBody(c, raw, &d)
}

// isForm reports a browser's form post, which is answered with a page.
func isForm(c *gin.Context) bool {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

// linkRefused answers a refusal as problem+json, or as a page to a browser.
func (s *Server) linkRefused(c *gin.Context, page bool, r *refusal) {
	if !page {
		r.write(c)
		return
	}
	s.renderPage(c, r.Status, pageData{Heading: r.Title, Problem: r.Detail})
}

// linkPage is what opening a link shows: the approval and a button that posts the
// decision. It changes nothing, so a mail scanner fetching it decides nothing.
func (s *Server) linkPage(c *gin.Context) {
	ctx := c.Request.Context()
	if len(s.linkKey) == 0 {
		s.renderPage(c, http.StatusServiceUnavailable, pageData{Heading: "Links are off", Problem: "this server has no link secret"})
		return
	}
	claims, ref := s.checkLink(ctx, c.Param("id"), c.Query("token"))
	if ref != nil {
		s.renderPage(c, ref.Status, pageData{Heading: ref.Title, Problem: ref.Detail})
		return
	}
	a, err := s.store.GetApproval(ctx, claims.ApprovalID)
	if err != nil {
		s.renderPage(c, http.StatusInternalServerError, pageData{Heading: "Internal error", Problem: "could not read the approval"})
		return
	}
	v := approvalView(a)
	d := pageData{Heading: a.Title, Approval: &v, Approver: describeApprover(claims.Approver), Decision: claims.Decision}
	if a.Status != api.ApprovalPending {
		d.Done = alreadyMessage(a)
		s.renderPage(c, http.StatusConflict, d)
		return
	}
	d.Preview = prettyJSON(a.Preview)
	s.renderPage(c, http.StatusOK, d)
}

func decidedText(v api.ApprovalView) string {
	if v.Status == api.ApprovalPending {
		return fmt.Sprintf("Your vote (%s) is recorded; the approval waits for more approvers.", votedOf(v))
	}
	return fmt.Sprintf("The approval is %s.", v.Status)
}

func votedOf(v api.ApprovalView) string {
	if n := len(v.Votes); n > 0 {
		return v.Votes[n-1].Decision
	}
	return "recorded"
}

func prettyJSON(s string) string {
	if s == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

type pageData struct {
	Heading  string
	Problem  string
	Done     string
	Approval *api.ApprovalView
	Approver string
	Decision string // approve | reject: the form's button
	Preview  string
}

// renderPage writes a small HTML page. html/template escapes every value; the
// headers keep the token in the URL from leaking (no referrer, no caching) and
// the page from being framed or running scripts.
func (s *Server) renderPage(c *gin.Context, status int, d pageData) {
	var buf bytes.Buffer
	if err := linkPageTemplate.Execute(&buf, d); err != nil {
		s.log.ErrorContext(c.Request.Context(), "could not render the link page", "error", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("could not render the page"))
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	c.Abort()
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// The form has no action: it posts back to the page's own URL, token included,
// whatever path prefix a proxy put in front of the API.
var linkPageTemplate = template.Must(template.New("link").Funcs(template.FuncMap{
	"time": func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006 15:04 MST") },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Heading}} · Greenlight</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
pre { background: #f5f5f5; padding: .75rem; overflow-x: auto; white-space: pre-wrap; }
.problem { color: #a00; }
button { font-size: 1rem; padding: .5rem 1.25rem; }
textarea { width: 100%; }
dt { font-weight: 600; }
</style>
</head>
<body>
<h1>{{.Heading}}</h1>
{{if .Problem}}<p class="problem">{{.Problem}}</p>{{end}}
{{with .Approval}}
<dl>
<dt>Client</dt><dd>{{.Client}}</dd>
<dt>Campaign</dt><dd>{{.CampaignID}}</dd>
<dt>Step</dt><dd>{{.Step}}</dd>
{{if eq .Status "pending"}}<dt>Due</dt><dd>{{time .DueAt}} (then: {{.OnTimeout}})</dd>{{else}}<dt>Status</dt><dd>{{.Status}}</dd>{{end}}
</dl>
{{end}}
{{if .Done}}<p>{{.Done}}</p>{{end}}
{{if and .Decision (not .Done)}}
{{if .Preview}}<h2>What you are asked to {{.Decision}}</h2>
<pre>{{.Preview}}</pre>{{end}}
<form method="post">
<input type="hidden" name="decision" value="{{.Decision}}">
<p>Deciding as <strong>{{.Approver}}</strong>.</p>
<p><label for="comment">Comment (optional)</label><br>
<textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea></p>
<p><button type="submit">{{if eq .Decision "approve"}}Approve{{else}}Reject{{end}}</button></p>
</form>
{{end}}
</body>
</html>
`))
