package server

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/pages"
	"github.com/greenlight/greenlight/preview"
	"github.com/greenlight/greenlight/store"
)

// timelinePage shows one campaign read-only, from a signed timeline link: its
// steps in order with their status, and each approval's decisions (who, when,
// through which channel), approvals decided by silence marked as such. The
// approval page and the inbox mint these links for the campaigns their holder
// may see.
func (s *Server) timelinePage(c *gin.Context) {
	ctx := c.Request.Context()
	if len(s.linkKey) == 0 {
		s.renderRefusal(c, refuseUnavailable(0, "signed links are off: this server has no link secret (%s)", config.EnvLinkSecret))
		return
	}
	cl, err := links.VerifyTimeline(s.linkKey, c.Query("token"), time.Now())
	switch {
	case errors.Is(err, links.ErrLinkExpired):
		s.renderRefusal(c, refuse(http.StatusGone, probLinkExpired, "Link expired",
			"this timeline link stopped working on %s; open it again from the approval or your inbox", pageTime(cl.Expires())))
		return
	case err != nil:
		s.renderRefusal(c, linkInvalid(err))
		return
	}
	if cl.CampaignID != c.Param("id") {
		s.renderRefusal(c, refuseForbidden("this link is for campaign %s, not %s", cl.CampaignID, c.Param("id")))
		return
	}
	if ref := s.mintingTokenLive(ctx, cl.Token); ref != nil {
		s.renderRefusal(c, ref)
		return
	}
	page, err := s.timeline(c, cl)
	if errors.Is(err, store.ErrNotFound) {
		s.renderRefusal(c, refuseNotFound("no campaign %s", cl.CampaignID))
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "could not read a campaign's timeline", "campaign", cl.CampaignID, "error", err)
		s.renderRefusal(c, refuseStore(err, "could not read the campaign"))
		return
	}
	s.renderPage(c, http.StatusOK, page)
}

// timeline reads the campaign, its steps and its approvals with their votes.
func (s *Server) timeline(c *gin.Context, cl links.TimelineClaims) (pages.Timeline, error) {
	ctx := c.Request.Context()
	camp, err := s.store.GetCampaign(ctx, cl.CampaignID)
	if err != nil {
		return pages.Timeline{}, err
	}
	runs, err := s.store.StepRuns(ctx, camp.ID)
	if err != nil {
		return pages.Timeline{}, err
	}
	rows, err := s.store.CampaignApprovals(ctx, camp.ID)
	if err != nil {
		return pages.Timeline{}, err
	}
	byStep := map[string][]preview.Approval{}
	for i := range rows {
		v, err := s.approvalDetail(ctx, &rows[i])
		if err != nil {
			return pages.Timeline{}, err
		}
		byStep[rows[i].StepKey] = append(byStep[rows[i].StepKey], readable(v))
	}
	page := pages.Timeline{
		Heading: fmt.Sprintf("%s for %s", camp.Playbook, camp.ClientID), ID: camp.ID, Client: camp.ClientID,
		Playbook: camp.Playbook, Status: camp.Status, Started: pageTimeOf(&camp.CreatedAt),
		Finished: pageTimeOf(camp.FinishedAt), Error: camp.Error, Expires: pageTime(cl.Expires()),
	}
	for _, r := range runs {
		name := r.Name
		if name == "" {
			name = r.StepID
		}
		page.Steps = append(page.Steps, pages.Step{
			Name: name, Status: r.Status, Started: pageTimeOf(r.StartedAt), Finished: pageTimeOf(r.FinishedAt),
			Error: r.Error, Approvals: byStep[r.Key],
		})
		delete(byStep, r.Key)
	}
	// An approval whose step row is not written yet still shows, in order.
	for i := range rows {
		if list, ok := byStep[rows[i].StepKey]; ok {
			page.Steps = append(page.Steps, pages.Step{Name: rows[i].StepKey, Status: rows[i].Status, Approvals: list})
			delete(byStep, rows[i].StepKey)
		}
	}
	return page, nil
}
