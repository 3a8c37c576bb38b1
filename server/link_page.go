package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/pages"
	"github.com/greenlight/greenlight/store"
)

// linkPage is what opening a link shows: the approval as it will be published,
// and a form that decides what the link allows. A link that can no longer
// decide (used, late, the approval settled) shows what became of the approval.
// It changes nothing, so a mail scanner fetching it decides nothing.
func (s *Server) linkPage(c *gin.Context) {
	ctx := c.Request.Context()
	if len(s.linkKey) == 0 {
		s.renderPage(c, http.StatusServiceUnavailable, pages.Message{Heading: "Links are off", Text: "this server has no link secret"})
		return
	}
	claims, a, ref := s.checkLink(ctx, c.Param("id"), c.Query("token"))
	if ref != nil {
		s.linkRefused(c, true, &claims, ref)
		return
	}
	v, err := s.approvalDetail(ctx, a)
	if err != nil {
		s.log.ErrorContext(ctx, "could not read the approval's votes", "approval", a.ID, "error", err)
		s.renderRefusal(c, refuseStore(err, "could not read the approval"))
		return
	}
	if a.Status != api.ApprovalPending {
		s.renderDone(c, http.StatusConflict, "Already decided", v, "", s.linkTimeline(c, a.CampaignID, claims))
		return
	}
	if vote, ok := voteOf(v, claims.Who()); ok {
		s.renderDone(c, http.StatusOK, "You have voted", v, votedText(vote), s.linkTimeline(c, a.CampaignID, claims))
		return
	}
	s.renderApproval(c, http.StatusOK, claims, a, linkForm{Decision: c.Query("decision")}, "")
}

// renderApproval shows the approval with its form: blank, or, after a post that
// was not taken, as the person filled it, with why.
func (s *Server) renderApproval(c *gin.Context, status int, claims links.LinkClaims, a *store.Approval, form linkForm, problem string) {
	ctx := c.Request.Context()
	v, err := s.approvalDetail(ctx, a)
	if err != nil {
		s.log.ErrorContext(ctx, "could not read the approval's votes", "approval", a.ID, "error", err)
		s.renderRefusal(c, refuseStore(err, "could not read the approval"))
		return
	}
	p := readable(v)
	page := pages.Approval{
		A: p, Approver: describeApprover(claims.Approver), Choices: choices(claims.Decision, form.Decision),
		Editable: claims.Allows(api.DecisionApprove) && len(p.Posts) > 0, Comment: form.Comment,
		CSRF: links.FormToken(s.linkKey, claims.ID), MaxPost: pages.MaxPostText, Problem: problem,
		Notice: linkNotice(claims.Decision), Expires: pageTime(claims.Expires()),
		TimelineURL: s.linkTimeline(c, a.CampaignID, claims),
	}
	for i, post := range p.Posts {
		text, edited := form.Texts[i]
		edited = edited && text != post.Text
		if !edited {
			text = post.Text
		}
		page.Texts, page.Edited = append(page.Texts, text), append(page.Edited, edited)
	}
	s.renderPage(c, status, page)
}

// renderDone shows an approval that needs nothing more from the reader.
func (s *Server) renderDone(c *gin.Context, status int, heading string, v api.ApprovalView, message, timeline string) {
	s.renderPage(c, status, pages.Done{Heading: heading, A: readable(v), Message: message, TimelineURL: timeline})
}

// linkRefused answers a refusal as problem+json, or as a page to a browser. A
// link that can no longer decide because the approval is settled, or because
// it was used or has expired, is no error for the person holding it: the page
// says what became of the approval (the status code keeps the refusal's).
func (s *Server) linkRefused(c *gin.Context, page bool, claims *links.LinkClaims, r *refusal) {
	if !page {
		r.write(c)
		return
	}
	switch {
	case claims == nil || claims.ApprovalID == "":
	case r.Type == probLinkExpired || r.Type == probLinkUsed || r.Status == http.StatusConflict:
		if s.renderSettled(c, r, *claims) {
			return
		}
	}
	s.renderRefusal(c, r)
}

// renderSettled shows what became of the approval a link names, if the link
// (expired or spent, but genuine) may still see it; false when it may not.
func (s *Server) renderSettled(c *gin.Context, r *refusal, claims links.LinkClaims) bool {
	ctx := c.Request.Context()
	a, ref := s.linkApproval(ctx, c.Param("id"), claims)
	if ref != nil {
		return false
	}
	v, err := s.approvalDetail(ctx, a)
	if err != nil {
		return false
	}
	timeline := ""
	if r.Type != probLinkExpired {
		timeline = s.linkTimeline(c, a.CampaignID, claims)
	}
	vote, voted := voteOf(v, claims.Who())
	switch {
	case a.Status != api.ApprovalPending:
		message := ""
		if voted {
			message = votedText(vote)
		}
		s.renderDone(c, r.Status, "Already decided", v, message, timeline)
	case voted:
		s.renderDone(c, r.Status, "You have voted", v, votedText(vote), timeline)
	case r.Type == probLinkExpired:
		s.renderDone(c, r.Status, "This link has expired", v,
			"It stopped working on "+pageTime(claims.Expires())+". Ask for a new link, or answer from your inbox.", "")
	default:
		return false
	}
	return true
}

// voteOf is who's vote on the approval, if they voted.
func voteOf(v api.ApprovalView, who string) (api.VoteView, bool) {
	for _, vt := range v.Votes {
		if vt.By == who {
			return vt, true
		}
	}
	return api.VoteView{}, false
}

func votedText(v api.VoteView) string {
	return "You voted " + v.Decision + " on " + pageTime(v.At) + "."
}

// linkTimeline mints a read-only link to the campaign's timeline for a link's
// holder, expiring with the link.
func (s *Server) linkTimeline(c *gin.Context, campaignID string, claims links.LinkClaims) string {
	return s.timelineURL(c, campaignID, claims.Who(), claims.Token, claims.Expires())
}

// timelineURL mints a read-only timeline link; "" (no link on the page) when it
// cannot be signed or would already have expired.
func (s *Server) timelineURL(c *gin.Context, campaignID, person, token string, expires time.Time) string {
	if !time.Now().Before(expires) {
		return ""
	}
	u, err := links.TimelineURL(s.linkKey, s.baseURL(c), links.TimelineClaims{CampaignID: campaignID, Person: person, Token: token}, expires)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "could not sign a timeline link", "campaign", campaignID, "error", err)
		return ""
	}
	return u
}
