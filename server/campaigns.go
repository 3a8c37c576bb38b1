package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

var clientPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

type launchRequest struct {
	Playbook string         `json:"playbook"`
	Version  int            `json:"version,omitempty"`
	Client   string         `json:"client"`
	Params   map[string]any `json:"params,omitempty"`
	// Accounts names, by id, which of the client's accounts to act on where
	// the client has several on one platform.
	Accounts []string `json:"accounts,omitempty"`
}

const maxIdempotencyKey = 200

// createCampaign launches a playbook. The campaign row is written before the
// workflow starts and removed if the start fails, so nothing half-made remains;
// if the process dies between the two, the launch sweep (launch_sweep.go) fails
// the row once LaunchTimeout and a grace have passed. With an Idempotency-Key
// the campaign id derives from the key, so retries, even concurrent ones or
// ones after a crash, land on the same row and the same workflow.
func (s *Server) createCampaign(c *gin.Context) {
	ctx := c.Request.Context()
	var req launchRequest
	if !decodeJSON(c, &req) {
		return
	}
	key := c.GetHeader("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		badRequest(c, fmt.Sprintf("Idempotency-Key is longer than %d characters", maxIdempotencyKey))
		return
	}
	if msg := unstorable(key); msg != "" {
		invalid(c, "the launch request has problems", playbooks.Problem{Field: "Idempotency-Key", Message: "header " + msg})
		return
	}
	if probs := req.problems(); len(probs) > 0 {
		invalid(c, "the launch request has problems", probs...)
		return
	}
	// 403, not 404: the caller named the client, so nothing is revealed by
	// saying its token does not reach it.
	if !visible(ctx, req.Client) {
		problem(c, http.StatusForbidden, probForbidden, "Forbidden", "this token may not launch campaigns for client "+req.Client)
		return
	}
	row, pb, err := s.launchPlaybook(ctx, req.Playbook, req.Version, req.Client)
	if err != nil {
		var missing *missingPlaybook
		if errors.As(err, &missing) {
			s.log.InfoContext(ctx, "launch of a playbook that is not registered", "error", err)
			invalid(c, "unknown playbook", playbooks.Problem{Field: "playbook", Message: missing.message()})
			return
		}
		if !outgrown(c, row, err) {
			s.internal(c, "could not load playbook", err)
		}
		return
	}
	params, err := playbooks.BindParams(pb, req.Params)
	if err != nil {
		if invalidFrom(c, fmt.Sprintf("parameters do not fit playbook %s v%d", pb.Name, pb.Version), err) {
			return
		}
		s.internal(c, "could not check parameters", err)
		return
	}
	team := callerTeam(ctx)
	plan, probs, err := s.planAccounts(ctx, req, pb, params, team)
	if err != nil {
		s.internal(c, "could not read the client's accounts", err)
		return
	}
	if len(probs) > 0 {
		invalid(c, "the campaign's platforms do not resolve to the client's accounts", probs...)
		return
	}
	req.Version = row.Version
	now := time.Now().UTC()
	camp := campaignRow(ctx, req, pb, params, key, now)
	camp.Team = team
	camp, created, ok := s.recordLaunch(c, camp, plan.holds)
	if !ok {
		return
	}
	if created && s.afterRow != nil {
		s.afterRow(ctx, camp.ID)
	}
	// A retry of a launch whose workflow may never have started: this request
	// may be the one that starts it, so it records the launch too (the audit
	// event's dedup key keeps it to one).
	resumed := !created && camp.Status == api.StatusRunning && camp.ProjectionSeq == 0
	if resumed {
		// Claim the row for another grace so no sweep fails it while this
		// request starts the workflow. If a sweep failed it first, answer that.
		if camp, err = s.renewLaunch(ctx, camp); err != nil {
			s.internal(c, "could not read the campaign for this Idempotency-Key", err)
			return
		}
	}
	if finished(camp.Status) {
		// A replay of a finished campaign starts nothing: its workflow may be
		// gone from Temporal's retention, and a new one would run it again.
		s.answerLaunch(c, http.StatusCreated, camp)
		return
	}

	in := workflows.CampaignInput{
		CampaignID: camp.ID, Client: camp.ClientID, Playbook: *playbooks.WithOwnerApprovals(pb, plan.accounts, team), Params: params,
		Team: team, Accounts: plan.accounts,
		// A requester may not approve their own steps; see requester for admins.
		RequestedBy:      requester(ctx),
		RequestID:        requestIDOf(c),
		Connector:        s.connector,
		SearchAttributes: s.searchAttrs,
	}
	if err := s.startOrRollback(ctx, camp, in, created); err != nil {
		s.log.ErrorContext(ctx, "could not start campaign workflow", "campaign", camp.ID, "error", err)
		unavailable(c, "could not start the campaign workflow: Temporal did not accept it; try again")
		return
	}
	if created || resumed {
		e := auditOf(c, api.AuditCampaignLaunched, camp.ClientID, map[string]any{"playbook": pb.Name, "version": pb.Version})
		// One launch event per campaign, whichever retry records it.
		e.DedupKey, e.CampaignID, e.At = camp.ID+"/launch", camp.ID, now
		_ = s.store.AppendAudit(ctx, e)
	}
	s.answerLaunch(c, http.StatusCreated, camp)
}

func (s *Server) answerLaunch(c *gin.Context, status int, camp *store.Campaign) {
	view, err := s.campaignView(c.Request.Context(), camp)
	if err != nil {
		s.internal(c, "could not read the campaign", err)
		return
	}
	c.Header("Location", "/v1/campaigns/"+camp.ID)
	c.JSON(status, view)
}

// renewLaunch keeps an unstarted launch from being swept while a retry starts
// it, and returns the campaign as it now stands.
func (s *Server) renewLaunch(ctx context.Context, camp *store.Campaign) (*store.Campaign, error) {
	renewed, err := s.store.RenewLaunch(ctx, camp.ID, time.Now())
	if err != nil || renewed {
		return camp, err
	}
	return s.store.GetCampaign(ctx, camp.ID)
}

// workflowExists asks Temporal whether a start that failed here went through
// anyway (a timeout after Temporal accepted it). Only a definite yes counts: on
// any doubt the launch is rolled back, as before; a workflow that did start
// without its row then fails at its first projection (activities.ApplyProjection).
func (s *Server) workflowExists(ctx context.Context, workflowID string) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), describeTimeout)
	defer cancel()
	_, err := s.temporal.DescribeWorkflowExecution(ctx, workflowID, "")
	return err == nil
}

// problems lists every mistake in the launch request's own fields.
func (req launchRequest) problems() []playbooks.Problem {
	var probs []playbooks.Problem
	if req.Playbook == "" {
		probs = append(probs, playbooks.Problem{Field: "playbook", Message: "is required"})
	}
	if req.Version < 0 {
		probs = append(probs, playbooks.Problem{Field: "version", Message: "must be 1 or more (or omitted for the latest)"})
	}
	switch {
	case req.Client == "":
		probs = append(probs, playbooks.Problem{Field: "client", Message: "is required"})
	case !clientPattern.MatchString(req.Client):
		probs = append(probs, playbooks.Problem{Field: "client", Message: "must be 1-64 lower-case letters, digits, dots, dashes or underscores"})
	}
	return probs
}

// campaignRow is the row a launch writes. With an Idempotency-Key (scoped to
// the caller) the id derives from the key, so every retry names the same
// campaign and workflow; the request's digest tells a retry from a reuse.
func campaignRow(ctx context.Context, req launchRequest, pb *playbooks.Playbook, params map[string]any, key string, now time.Time) *store.Campaign {
	id := newCampaignID()
	var keyPtr *string
	if key != "" {
		key = scopedIdempotencyKey(ctx, key)
		id = campaignIDFromKey(key)
		keyPtr = &key
	}
	paramsJSON, _ := json.Marshal(params)
	return &store.Campaign{
		ID: id, WorkflowID: api.CampaignWorkflowID(id), ClientID: req.Client,
		Playbook: pb.Name, PlaybookVersion: pb.Version, Params: string(paramsJSON),
		Status: api.StatusRunning, IdempotencyKey: keyPtr, RequestDigest: requestDigest(req),
		CreatedAt: now, UpdatedAt: now,
	}
}

// recordLaunch writes camp's row with its holds, or, when its Idempotency-Key was used before
// with the same request, finds that launch's row (created false). It answers
// the request itself when it cannot go on.
func (s *Server) recordLaunch(c *gin.Context, camp *store.Campaign, holds []store.HoldRequest) (*store.Campaign, bool, bool) {
	ctx := c.Request.Context()
	err := s.store.CreateCampaignHolding(ctx, camp, camp.Team, holds)
	if err == nil {
		return camp, true, true
	}
	if hc, ok := store.IsHoldConflict(err); ok {
		holdConflict(c, hc)
		return nil, false, false
	}
	if !errors.Is(err, store.ErrConflict) || camp.IdempotencyKey == nil {
		s.internal(c, "could not record the campaign", err)
		return nil, false, false
	}
	existing, err := s.store.CampaignByIdempotencyKey(ctx, *camp.IdempotencyKey)
	if err != nil {
		s.internal(c, "could not read the campaign for this Idempotency-Key", err)
		return nil, false, false
	}
	if existing.RequestDigest != camp.RequestDigest {
		invalid(c, "this Idempotency-Key was used for a different launch request",
			playbooks.Problem{Field: "Idempotency-Key", Message: "already used with another body; use a new key"})
		return nil, false, false
	}
	c.Header("Idempotent-Replayed", "true")
	return existing, false, true
}

// startOrRollback starts camp's workflow; if Temporal refuses and the row was
// written by this request, the row is removed again, so no launch leaves a
// campaign without a workflow (a crash in between is the launch sweep's).
func (s *Server) startOrRollback(ctx context.Context, camp *store.Campaign, in workflows.CampaignInput, created bool) error {
	err := s.startCampaign(ctx, camp, in)
	if err != nil && s.workflowExists(ctx, camp.WorkflowID) {
		// The start timed out here but Temporal had taken it: the launch stands.
		return nil
	}
	if err != nil && created {
		if derr := s.store.DeleteCampaign(context.WithoutCancel(ctx), camp.ID); derr != nil {
			s.log.ErrorContext(ctx, "could not roll back campaign row", "campaign", camp.ID, "error", derr)
		}
	}
	return err
}

// startCampaign starts the workflow, or finds the one already started for this
// id. It gives Temporal LaunchTimeout to answer: the launch sweep relies on no
// start landing later than that after the row was written or renewed.
func (s *Server) startCampaign(ctx context.Context, camp *store.Campaign, in workflows.CampaignInput) error {
	ctx, cancel := context.WithTimeout(ctx, LaunchTimeout)
	defer cancel()
	opts := client.StartWorkflowOptions{
		ID:                       camp.WorkflowID,
		TaskQueue:                s.taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("%s v%d for %s", in.Playbook.Name, in.Playbook.Version, in.Client),
		StaticDetails:            fmt.Sprintf("Campaign **%s**: playbook `%s` version %d for client `%s`.", camp.ID, in.Playbook.Name, in.Playbook.Version, in.Client),
	}
	if in.SearchAttributes {
		opts.TypedSearchAttributes = workflows.StartSearchAttributes(in.Client, in.Playbook.Name)
	}
	_, err := s.temporal.ExecuteWorkflow(ctx, opts, workflows.CampaignWorkflowType, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil // a retry of a launch whose campaign already finished
	}
	return err
}

func (s *Server) listCampaigns(c *gin.Context) {
	if !onlyQuery(c, "status", "client", "playbook", "limit", "page_token", "sort") {
		return
	}
	f := store.CampaignFilter{
		Status: c.Query("status"), ClientID: c.Query("client"), Playbook: c.Query("playbook"),
		PageToken: c.Query("page_token"), ClientIDs: scopeFilter(c.Request.Context(), c.Query("client")),
	}
	if f.Status != "" && !validCampaignStatus(f.Status) {
		badRequest(c, fmt.Sprintf("status %q is not one of running, waiting_approval, paused, completed, failed, canceled", f.Status))
		return
	}
	// Newest first is the one order the keyset pagination serves; a sort field is
	// never passed to SQL, only checked against this list.
	if sortBy := c.Query("sort"); sortBy != "" && sortBy != "-created_at" {
		badRequest(c, fmt.Sprintf("sort %q is not supported; campaigns sort by -created_at (newest first)", sortBy))
		return
	}
	var ok bool
	if f.Limit, ok = pageLimit(c); !ok {
		return
	}
	page, err := s.store.ListCampaigns(c.Request.Context(), f)
	if err != nil {
		s.listFailed(c, "campaigns", err)
		return
	}
	items := make([]api.CampaignView, 0, len(page.Items))
	for i := range page.Items {
		items = append(items, s.campaignSummary(&page.Items[i]))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_page_token": page.NextPageToken})
}

// getCampaign answers the campaign with its steps and approvals, as the store has it.
func (s *Server) getCampaign(c *gin.Context) {
	camp, ok := s.campaignOr404(c)
	if !ok {
		return
	}
	view, err := s.campaignView(c.Request.Context(), camp)
	if err != nil {
		s.internal(c, "could not read the campaign", err)
		return
	}
	c.JSON(http.StatusOK, view)
}

func (s *Server) cancelCampaign(c *gin.Context) {
	camp, ok := s.liveCampaignOr409(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	err := s.temporal.CancelWorkflow(ctx, camp.WorkflowID, "")
	if workflowGone(err) {
		conflict(c, fmt.Sprintf("campaign %s is no longer running", camp.ID))
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "cancel failed", "campaign", camp.ID, "error", err)
		unavailable(c, "Temporal did not accept the cancellation; try again")
		return
	}
	// Temporal's cancellation carries no identity, so who asked for it is
	// recorded here; the workflow records the cancellation itself.
	e := auditOf(c, api.AuditCampaignCancelRequested, camp.ClientID, nil)
	e.CampaignID = camp.ID
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.WarnContext(ctx, "could not record who canceled", "campaign", camp.ID, "error", err)
	}
	c.JSON(http.StatusAccepted, gin.H{"id": camp.ID, "workflow_id": camp.WorkflowID, "status": "canceling"})
}

type pauseRequest struct {
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (s *Server) pauseCampaign(c *gin.Context)  { s.setPaused(c, workflows.UpdatePause) }
func (s *Server) resumeCampaign(c *gin.Context) { s.setPaused(c, workflows.UpdateResume) }

// setPaused pauses or resumes through the workflow's update, so the answer is the
// campaign as it now stands (its status paused, or running again).
func (s *Server) setPaused(c *gin.Context, update string) {
	var req pauseRequest
	if c.Request.ContentLength != 0 && !decodeJSON(c, &req) {
		return
	}
	if ref := notSomeoneElse(c.Request.Context(), req.By); ref != nil {
		ref.write(c)
		return
	}
	camp, ok := s.liveCampaignOr409(c)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), decisionTimeout)
	defer cancel()
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: camp.WorkflowID, UpdateName: update, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.PauseRequest{
			By: actor(c.Request.Context(), req.By, channelOf(c)), Reason: req.Reason, Channel: channelOf(c), RequestID: requestIDOf(c),
		}},
	})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
	case errors.As(err, &appErr) && (appErr.Type() == workflows.ErrTypeAlreadyPaused || appErr.Type() == workflows.ErrTypeNotPaused):
		conflict(c, appErr.Message())
		return
	case workflowGone(err):
		conflict(c, fmt.Sprintf("campaign %s is no longer running", camp.ID))
		return
	default:
		s.log.ErrorContext(ctx, update+" failed", "campaign", camp.ID, "error", err)
		unavailable(c, "the campaign did not answer; try again")
		return
	}
	// The update returned once the store had the change: answer from the store.
	s.getCampaign(c)
}

// workflowGone reports Temporal's answer that a campaign's workflow is no longer
// running (ended, or past retention), which the API answers as 409.
func workflowGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

func finished(status string) bool {
	switch status {
	case api.StatusCompleted, api.StatusFailed, api.StatusCanceled:
		return true
	}
	return false
}

func (s *Server) campaignOr404(c *gin.Context) (*store.Campaign, bool) {
	camp, err := s.store.GetCampaign(c.Request.Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		notFound(c, "no campaign "+c.Param("id"))
		return nil, false
	}
	if err != nil {
		s.internal(c, "could not read the campaign", err)
		return nil, false
	}
	// Another client's campaign is answered as absent: a scoped token must not
	// learn which ids exist elsewhere.
	if !visible(c.Request.Context(), camp.ClientID) {
		notFound(c, "no campaign "+c.Param("id"))
		return nil, false
	}
	return camp, true
}

// liveCampaignOr409 is campaignOr404 for the controls (pause, resume, cancel):
// a finished campaign is answered 409, since there is nothing left to control.
func (s *Server) liveCampaignOr409(c *gin.Context) (*store.Campaign, bool) {
	camp, ok := s.campaignOr404(c)
	if ok && finished(camp.Status) {
		conflict(c, fmt.Sprintf("campaign %s already %s", camp.ID, camp.Status))
		return nil, false
	}
	return camp, ok
}

func validCampaignStatus(s string) bool {
	switch s {
	case api.StatusRunning, api.StatusWaitingApproval, api.StatusPaused, api.StatusCompleted,
		api.StatusFailed, api.StatusCanceled:
		return true
	}
	return false
}

// newCampaignID is 12 random base32 characters: short enough to type.
func newCampaignID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:12]
}

// scopedIdempotencyKey scopes an Idempotency-Key to the caller: two callers who happen to
// pick the same key get two campaigns, never each other's. Without auth (tests
// of the open API) the key is used as sent.
func scopedIdempotencyKey(ctx context.Context, key string) string {
	who := callerOf(ctx)
	if who == nil {
		return key
	}
	sum := sha256.Sum256([]byte(who.name + "\x00" + key))
	return "caller:" + hex.EncodeToString(sum[:])
}

// campaignIDFromKey derives the id from an Idempotency-Key, so every retry of one
// launch names the same campaign and workflow.
func campaignIDFromKey(key string) string {
	sum := sha256.Sum256([]byte("idempotency:" + key))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))[:12]
}

func requestDigest(r launchRequest) string {
	b, _ := json.Marshal(r) // maps marshal with sorted keys: stable
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// channelOf says through which channel a request came: the CLI marks itself.
func channelOf(c *gin.Context) string {
	if c.GetHeader("Greenlight-Channel") == api.ChannelCLI {
		return api.ChannelCLI
	}
	return api.ChannelAPI
}
