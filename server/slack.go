package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify/slack"
	"github.com/greenlight/greenlight/preview"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// Slack is what the API needs to take decisions from Slack's buttons.
type Slack struct {
	Client        *slack.Client // answers clicks through their response_url
	SigningSecret string        // verifies that Slack sent a request
}

// slackInteraction takes an Approve or Reject click. Who clicked comes only
// from the member id Slack signed, mapped to a person through the directory
// (a person's slack channel); the click decides as that person, in their
// roles, on their clients, through the same path as every other decision. Slack
// wants an answer within 3 seconds while a decision may wait longer for its
// campaign's worker, so the click is acknowledged at once and the outcome (or
// the reason it was refused) is posted back through the click's response_url.
func (s *Server) slackInteraction(c *gin.Context) {
	if s.slack == nil {
		notFound(c, "Slack is not set up on this server (GREENLIGHT_SLACK_TOKEN and GREENLIGHT_SLACK_SIGNING_SECRET)")
		return
	}
	body, err := slack.VerifyRequest(c.Request, s.slack.SigningSecret, time.Now())
	switch {
	case errors.Is(err, slack.ErrBodyTooLarge):
		problem(c, http.StatusRequestEntityTooLarge, probBadRequest, "Request too large", err.Error())
		return
	case err != nil:
		unauthorized(c, err.Error())
		return
	}
	in, err := slack.ParseInteraction(body)
	if errors.Is(err, slack.ErrNotADecision) {
		c.Status(http.StatusOK)
		return
	}
	if err != nil {
		badRequest(c, err.Error())
		return
	}
	c.Status(http.StatusOK)
	// The click's work outlives the request, bounded by the decision's own
	// timeout; the server's shutdown waits for it.
	ctx := context.WithoutCancel(c.Request.Context())
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		ctx, cancel := context.WithTimeout(ctx, 2*decisionTimeout)
		defer cancel()
		s.decideFromSlack(ctx, in)
	}()
}

// decideFromSlack decides as the person who clicked and answers in Slack.
func (s *Server) decideFromSlack(ctx context.Context, in slack.Interaction) {
	refuse := func(text string) {
		if err := s.slack.Client.Respond(ctx, in.ResponseURL, slack.Response{Text: text, Ephemeral: true}); err != nil {
			s.log.WarnContext(ctx, "could not answer a Slack click", "approval", in.ApprovalID, "error", err)
		}
	}
	p, err := s.store.PersonBySlackUser(ctx, in.UserID)
	if errors.Is(err, store.ErrNotFound) {
		refuse("Greenlight does not know your Slack account, so it cannot take your decision. Ask the agency to add your Slack member ID to your entry in the people directory.")
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "could not look up a Slack member", "error", err)
		refuse("Greenlight could not take your decision just now; please try again.")
		return
	}
	who := &caller{name: p.ID, person: p.ID, role: api.RoleApprover, clients: p.Clients, approvalRoles: p.Roles, roleClients: p.Clients}
	ctx = context.WithValue(ctx, callerKey{}, who)
	sig := workflows.ApprovalSignal{ApprovalID: in.ApprovalID, Decision: in.Decision, By: p.ID, Team: p.Team, Channel: api.ChannelSlack}
	v, ref := s.decide(ctx, sig, nil)
	if ref != nil {
		refuse("Not taken: " + ref.Detail)
		return
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	a := preview.Of(v, loc)
	if err := s.slack.Client.Respond(ctx, in.ResponseURL, slack.Response{
		Text: slack.DecidedText(a), Blocks: slack.Decided(a), ReplaceOriginal: true,
	}); err != nil {
		s.log.WarnContext(ctx, "could not update a Slack message after its decision", "approval", v.ID, "error", err)
	}
}
