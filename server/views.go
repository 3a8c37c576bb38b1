package server

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
)

// The API answers in the same shapes as the workflow's status query
// (api.CampaignView), built here from the store's rows.

func (s *Server) campaignSummary(c *store.Campaign) api.CampaignView {
	created, updated := c.CreatedAt, c.UpdatedAt
	v := api.CampaignView{
		ID: c.ID, WorkflowID: c.WorkflowID, Playbook: c.Playbook, PlaybookVersion: c.PlaybookVersion,
		Client: c.ClientID, Status: c.Status, CurrentStep: c.CurrentStep, Error: c.Error,
		CreatedAt: &created, UpdatedAt: &updated, FinishedAt: c.FinishedAt,
		Steps: []api.StepView{}, Approvals: []api.ApprovalView{},
		UIURL: s.workflowURL(c.WorkflowID), Team: c.Team,
	}
	if c.Params != "" {
		_ = json.Unmarshal([]byte(c.Params), &v.Params)
	}
	return v
}

func (s *Server) campaignView(ctx context.Context, c *store.Campaign) (api.CampaignView, error) {
	v := s.campaignSummary(c)
	steps, err := s.store.StepRuns(ctx, c.ID)
	if err != nil {
		return v, err
	}
	for _, r := range steps {
		v.Steps = append(v.Steps, api.StepView{
			ID: r.StepID, Key: r.Key, Kind: r.Kind, Seq: r.Seq, Name: r.Name, Status: r.Status,
			StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Output: rawJSON(r.Output), Error: r.Error,
		})
	}
	approvals, err := s.store.CampaignApprovals(ctx, c.ID)
	if err != nil {
		return v, err
	}
	for i := range approvals {
		v.Approvals = append(v.Approvals, approvalView(&approvals[i]))
	}
	if v.Accounts, err = s.campaignAccounts(ctx, c); err != nil {
		return v, err
	}
	v.Waiting = s.waitingOf(ctx, c, v.Steps)
	return v, nil
}

// approvalView maps an approval row without its votes: lists (the inbox, a
// campaign's approvals) show many and would need a query each.
func approvalView(a *store.Approval) api.ApprovalView { return a.View() }

// approvalDetail is one approval with its votes, for the single-approval answers.
func (s *Server) approvalDetail(ctx context.Context, a *store.Approval) (api.ApprovalView, error) {
	v := approvalView(a)
	votes, err := s.store.ApprovalVotes(ctx, a.ID)
	if err != nil {
		return v, err
	}
	for _, vt := range votes {
		v.Votes = append(v.Votes, api.VoteView{
			By: vt.Voter, Role: vt.Role, Decision: vt.Decision, Comment: vt.Comment,
			Channel: vt.Channel, At: vt.At, Edits: rawJSON(vt.Edits),
		})
	}
	return v, nil
}

// parseApprovers reads the approval's approvers strictly; empty means anyone.
func parseApprovers(a *store.Approval) ([]api.Approver, error) { return a.ApproverList() }

func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// workflowURL links a campaign to its page in the Temporal Web UI.
func (s *Server) workflowURL(workflowID string) string {
	if s.uiURL == "" {
		return ""
	}
	return s.uiURL + "/namespaces/" + url.PathEscape(s.namespace) + "/workflows/" + url.PathEscape(workflowID)
}
