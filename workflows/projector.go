package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
)

// The store is a projection of the run. Every state change the workflow makes is
// queued as a numbered activities.Projection; one coroutine writes the queue in order
// through a local activity, batching whatever piled up meanwhile. Numbering makes
// the writes idempotent (the store ignores a Seq it has seen), and one writer keeps
// them in order. Local activities keep the history small: one marker per batch.

var acts *activities.Activities

type projector struct {
	campaignID string
	seq        int64 // last projection queued
	written    int64 // last projection the store confirmed
	queue      []activities.Projection
	// wrote says the store confirmed a write since the last time settleSignals
	// made sure a workflow task had ended.
	wrote bool
}

// change is one state transition to apply to the view and project to the store.
type change struct {
	status     string
	current    *string
	errText    *string
	finishedAt *time.Time
	steps      []int // indexes into view.Steps that changed
	approvals  []int // indexes into view.Approvals that changed
	votes      []voteRef
	audit      []auditEntry
}

// voteRef points at one vote: approval index, vote index.
type voteRef struct{ approval, vote int }

type auditEntry struct {
	kind       string
	actor      string
	channel    string
	approvalID string
	requestID  string // the API request that caused it, if one did
	detail     map[string]any
}

// emit applies c to the view and queues its projection.
func (r *campaignRun) emit(ctx workflow.Context, c change) {
	now := workflow.Now(ctx).UTC()
	if c.status != "" {
		r.view.Status = c.status
	}
	if c.current != nil {
		r.view.CurrentStep = *c.current
	}
	if c.errText != nil {
		r.view.Error = *c.errText
	}
	if c.finishedAt != nil {
		r.view.FinishedAt = c.finishedAt
	}
	r.view.UpdatedAt = &now
	r.proj.seq++
	p := activities.Projection{
		CampaignID: r.in.CampaignID,
		Seq:        r.proj.seq,
		At:         now,
		Campaign: &activities.CampaignPatch{
			Status: c.status, CurrentStep: c.current, Error: c.errText, FinishedAt: c.finishedAt,
		},
	}
	for _, i := range c.steps {
		p.Steps = append(p.Steps, stepRow(r.view.Steps[i]))
	}
	for _, i := range c.approvals {
		p.Approvals = append(p.Approvals, approvalRow(r.view.Approvals[i]))
	}
	for _, v := range c.votes {
		a := r.view.Approvals[v.approval]
		vv := a.Votes[v.vote]
		p.Votes = append(p.Votes, activities.VoteRow{
			ApprovalID: a.ID, Voter: vv.By, Role: vv.Role, Decision: vv.Decision, Comment: vv.Comment,
			Channel: vv.Channel, Edits: string(vv.Edits), At: vv.At,
		})
	}
	for i, a := range c.audit {
		p.Audit = append(p.Audit, activities.AuditRow{
			DedupKey:   fmt.Sprintf("%s/%d/%d", r.in.CampaignID, p.Seq, i),
			ApprovalID: a.approvalID,
			Kind:       a.kind,
			Actor:      a.actor,
			Channel:    a.channel,
			RequestID:  a.requestID,
			Detail:     jsonText(a.detail),
			At:         now,
		})
	}
	r.proj.queue = append(r.proj.queue, p)
	r.upsertStatus(ctx)
}

func (r *campaignRun) startProjector(ctx workflow.Context) {
	// Disconnected: a canceled campaign must still record that it was canceled.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	lctx := workflow.WithLocalActivityOptions(dctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
	logger := workflow.GetLogger(ctx)
	workflow.Go(dctx, func(ctx workflow.Context) {
		for {
			if err := workflow.Await(ctx, func() bool { return len(r.proj.queue) > 0 }); err != nil {
				return
			}
			batch := mergeProjections(r.proj.queue)
			r.proj.queue = nil
			err := workflow.ExecuteLocalActivity(lctx, acts.ApplyProjection, batch).Get(ctx, nil)
			var appErr *temporal.ApplicationError
			switch {
			case err == nil:
			case errors.As(err, &appErr) && appErr.NonRetryable():
				logger.Error("projection dropped", "seq", batch.Seq, "error", err)
			default:
				// The store is down for longer than an hour: keep the batch and try
				// again later rather than lose what people query.
				logger.Error("projection failed; will retry", "seq", batch.Seq, "error", err)
				r.proj.queue = append([]activities.Projection{batch}, r.proj.queue...)
				_ = workflow.Sleep(ctx, time.Minute)
				continue
			}
			r.proj.written = batch.Seq
			r.proj.wrote = true
		}
	})
}

// drain waits until the store has every queued projection.
func (p *projector) drain(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return p.written >= p.seq })
}

// mergeProjections folds queued projections into one, later values winning.
func mergeProjections(ps []activities.Projection) activities.Projection {
	last := ps[len(ps)-1]
	out := activities.Projection{CampaignID: last.CampaignID, Seq: last.Seq, At: last.At, Campaign: &activities.CampaignPatch{}}
	stepAt := map[string]int{}
	apprAt := map[string]int{}
	for _, p := range ps {
		if c := p.Campaign; c != nil {
			if c.Status != "" {
				out.Campaign.Status = c.Status
			}
			if c.CurrentStep != nil {
				out.Campaign.CurrentStep = c.CurrentStep
			}
			if c.Error != nil {
				out.Campaign.Error = c.Error
			}
			if c.FinishedAt != nil {
				out.Campaign.FinishedAt = c.FinishedAt
			}
		}
		for _, s := range p.Steps {
			out.Steps = putLatest(out.Steps, stepAt, s.Key, s)
		}
		for _, a := range p.Approvals {
			out.Approvals = putLatest(out.Approvals, apprAt, a.ID, a)
		}
		out.Votes = append(out.Votes, p.Votes...)
		out.Audit = append(out.Audit, p.Audit...)
	}
	return out
}

// putLatest replaces the row with key in list (at[key] is its index), or
// appends it, keeping first-seen order.
func putLatest[T any](list []T, at map[string]int, key string, row T) []T {
	if i, ok := at[key]; ok {
		list[i] = row
		return list
	}
	at[key] = len(list)
	return append(list, row)
}

func stepRow(s api.StepView) activities.StepRow {
	return activities.StepRow{
		Key: s.Key, StepID: s.ID, Kind: s.Kind, Name: s.Name,
		Status: s.Status, Seq: s.Seq, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt,
		Output: string(s.Output), Error: s.Error,
	}
}

func approvalRow(a api.ApprovalView) activities.ApprovalRow {
	return activities.ApprovalRow{
		ID: a.ID, ClientID: a.Client, StepKey: a.Step, Title: a.Title,
		Preview: string(a.Preview), Status: a.Status, OnTimeout: a.OnTimeout,
		RequestedAt: a.RequestedAt, DueAt: a.DueAt, DecidedAt: a.DecidedAt, Decision: a.Decision,
		DecidedBy: a.DecidedBy, Comment: a.Comment, Channel: a.Channel, Policy: a.Policy,
		Quorum: max(a.Quorum, 1), Approvers: approversText(a.Approvers), RequestedBy: a.RequestedBy,
		Tier: a.Tier, Edits: string(a.Edits),
	}
}

func approversText(a []api.Approver) string {
	if len(a) == 0 {
		return ""
	}
	return jsonText(a)
}

// jsonText marshals v for a text column; encoding/json sorts map keys, so the
// result is deterministic.
func jsonText(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}
