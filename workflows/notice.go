package workflows

import (
	"cmp"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/activities"
)

// NoticeWorkflowType is the registered type of the workflow that tells people
// of one approval event. The worker's dispatcher starts one per event, from the
// notices the campaign's projections wrote (worker/notices.go); it runs beside
// its campaign, so a slow or failing channel never holds a campaign up.
const NoticeWorkflowType = "ApprovalNotice"

// NoticeWorkflowID is the one place a notice's workflow ID is derived: from
// its event's key, so starting it twice starts it once.
func NoticeWorkflowID(key string) string { return "notice-" + key }

// NoticeResult counts what became of an event's messages, one per target.
type NoticeResult struct {
	Sent    int    `json:"sent"`
	Failed  int    `json:"failed"`
	Skipped string `json:"skipped,omitempty"` // why nobody was told
}

// deliveryRetry is how long one channel is tried before the next: about four
// minutes of backoff, so that a person's second channel still carries a
// request well before its deadline.
func deliveryRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 6,
	}
}

// NoticeWorkflow tells everyone the plan names: for each target its channels
// in order, until one carries the message. Targets are told concurrently.
func NoticeWorkflow(ctx workflow.Context, e activities.NoticeEvent) (NoticeResult, error) {
	var plan activities.NoticePlan
	pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second, RetryPolicy: defaultRetry(),
		Summary: fmt.Sprintf("Who to tell: %s %s", cmp.Or(e.ApprovalID, e.CampaignID), e.Kind),
	})
	if err := workflow.ExecuteActivity(pctx, acts.PlanNotice, e).Get(ctx, &plan); err != nil {
		return NoticeResult{}, err
	}
	res := NoticeResult{Skipped: plan.Skip}
	wg := workflow.NewWaitGroup(ctx)
	for _, t := range plan.Targets {
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			if tellOne(ctx, e, t) {
				res.Sent++
			} else {
				res.Failed++
			}
		})
	}
	wg.Wait(ctx)
	return res, nil
}

// tellOne tries t's channels in order and reports whether one carried the
// message; each channel that gave up is recorded as failed.
func tellOne(ctx workflow.Context, e activities.NoticeEvent, t activities.NoticeTarget) bool {
	for _, ch := range t.Channels {
		req := activities.DeliveryRequest{Event: e, Person: t.Person, Channel: ch}
		who := t.Person
		if who == "" {
			who = fmt.Sprintf("webhook %d", ch.Index+1)
		}
		// Deliver heartbeats, so a worker that dies mid-delivery is replaced
		// after seconds, not after the attempt's minute; the delivery's record
		// keeps the retry from sending twice.
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: time.Minute, HeartbeatTimeout: actionHeartbeatTimeout, RetryPolicy: deliveryRetry(),
			Summary: fmt.Sprintf("%s %s to %s", e.Kind, ch.Kind, who),
		})
		err := workflow.ExecuteActivity(actx, acts.Deliver, req).Get(ctx, nil)
		if err == nil {
			return true
		}
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: 10 * time.Second, RetryPolicy: defaultRetry(),
		})
		if err := workflow.ExecuteLocalActivity(lctx, acts.GiveUpDelivery, req, err.Error()).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("could not record a delivery given up", "error", err)
		}
	}
	return false
}
