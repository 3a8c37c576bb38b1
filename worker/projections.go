package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/store"
)

// StoreProjections writes the campaigns' projection batches to st: the one
// place where the activity's payload meets the store's rows. A batch that
// holds notices (approval events people are told about) calls onNotices once
// it is written, when onNotices is set.
func StoreProjections(st *store.Store, onNotices ...func()) activities.ProjectionWriter {
	return storeProjections{st: st, onNotices: onNotices}
}

type storeProjections struct {
	st        *store.Store
	onNotices []func()
}

func (s storeProjections) ApplyProjection(ctx context.Context, p activities.Projection) error {
	rows := projectionRows(p)
	err := s.st.ApplyProjection(ctx, rows)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", activities.ErrCampaignMissing, err)
	}
	if err == nil && len(rows.Notices) > 0 {
		for _, f := range s.onNotices {
			f()
		}
	}
	return err
}

// projectionRows maps the batch to the store's rows.
func projectionRows(p activities.Projection) store.Projection {
	out := store.Projection{CampaignID: p.CampaignID, Seq: p.Seq, At: p.At}
	if c := p.Campaign; c != nil {
		out.Campaign = &store.CampaignPatch{Status: c.Status, CurrentStep: c.CurrentStep, Error: c.Error, FinishedAt: c.FinishedAt}
	}
	for _, s := range p.Steps {
		out.Steps = append(out.Steps, store.StepRun{
			CampaignID: p.CampaignID, Key: s.Key, StepID: s.StepID, Kind: s.Kind, Name: s.Name,
			Status: s.Status, Seq: s.Seq, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt,
			Output: s.Output, Error: s.Error,
		})
	}
	for _, a := range p.Approvals {
		out.Approvals = append(out.Approvals, store.Approval{
			ID: a.ID, CampaignID: p.CampaignID, ClientID: a.ClientID, StepKey: a.StepKey, Title: a.Title,
			Preview: a.Preview, Status: a.Status, OnTimeout: a.OnTimeout,
			RequestedAt: a.RequestedAt, DueAt: a.DueAt, DecidedAt: a.DecidedAt, Decision: a.Decision,
			DecidedBy: a.DecidedBy, Comment: a.Comment, Channel: a.Channel, Policy: a.Policy,
			Quorum: a.Quorum, Approvers: a.Approvers, RequestedBy: a.RequestedBy, Tier: a.Tier, Edits: a.Edits,
		})
	}
	for _, v := range p.Votes {
		out.Votes = append(out.Votes, store.ApprovalVote{
			ApprovalID: v.ApprovalID, Voter: v.Voter, Role: v.Role, Decision: v.Decision,
			Comment: v.Comment, Channel: v.Channel, Edits: v.Edits, At: v.At,
		})
	}
	for _, e := range p.Audit {
		out.Audit = append(out.Audit, store.AuditEvent{
			DedupKey: e.DedupKey, CampaignID: p.CampaignID, ApprovalID: e.ApprovalID, Kind: e.Kind,
			Actor: e.Actor, Channel: e.Channel, RequestID: e.RequestID, Detail: e.Detail, At: e.At,
		})
		if n, ok := noticeOf(e); ok {
			out.Notices = append(out.Notices, n)
		}
	}
	return out
}
