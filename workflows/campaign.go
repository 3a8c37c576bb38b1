package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
)

// CampaignWorkflow runs one campaign: the playbook's steps in order, each approval
// waiting for a decision or its deadline. It is deterministic: every side effect is
// an activity, and the store is written through projections (see projector.go).
func CampaignWorkflow(ctx workflow.Context, in CampaignInput) (CampaignResult, error) {
	r := newCampaignRun(ctx, in)
	if err := r.registerHandlers(ctx); err != nil {
		return CampaignResult{}, err
	}
	r.initSearchStatus(ctx)
	r.initSignalFlood(ctx)
	r.initEvalLimits(ctx)
	r.startProjector(ctx)
	return r.run(ctx)
}

// campaignRun is the state of one run. Handlers only change it; run() drives it.
type campaignRun struct {
	in        CampaignInput
	view      api.CampaignView
	outputs   map[string]map[string]any // step id → output, for ${steps.…}
	approvals map[string]int            // approval id → index in view.Approvals
	proj      projector
	signals   workflow.ReceiveChannel
	topIndex  int // the top-level step running now
	stepSeq   int // last step sequence number given
	paused    bool
	pausedAt  time.Time
	// deadlinesMoved counts shifts of approval deadlines, so waits re-arm.
	deadlinesMoved int
	searchStatus   bool   // keep the status search attribute current
	legacyEval     bool   // evaluate as runs recorded before the limits did (eval_limits.go)
	searchedStatus string // the status last upserted
	// flood: ignored signals are bounded and waits may hand over to a new run.
	flood   bool
	ignored []IgnoredCount // per approval and sender, in order of first ignore
	others  IgnoredCount   // senders past the first ignoredPairs
	// ended: the campaign's final record is written; signals still arriving are
	// only counted in afterEnd, which the result reports.
	ended     bool
	afterEnd  int
	reminders map[string]*reminderState
}

func newCampaignRun(ctx workflow.Context, in CampaignInput) *campaignRun {
	info := workflow.GetInfo(ctx)
	return &campaignRun{
		in: in,
		view: api.CampaignView{
			ID:              in.CampaignID,
			WorkflowID:      info.WorkflowExecution.ID,
			Playbook:        in.Playbook.Name,
			PlaybookVersion: in.Playbook.Version,
			Client:          in.Client,
			Status:          api.StatusRunning,
			Params:          in.Params,
			Steps:           []api.StepView{},
			Approvals:       []api.ApprovalView{},
		},
		outputs:   map[string]map[string]any{},
		approvals: map[string]int{},
		reminders: map[string]*reminderState{},
		proj:      projector{campaignID: in.CampaignID},
	}
}

// resume restores the state a previous run carried over.
func (r *campaignRun) resume(rs *ResumeState) {
	r.view.Steps = rs.Steps
	r.view.Approvals = rs.Approvals
	if rs.Outputs != nil {
		r.outputs = rs.Outputs
	}
	for i, a := range r.view.Approvals {
		r.approvals[a.ID] = i
	}
	r.proj.seq, r.proj.written = rs.Seq, rs.Seq
	r.stepSeq = rs.StepSeq
	r.paused, r.pausedAt = rs.Paused, rs.PausedAt
	r.view.Status = r.liveStatus()
	r.view.CurrentStep = rs.CurrentStep
	r.ignored = rs.Ignored
	if rs.IgnoredOthers != nil {
		r.others = *rs.IgnoredOthers
	}
}

func (r *campaignRun) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (api.CampaignView, error) {
		return r.view, nil
	}); err != nil {
		return fmt.Errorf("register query %s: %w", QueryStatus, err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide,
		func(ctx workflow.Context, sig ApprovalSignal) (api.ApprovalView, error) {
			av, err := r.decide(ctx, sig)
			if err != nil {
				return api.ApprovalView{}, err
			}
			// Answer once the store shows the decision, so the caller's next read agrees.
			seq := r.proj.seq
			if err := workflow.Await(ctx, func() bool { return r.proj.written >= seq }); err != nil {
				return api.ApprovalView{}, err
			}
			return av, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, sig ApprovalSignal) error {
			_, err := r.checkDecision(sig)
			return err
		}},
	); err != nil {
		return fmt.Errorf("register update %s: %w", UpdateDecide, err)
	}
	if err := r.registerPause(ctx); err != nil {
		return err
	}
	r.signals = workflow.GetSignalChannel(ctx, SignalApproval)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var sig ApprovalSignal
			if !r.signals.Receive(ctx, &sig) {
				return
			}
			r.onSignal(ctx, sig)
		}
	})
	return nil
}

// onSignal applies an approval signal. A bad one is recorded, never fatal: scripts
// retry and people double-click.
func (r *campaignRun) onSignal(ctx workflow.Context, sig ApprovalSignal) {
	if sig.Channel == "" || r.flood {
		// Nothing in Greenlight sends this signal: whatever channel it claims, it
		// came straight through Temporal.
		sig.Channel = api.ChannelSignal
	}
	// Nor did it come through an API request, whatever id it carries.
	sig.RequestID = ""
	_, _ = r.decide(ctx, sig)
}

// run executes the steps and settles the campaign's final status.
func (r *campaignRun) run(ctx workflow.Context) (CampaignResult, error) {
	root := &frame{}
	first := 0
	var runErr error
	if rs := r.in.Resume; rs != nil {
		r.resume(rs)
		first = rs.StepIndex + 1
		r.topIndex = rs.StepIndex
		switch {
		case len(rs.At) == 0:
			runErr = atIndex(r.resumeRepeat(ctx, root, rs), rs.StepIndex)
		case rs.At[0].Key == "":
			first = rs.StepIndex // paused before it: it starts now
		default:
			runErr = atIndex(r.resumeStep(ctx, r.in.Playbook.Steps[rs.StepIndex], root, rs.At), rs.StepIndex)
		}
	} else {
		r.emit(ctx, change{status: api.StatusRunning, audit: []auditEntry{{kind: "campaign.started", actor: r.in.RequestedBy, channel: api.ChannelSystem, requestID: r.in.RequestID,
			detail: map[string]any{"playbook": r.in.Playbook.Name, "version": r.in.Playbook.Version}}}})
	}
	for i := first; runErr == nil && i < len(r.in.Playbook.Steps); i++ {
		r.topIndex = i
		runErr = atIndex(r.runStep(ctx, r.in.Playbook.Steps[i], root), i)
	}
	if s, ok := asSuspended(runErr); ok {
		// Canceled during the hand-over: ends below like any cancellation.
		runErr = r.continueWaiting(ctx, s)
	}
	var can *workflow.ContinueAsNewError
	if errors.As(runErr, &can) {
		return CampaignResult{}, runErr
	}

	// Cancellation and failure still have to reach the store, so the last
	// projection runs on a context the cancellation does not reach.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	switch {
	case runErr == nil:
		r.finish(dctx, api.StatusCompleted, "")
	case errors.Is(ctx.Err(), workflow.ErrCanceled) || temporal.IsCanceledError(runErr):
		r.finish(dctx, api.StatusCanceled, "canceled")
	default:
		r.finish(dctx, api.StatusFailed, runErr.Error())
	}
	if r.flood {
		if err := r.settleSignals(dctx); err != nil {
			return CampaignResult{}, err
		}
		if r.afterEnd > 0 {
			workflow.GetLogger(ctx).Info("signals ignored after the campaign ended", "campaign", r.in.CampaignID, "count", r.afterEnd)
		}
	} else if err := r.proj.drain(dctx); err != nil {
		return CampaignResult{}, err
	}
	switch r.view.Status {
	case api.StatusCanceled:
		return CampaignResult{}, temporal.NewCanceledError("campaign canceled")
	case api.StatusFailed:
		return CampaignResult{}, temporal.NewNonRetryableApplicationError(r.view.Error, "CampaignFailed", nil)
	}
	return CampaignResult{Status: r.view.Status, Outputs: r.outputs, IgnoredAfterEnd: r.afterEnd}, nil
}

// finish settles the view and emits the final projection.
func (r *campaignRun) finish(ctx workflow.Context, status, reason string) {
	now := workflow.Now(ctx).UTC()
	c := change{status: status, finishedAt: &now, errText: &reason}
	if status == api.StatusCompleted {
		empty := ""
		c.errText = &empty
	}
	for i := range r.view.Steps {
		s := &r.view.Steps[i]
		if s.Status == api.StepRunning || s.Status == api.StepWaitingApproval {
			s.Status = api.StepCanceled
			s.FinishedAt = &now
			c.steps = append(c.steps, i)
		}
	}
	for i := range r.view.Approvals {
		a := &r.view.Approvals[i]
		if a.Status == api.ApprovalPending {
			// Nobody can decide it any more; take it out of the inbox, saying why.
			a.Status = api.ApprovalExpired
			a.Policy = api.CampaignEndedPolicy(status)
			a.Channel = api.ChannelSystem
			a.DecidedAt = &now
			c.approvals = append(c.approvals, i)
		}
	}
	if r.flood {
		r.summarizeIgnored(ctx, func(*IgnoredCount) bool { return true })
		r.ended = true
	}
	c.audit = append(c.audit, auditEntry{kind: "campaign." + status, channel: api.ChannelSystem, detail: map[string]any{"reason": reason}})
	r.emit(ctx, c)
}
