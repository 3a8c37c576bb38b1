package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// decideWithLink takes a signed link's decision. Each check refuses before anything
// changes: where a browser's post came from, signature, expiry, approval, the
// page's form token, decision, approver; then the link's single use is
// recorded, and released again if the decision is not taken, so a link whose
// decision failed (say, the worker was down) can be clicked again.
func (s *Server) decideWithLink(c *gin.Context) {
	ctx := c.Request.Context()
	page := isForm(c)
	if len(s.linkKey) == 0 {
		s.linkRefused(c, page, nil, refuseUnavailable(0, "signed approval links are off: this server has no link secret (%s)", config.EnvLinkSecret))
		return
	}
	body, form, ok := readLinkDecision(c, page)
	if !ok {
		return
	}
	if ref := s.crossSite(c); ref != nil {
		s.linkRefused(c, page, nil, ref)
		return
	}
	claims, a, ref := s.checkLink(ctx, c.Param("id"), c.Query("token"))
	if ref != nil {
		s.linkRefused(c, page, &claims, ref)
		return
	}
	if page && !links.CheckFormToken(s.linkKey, claims.ID, form.CSRF) {
		s.linkRefused(c, page, &claims, refuseForbidden("this form does not belong to this link; open the link again and decide there"))
		return
	}
	decision, ref := linkDecision(claims, body.Decision, c.Query("decision"))
	if ref != nil {
		s.linkRefused(c, page, &claims, ref)
		return
	}
	if (body.By != "" && body.By != claims.Who()) || (body.Role != "" && body.Role != claims.Approver.Role) {
		s.linkRefused(c, page, &claims, refuseForbidden("this link is for %s; it cannot decide as anyone else", describeApprover(claims.Approver)))
		return
	}
	if page {
		// The page's edited posts become the decision's edits, in the shape
		// the workflow merges; only an approval carries them.
		if body.Edits, ref = form.edits(a, decision); ref != nil {
			s.renderApproval(c, ref.Status, claims, a, form, ref.Detail)
			return
		}
	}
	used := false
	useOnce := func(ctx context.Context) *refusal {
		err := s.store.UseDecisionToken(ctx, store.DecisionToken{
			ID: claims.ID, ApprovalID: claims.ApprovalID, Approver: claims.Who(),
			Decision: decision, ExpiresAt: claims.Expires(),
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
		ApprovalID: claims.ApprovalID, Decision: decision, By: claims.Who(), Role: claims.Approver.Role, Team: claims.Approver.Team,
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
		if page && ref.transient() {
			// Nothing happened: the same form again, as the person filled it.
			s.renderApproval(c, ref.Status, claims, a, form, ref.Detail)
			return
		}
		s.linkRefused(c, page, &claims, ref)
		return
	}
	if page {
		s.renderDone(c, http.StatusOK, "Thank you", v, decidedText(v), s.linkTimeline(c, v.CampaignID, claims))
		return
	}
	c.JSON(http.StatusOK, v)
}

// linkDecision is the decision a link's post takes: what the link says, or,
// for a link that lets its approver choose, what they chose. A decision named
// in the body or the URL must be one the link allows.
func linkDecision(claims links.LinkClaims, named ...string) (string, *refusal) {
	chosen := ""
	for _, d := range named {
		if d == "" {
			continue
		}
		if claims.Decision == links.DecisionAny && d != api.DecisionApprove && d != api.DecisionReject {
			return "", refuseInvalid("decision must be approve or reject, not %q", d)
		}
		if !claims.Allows(d) {
			return "", refuseForbidden("this link can only %s approval %s, not %s it", claims.Decision, claims.ApprovalID, d)
		}
		if chosen != "" && chosen != d {
			return "", refuseInvalid("the body decides %s and the URL %s; send one decision", chosen, d)
		}
		chosen = d
	}
	if claims.Decision != links.DecisionAny {
		return claims.Decision, nil
	}
	if chosen == "" {
		return "", refuseInvalid("decision is required: this link lets its approver approve or reject, so say which")
	}
	return chosen, nil
}

// checkLink verifies the token and that it may decide approval id now; it reads
// the store but changes nothing. The claims come back with an expired link too,
// so its page can say what became of the approval.
func (s *Server) checkLink(ctx context.Context, id, token string) (links.LinkClaims, *store.Approval, *refusal) {
	claims, err := links.VerifyLink(s.linkKey, token, time.Now())
	switch {
	case errors.Is(err, links.ErrLinkExpired):
		return claims, nil, refuse(http.StatusGone, probLinkExpired, "Link expired",
			"link expired at %s; ask for a new one", claims.Expires().Format(time.RFC3339))
	case err != nil:
		return claims, nil, linkInvalid(err)
	}
	a, ref := s.linkApproval(ctx, id, claims)
	return claims, a, ref
}

// linkInvalid is the refusal of a token whose signature or shape is wrong.
func linkInvalid(err error) *refusal {
	if errors.Is(err, links.ErrLinkSignature) {
		return refuse(http.StatusUnauthorized, probLinkInvalid, "Link not valid", "link signature does not match")
	}
	return refuse(http.StatusUnauthorized, probLinkInvalid, "Link not valid", "the link is incomplete or malformed; copy the whole link")
}

// linkApproval reads the approval a verified link names, if the link may still
// act on it: the right approval, an approver it accepts, a minting token not
// revoked.
func (s *Server) linkApproval(ctx context.Context, id string, claims links.LinkClaims) (*store.Approval, *refusal) {
	if claims.ApprovalID != id {
		return nil, refuseForbidden("this link is for approval %s, not %s", claims.ApprovalID, id)
	}
	a, ref := s.readApproval(ctx, id)
	if ref != nil {
		return nil, ref
	}
	allowed, err := parseApprovers(a)
	if err != nil {
		s.log.ErrorContext(ctx, "could not read the approval's approvers", "approval", id, "error", err)
		return nil, refuseInternal("could not read who may decide the approval")
	}
	if !workflows.MayDecide(allowed, claims.Approver) {
		return nil, refuseForbidden("this link is for %s, who may not decide this approval", describeApprover(claims.Approver))
	}
	if claims.Approver.Team != "" {
		// A team's link holds only while its person is still of the team.
		p, err := s.store.GetPerson(ctx, claims.Approver.ID)
		if err != nil || p.Team != claims.Approver.Team {
			return nil, refuseForbidden("this link is for %s as one of team %s, and they are no longer of it", claims.Approver.ID, claims.Approver.Team)
		}
	}
	if ref := s.mintingTokenLive(ctx, claims.Token); ref != nil {
		return nil, ref
	}
	return a, nil
}

// mintingTokenLive refuses a link whose minting API token was revoked: a link
// minted through the API lives no longer than the token that minted it. Links
// the worker signs name no token.
func (s *Server) mintingTokenLive(ctx context.Context, tokenID string) *refusal {
	if tokenID == "" {
		return nil
	}
	t, err := s.store.GetToken(ctx, tokenID)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && t.Revoked():
		return refuse(http.StatusUnauthorized, probLinkInvalid, "Link not valid", "the token that made this link was revoked; ask for a new link")
	case err != nil:
		s.log.ErrorContext(ctx, "could not read a link's token", "token", tokenID, "error", err)
		return refuseStore(err, "could not check the link")
	}
	return nil
}

// readLinkDecision reads the optional body of a link's POST: the approval page's
// form, or a JSON object (decoded and checked as every JSON body is).
func readLinkDecision(c *gin.Context, page bool) (decisionRequest, linkForm, bool) {
	var d decisionRequest
	raw, ok := readBody(c)
	if !ok {
		return d, linkForm{}, false
	}
	if page {
		values, err := url.ParseQuery(string(raw))
		if err != nil {
			badRequest(c, "could not read the form: "+err.Error())
			return d, linkForm{}, false
		}
		f, probs := readLinkForm(values)
		if len(probs) > 0 {
			invalid(c, "the form has values the API does not accept", probs...)
			return d, linkForm{}, false
		}
		d.Decision, d.Comment = f.Decision, f.Comment
		return d, f, true
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return d, linkForm{}, true
	}
	return d, linkForm{}, decodeJSONBody(c, raw, &d)
}

// isForm reports a browser's form post, which is answered with a page.
func isForm(c *gin.Context) bool {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

// crossSite refuses a post another site's page made a browser send. Browsers
// say where a request comes from in Sec-Fetch-Site, and in Origin; the page's
// no-referrer policy makes a same-origin form post say Origin "null", so
// Origin counts only when it names a site. Clients that send neither (curl,
// scripts) are not browsers and carry the link themselves.
func (s *Server) crossSite(c *gin.Context) *refusal {
	if site := c.GetHeader("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return refuseForbidden("this was posted from another site (Sec-Fetch-Site: %s); open the link and decide on its own page", site)
	}
	origin := c.GetHeader("Origin")
	if origin == "" || origin == "null" {
		return nil
	}
	own := "http://" + c.Request.Host
	if c.Request.TLS != nil {
		own = "https://" + c.Request.Host
	}
	if strings.EqualFold(origin, own) || strings.EqualFold(origin, originOf(s.publicURL)) {
		return nil
	}
	return refuseForbidden("this was posted from another site (Origin: %s); open the link and decide on its own page", origin)
}

// originOf is the scheme and host of a URL, as browsers send it in Origin.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func decidedText(v api.ApprovalView) string {
	if v.Status == api.ApprovalPending {
		return fmt.Sprintf("Your vote (%s) is recorded; the approval waits for more approvers.", votedOf(v))
	}
	return "Your decision is recorded."
}

func votedOf(v api.ApprovalView) string {
	if n := len(v.Votes); n > 0 {
		return v.Votes[n-1].Decision
	}
	return "recorded"
}
