// Package activities holds every side effect of a campaign: platform actions and
// the store projections. Activities are methods on one struct holding their
// dependencies, registered once per worker.
package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/guardrails/competitors"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/platforms"
)

// Activities is registered with the worker; workflows call its methods through a
// typed nil pointer.
type Activities struct {
	// Projections writes projection batches to the store (worker.StoreProjections).
	Projections ProjectionWriter
	// Connectors act for every platform of campaigns without accounts (the
	// sandbox), and for the platforms the dev stack lends the sandbox.
	Connectors map[string]platforms.Connector
	// Accounts builds the connector of a client's account; Holds checks the
	// campaign may act on it. Both nil: accounts cannot be acted on.
	Accounts AccountConnectors
	Holds    Holds
	Logger   *slog.Logger
	// Links signs one-click approval links into reminders; nil sends reminders
	// without links (a worker configured without the link secret).
	Links *LinkSigner
	// Notices tells people of approval events (notices.go); nil tells no one.
	Notices *Notices
	// HeartbeatEvery is how often RunAction heartbeats while a connector works
	// and Deliver while it sends; 0 means a quarter of the activity's heartbeat
	// timeout (see heartbeat.go).
	HeartbeatEvery time.Duration
}

// LinkSigner makes the approve and reject links a reminder carries.
type LinkSigner struct {
	Secret  []byte
	BaseURL string        // the API as people reach it
	TTL     time.Duration // how long a reminder's links work
}

// ApplyProjection writes a batch of projection changes in one transaction. Run as a
// local activity: it is short, and stale or repeated batches are ignored by Seq.
func (a *Activities) ApplyProjection(ctx context.Context, p Projection) error {
	if err := a.Projections.ApplyProjection(ctx, p); err != nil {
		if errors.Is(err, ErrCampaignMissing) {
			return a.campaignMissing(ctx, p, err)
		}
		return fmt.Errorf("apply projection %s#%d: %w", p.CampaignID, p.Seq, err)
	}
	return nil
}

// CampaignMissingMetric counts projections that found no campaign row.
const CampaignMissingMetric = "greenlight_projection_campaign_missing"

// campaignMissing answers a projection whose campaign has no row in this
// worker's store. It is never dropped: the row may be in another store (a
// worker pointed at the wrong database, or a deployment polling another's
// task queue) or restored later, and a dropped batch would leave the
// campaign's view stale for good. So it fails retryably, the workflow keeps
// the batch, and operators are told: an error log on the first attempts
// and every tenth, and a counter on /metrics to alert on.
func (a *Activities) campaignMissing(ctx context.Context, p Projection, err error) error {
	activity.GetMetricsHandler(ctx).Counter(CampaignMissingMetric).Inc(1)
	info := activity.GetInfo(ctx)
	if info.Attempt <= 3 || info.Attempt%10 == 0 {
		activity.GetLogger(ctx).Error("projection waits: its campaign has no row in this worker's store; is this worker on the right database and task queue? "+
			"If the launch was rolled back, terminate the workflow",
			"campaign", p.CampaignID, "workflow", info.WorkflowExecution.ID, "task_queue", info.TaskQueue, "seq", p.Seq, "attempt", info.Attempt)
	}
	return temporal.NewApplicationErrorWithCause("campaign row missing", "CampaignMissing", err)
}

// ActionRequest asks for one platform action.
type ActionRequest struct {
	Key        string         `json:"key"` // idempotency key: campaign id + step key
	Connector  string         `json:"connector"`
	Action     string         `json:"action"`
	CampaignID string         `json:"campaign_id"`
	Client     string         `json:"client"`
	Input      map[string]any `json:"input"`
	// Competitors is the campaign's competitor list as launched: handles
	// (older campaigns send only these) or competitor objects
	// (competitors.Parse).
	Competitors []any `json:"competitors,omitempty"`
	// Unblock lets through blocks a person approved (a step's on_blocked), and
	// only those; UnblockOnly says the action already ran without them.
	Unblock     []competitors.Block `json:"unblock,omitempty"`
	UnblockOnly bool                `json:"unblock_only,omitempty"`
	// Accounts are the campaign's accounts (CampaignInput.Accounts): an
	// action on a platform acts through that platform's account. None: the
	// action goes to Connector.
	Accounts []platforms.Account `json:"accounts,omitempty"`
	// Granted are the accounts whose owning team has approved lending them.
	Granted []string `json:"granted,omitempty"`
}

// ActionResult is the action's output plus how it was obtained.
type ActionResult struct {
	Output    map[string]any `json:"output"`
	Simulated bool           `json:"simulated"`
	Replayed  bool           `json:"replayed,omitempty"`
}

// RunAction performs one platform action at most once per key, after the guardrails
// have removed anything they forbid.
func (a *Activities) RunAction(ctx context.Context, req ActionRequest) (ActionResult, error) {
	conn, ok := a.Connectors[req.Connector]
	if !ok {
		return ActionResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("unknown connector %q", req.Connector), "UnknownConnector", nil)
	}
	spec, ok := platforms.Catalog[req.Action]
	if !ok {
		return ActionResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("unknown action %q", req.Action), "UnknownAction", nil)
	}
	input := req.Input
	if req.Action == "notify" && a.Links != nil {
		input = a.withLinks(input)
	}
	screened, err := screen(ctx, spec, input, req)
	if err != nil {
		return ActionResult{}, err
	}
	if screened.Stopped {
		// The action's own target or text reaches a competitor: the connector
		// is not called at all.
		return ActionResult{Output: guardrailOutput(map[string]any{
			"performed": false,
			"reason":    "the competitor guardrail stopped the action: " + screened.Blocked[0].String(),
		}, screened)}, nil
	}
	input = screened.Input
	act := platforms.Action{Key: req.Key, Name: req.Action, CampaignID: req.CampaignID, Client: req.Client, Input: input}
	var res platforms.Result
	if spec.OnAccount && len(req.Accounts) > 0 {
		targets, terr := a.accountTargets(ctx, req, input)
		if terr != nil {
			return ActionResult{}, terr
		}
		stop := a.keepAlive(ctx)
		res, err = performOn(ctx, targets, act)
		stop()
	} else {
		stop := a.keepAlive(ctx)
		res, err = conn.Perform(ctx, act)
		stop()
	}
	if err != nil {
		if ctx.Err() != nil {
			// Canceled (the campaign was) or timed out: say so, rather than blame
			// the connector.
			return ActionResult{}, fmt.Errorf("%s %s stopped: %w", req.Connector, req.Action, ctx.Err())
		}
		return ActionResult{}, connectorError(req, err)
	}
	res.Output = guardrailOutput(res.Output, screened)
	if err := a.raiseAlerts(ctx, req, res.Output); err != nil {
		return ActionResult{}, err
	}
	if res.Replayed {
		activity.GetLogger(ctx).Info("action already performed; returning its recorded result", "key", req.Key)
	}
	return ActionResult{Output: res.Output, Simulated: res.Simulated, Replayed: res.Replayed}, nil
}

// withLinks adds signed approve and reject links for each approver named in a
// notify's input (approval_id and approvers), so one click decides.
func (a *Activities) withLinks(in map[string]any) map[string]any {
	id, _ := in["approval_id"].(string)
	list, _ := in["approvers"].([]any)
	if id == "" || len(list) == 0 {
		return in
	}
	ttl := a.Links.TTL
	if ttl <= 0 {
		ttl = 72 * time.Hour
	}
	var out []any
	for _, raw := range list {
		m, _ := raw.(map[string]any)
		who := api.Approver{}
		who.ID, _ = m["id"].(string)
		who.Role, _ = m["role"].(string)
		if who.ID == "" && who.Role == "" {
			continue
		}
		approve, reject, exp, err := links.URLs(a.Links.Secret, a.Links.BaseURL, links.LinkClaims{ApprovalID: id, Approver: who}, ttl, time.Now())
		if err != nil {
			continue
		}
		out = append(out, map[string]any{"approver": m, "approve_url": approve, "reject_url": reject, "expires_at": exp.Format(time.RFC3339)})
	}
	cp := make(map[string]any, len(in)+1)
	for k, v := range in {
		cp[k] = v
	}
	cp["links"] = out
	return cp
}
