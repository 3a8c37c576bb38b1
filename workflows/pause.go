package workflows

import (
	"cmp"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

// Pausing holds a campaign between steps: the step under way finishes, no new one
// starts until it is resumed. Approval deadlines keep running — a paused campaign
// does not extend the client's time to decide — unless the playbook says
// `pause: {deadlines: shift}`, when resuming moves every pending deadline by the
// time the campaign was paused. Waits and repeat intervals always keep theirs.

func (r *campaignRun) registerPause(ctx workflow.Context) error {
	for _, u := range []struct {
		name  string
		pause bool
	}{{UpdatePause, true}, {UpdateResume, false}} {
		pause := u.pause
		err := workflow.SetUpdateHandlerWithOptions(ctx, u.name,
			func(ctx workflow.Context, req PauseRequest) (api.CampaignView, error) {
				r.setPaused(ctx, pause, req)
				seq := r.proj.seq
				if err := workflow.Await(ctx, func() bool { return r.proj.written >= seq }); err != nil {
					return api.CampaignView{}, err
				}
				return r.view, nil
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req PauseRequest) error {
				switch {
				case pause && r.paused:
					return temporal.NewNonRetryableApplicationError(ErrAlreadyPaused.Error(), ErrTypeAlreadyPaused, ErrAlreadyPaused)
				case !pause && !r.paused:
					return temporal.NewNonRetryableApplicationError(ErrNotPaused.Error(), ErrTypeNotPaused, ErrNotPaused)
				}
				return nil
			}},
		)
		if err != nil {
			return fmt.Errorf("register update %s: %w", u.name, err)
		}
	}
	return nil
}

func (r *campaignRun) setPaused(ctx workflow.Context, pause bool, req PauseRequest) {
	now := workflow.Now(ctx).UTC()
	r.paused = pause
	c := change{}
	detail := map[string]any{"reason": req.Reason}
	kind := "campaign.resumed"
	if pause {
		kind = "campaign.paused"
		r.pausedAt = now
	} else if rule := r.in.Playbook.Pause; rule != nil && rule.Deadlines == playbooks.DeadlinesShift {
		// The playbook gives the client back the time the campaign stood still.
		by := now.Sub(r.pausedAt)
		for i := range r.view.Approvals {
			if a := &r.view.Approvals[i]; a.Status == api.ApprovalPending {
				a.DueAt = a.DueAt.Add(by)
				c.approvals = append(c.approvals, i)
			}
		}
		r.deadlinesMoved++
		detail["deadlines_shifted_by"] = by.String()
	}
	c.status = r.liveStatus()
	c.audit = []auditEntry{{kind: kind, actor: req.By, channel: cmp.Or(req.Channel, api.ChannelAPI), requestID: req.RequestID, detail: detail}}
	r.emit(ctx, c)
}

// waitWhilePaused holds the caller until the campaign is resumed. A long pause
// may hand over to a new run, which starts the step when resumed.
func (r *campaignRun) waitWhilePaused(ctx workflow.Context, f *frame) error {
	if !r.flood {
		return workflow.Await(ctx, func() bool { return !r.paused })
	}
	handOver := false
	err := workflow.Await(ctx, func() bool {
		handOver = r.paused && r.mustHandOver(ctx, f)
		return !r.paused || handOver
	})
	if err == nil && handOver {
		return suspendHere(ResumePoint{})
	}
	return err
}
