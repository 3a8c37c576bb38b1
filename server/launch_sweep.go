package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/metrics"
	"github.com/greenlight/greenlight/store"
)

// A launch is two writes to two systems: the campaign row, then the workflow
// (createCampaign). A process that dies between them leaves a row that says
// running with no workflow behind it, which nothing would ever change. The
// launch sweep finds such rows and fails them, with an error and an audit
// event that say the launch was interrupted.
//
// It fails them rather than starting the missing workflow. A caller without an
// Idempotency-Key got no answer, so from their side the launch failed; most
// retry, and starting the orphan as well would run the campaign twice and post
// twice to the client's accounts. The row also does not record who launched
// it, so a workflow started by the sweep would lose the rule that the requester
// may not approve their own steps. A caller with a key has the safe way to
// finish a launch: retrying with the key starts the workflow as that caller
// (createCampaign renews the row first so no sweep fails it meanwhile).
//
// The sweep must never fail a launch under way on another replica, nor a
// campaign whose workflow exists, and several replicas sweep at once. So it
// considers only rows still running with no projection (the workflow's first
// projection raises projection_seq) that nobody has touched for Grace, which
// is longer than any launch may take (LaunchTimeout); it asks Temporal and acts
// only on NotFound (or a workflow that ended without writing anything); and its
// UPDATE repeats those conditions, so whichever sweep commits first wins and
// the others change nothing.

// LaunchTimeout bounds a launch from its campaign row to Temporal's answer to
// the workflow start. After it the start has happened or never will, which is
// what lets the sweep wait a grace longer than this and then trust NotFound.
const LaunchTimeout = 10 * time.Second

// sweepBatch is how many candidate rows one query reads; a sweep pages on.
const sweepBatch = 100

// describeTimeout bounds one question to Temporal, so a hung call cannot stall
// the sweep; the row is retried on the next sweep.
const describeTimeout = 5 * time.Second

// Describer is the part of the Temporal client the sweep uses.
type Describer interface {
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
}

// LaunchSweep fails campaigns whose launch was interrupted. Every API process
// runs one (see Run); they are safe to run side by side.
type LaunchSweep struct {
	Store    *store.Store
	Temporal Describer
	Logger   *slog.Logger
	Metrics  *metrics.Registry // nil: nothing is counted
	// Grace is how long a campaign may wait for its workflow; it must exceed
	// LaunchTimeout plus the clock skew between API replicas.
	Grace time.Duration
	// Now is the clock; nil means time.Now. Tests move it forward instead of waiting.
	Now func() time.Time
}

// InterruptedLaunchError is the error a campaign shows when its workflow never started.
const InterruptedLaunchError = "launch interrupted: the campaign was recorded but the API stopped before its workflow started, so nothing ran; launch it again"

// AuditLaunchInterrupted is the audit event kind the sweep records.
const AuditLaunchInterrupted = "campaign.launch_interrupted"

// Run sweeps at once (a restarted process finds what its crash left) and then
// every half grace until ctx ends.
func (w *LaunchSweep) Run(ctx context.Context) {
	every := w.Grace / 2
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		failed, err := w.Sweep(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			w.log().WarnContext(ctx, "launch sweep stopped early; the next sweep continues", "failed", failed, "error", err)
		case failed > 0:
			w.log().InfoContext(ctx, "launch sweep failed interrupted launches", "failed", failed)
		default:
			w.log().DebugContext(ctx, "launch sweep found nothing to do")
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *LaunchSweep) log() *slog.Logger {
	if w.Logger == nil {
		return slog.Default()
	}
	return w.Logger
}

// Sweep fails every campaign whose launch was interrupted more than Grace ago
// and returns how many it failed. A row it cannot check (Temporal or the store
// did not answer) is logged, counted and left for the next sweep; an error
// means the sweep could not go on (the store failed, or ctx ended).
func (w *LaunchSweep) Sweep(ctx context.Context) (int, error) {
	if w.Grace <= LaunchTimeout {
		return 0, fmt.Errorf("launch sweep: grace %s must exceed the launch timeout %s", w.Grace, LaunchTimeout)
	}
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	now = now.UTC()
	f := store.UnstartedFilter{Before: now.Add(-w.Grace), Limit: sweepBatch}
	failed := 0
	for {
		page, err := w.Store.UnstartedCampaigns(ctx, f)
		if err != nil {
			return failed, fmt.Errorf("launch sweep: %w", err)
		}
		for i := range page {
			if err := ctx.Err(); err != nil {
				return failed, fmt.Errorf("launch sweep: %w", err)
			}
			ok, err := w.settle(ctx, &page[i], f.Before, now)
			if err != nil {
				w.log().WarnContext(ctx, "launch sweep could not settle a campaign", "campaign", page[i].ID, "error", err)
				if w.Metrics != nil {
					w.Metrics.LaunchSweepError()
				}
				continue
			}
			if ok {
				failed++
			}
		}
		if len(page) < f.Limit {
			return failed, nil
		}
		last := page[len(page)-1]
		f.AfterAt, f.AfterID = last.UpdatedAt, last.ID
	}
}

// settle fails c if Temporal has no workflow for it, or only one that ended
// without writing anything, and reports whether it did.
func (w *LaunchSweep) settle(ctx context.Context, c *store.Campaign, cutoff, now time.Time) (bool, error) {
	dctx, cancel := context.WithTimeout(ctx, describeTimeout)
	desc, err := w.Temporal.DescribeWorkflowExecution(dctx, c.WorkflowID, "")
	cancel()
	detail := map[string]string{"workflow_id": c.WorkflowID, "grace": w.Grace.String()}
	reason := InterruptedLaunchError
	switch {
	case workflowGone(err):
		detail["workflow"] = "not_found"
	case err != nil:
		// Unknown is not absent: never fail a campaign on a guess.
		return false, fmt.Errorf("describe workflow %s: %w", c.WorkflowID, err)
	case desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		// It exists and will write the row once a worker runs it.
		return false, nil
	default:
		// Ended (say, terminated from the Web UI) before its first projection:
		// nothing will ever write this row either.
		status := desc.GetWorkflowExecutionInfo().GetStatus().String()
		detail["workflow"] = status
		reason = fmt.Sprintf("launch incomplete: workflow %s ended (%s) before it recorded anything, so nothing ran; launch it again", c.WorkflowID, status)
	}
	raw, _ := json.Marshal(detail) // sorted keys: stable
	ok, err := w.Store.FailLaunch(ctx, c.ID, cutoff, now, reason, store.AuditEvent{
		DedupKey: c.ID + "/launch-interrupted", Kind: AuditLaunchInterrupted,
		Actor: "greenlight", Channel: api.ChannelSystem, Detail: string(raw),
	})
	if err != nil {
		return false, err
	}
	if ok {
		w.log().WarnContext(ctx, "campaign launch was interrupted; marked failed",
			"campaign", c.ID, "client", c.ClientID, "playbook", c.Playbook, "created_at", c.CreatedAt, "workflow", detail["workflow"])
		if w.Metrics != nil {
			w.Metrics.LaunchInterrupted()
		}
	}
	return ok, nil
}
