package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// noticeKinds maps the audit events people are told about to their notice
// kind. A grant passing an approval is its decision.
var noticeKinds = map[string]string{
	"approval.requested": api.NoticeRequested,
	"approval.reminded":  api.NoticeReminded,
	"approval.escalated": api.NoticeEscalated,
	"approval.decided":   api.NoticeDecided,
	"approval.granted":   api.NoticeDecided,
	"approval.expired":   api.NoticeExpired,
}

// noticeOf is the notice an audit row calls for, if any.
func noticeOf(e activities.AuditRow) (store.Notice, bool) {
	kind, ok := noticeKinds[e.Kind]
	if !ok || e.ApprovalID == "" {
		return store.Notice{}, false
	}
	n := store.Notice{Key: e.DedupKey, Kind: kind, ApprovalID: e.ApprovalID, CreatedAt: e.At}
	var detail struct {
		N  int    `json:"n"`
		To string `json:"to"`
	}
	if json.Unmarshal([]byte(e.Detail), &detail) == nil {
		n.Seq, n.To = detail.N, detail.To
	}
	return n, true
}

// NoticeDispatcher starts a notice workflow for every notice the projections
// wrote: woken at once by this worker's own projections, and every PollEvery
// for the rest (another worker's, or one a crash left behind). Starting is
// idempotent by workflow ID, so two dispatchers, or a restart between the
// start and its record, tell nobody twice.
type NoticeDispatcher struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	Logger    *slog.Logger
	PollEvery time.Duration // 0 means 2 s
	// Discard marks notices handled without starting their workflows: a
	// deployment with no channel tells no one, and keeps no backlog.
	Discard bool
	wake    chan struct{}
}

// NewNoticeDispatcher returns a dispatcher that starts notices on taskQueue;
// Run starts it.
func NewNoticeDispatcher(st *store.Store, c client.Client, taskQueue string, logger *slog.Logger) *NoticeDispatcher {
	return &NoticeDispatcher{Store: st, Temporal: c, TaskQueue: taskQueue, Logger: logger, wake: make(chan struct{}, 1)}
}

// Wake asks the dispatcher to look for notices now.
func (d *NoticeDispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx ends.
func (d *NoticeDispatcher) Run(ctx context.Context) {
	every := d.PollEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := d.dispatch(ctx); err != nil && ctx.Err() == nil {
			d.Logger.Warn("notices wait: could not start their workflows", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// dispatch starts the workflows of every pending notice, a page at a time.
func (d *NoticeDispatcher) dispatch(ctx context.Context) error {
	for {
		pending, err := d.Store.PendingNotices(ctx, 100)
		if err != nil {
			return err
		}
		for _, n := range pending {
			if d.Discard {
				if err := d.Store.NoticeStarted(ctx, n.ID); err != nil {
					return err
				}
				continue
			}
			if err := d.start(ctx, n); err != nil {
				return err
			}
			if err := d.Store.NoticeStarted(ctx, n.ID); err != nil {
				return err
			}
		}
		if len(pending) < 100 {
			return nil
		}
	}
}

func (d *NoticeDispatcher) start(ctx context.Context, n store.Notice) error {
	e := activities.NoticeEvent{
		Key: n.Key, Kind: n.Kind, ApprovalID: n.ApprovalID, CampaignID: n.CampaignID, Client: n.ClientID, Seq: n.Seq, To: n.To,
		At: n.CreatedAt,
	}
	about := n.ApprovalID
	if about == "" {
		about = "campaign " + n.CampaignID // an alert
	}
	_, err := d.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.NoticeWorkflowID(n.Key), TaskQueue: d.TaskQueue,
		// Reject a second start even after the first finished: an event is told once.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         fmt.Sprintf("Tell people: %s %s", about, n.Kind),
	}, workflows.NoticeWorkflowType, e)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("start notice %s: %w", n.Key, err)
	}
	return nil
}

// StoreDeliveries is the store as the notice activities read and record it.
func StoreDeliveries(st *store.Store) activities.DeliveryLog { return storeDeliveries{st} }

type storeDeliveries struct{ st *store.Store }

func (s storeDeliveries) Approval(ctx context.Context, id string) (api.ApprovalView, error) {
	a, err := s.st.GetApproval(ctx, id)
	if err != nil {
		return api.ApprovalView{}, err
	}
	return a.View(), nil
}

func (s storeDeliveries) Begin(ctx context.Context, d activities.DeliveryRecord) (bool, error) {
	_, sent, err := s.st.BeginDelivery(ctx, store.Delivery{
		Key: d.Key, ApprovalID: d.ApprovalID, CampaignID: d.CampaignID, ClientID: d.Client, Kind: d.Kind, Seq: d.Seq,
		PersonID: d.Person, Channel: d.Channel, Address: d.Address,
	})
	return sent, err
}

func (s storeDeliveries) Succeeded(ctx context.Context, key, ref string) error {
	return s.st.DeliverySucceeded(ctx, key, ref)
}

func (s storeDeliveries) Failed(ctx context.Context, key, reason string, final bool) error {
	return s.st.DeliveryFailed(ctx, key, reason, final)
}

func (s storeDeliveries) Skipped(ctx context.Context, key, reason string) error {
	return s.st.DeliverySkipped(ctx, key, reason)
}

func (s storeDeliveries) Ref(ctx context.Context, key string) (string, error) {
	d, err := s.st.GetDelivery(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if d.Status != api.DeliverySent {
		return "", nil
	}
	return d.Ref, nil
}

// StoreDirectory is the store's people directory as the notice activities
// read it.
func StoreDirectory(st *store.Store) activities.Directory { return storeDirectory{st} }

type storeDirectory struct{ st *store.Store }

func (s storeDirectory) PeopleFor(ctx context.Context, client string, approvers []api.Approver) ([]activities.Person, error) {
	list, err := s.st.PeopleFor(ctx, client, approvers)
	if err != nil {
		return nil, err
	}
	out := make([]activities.Person, 0, len(list))
	for i := range list {
		out = append(out, personOf(&list[i]))
	}
	return out, nil
}

func (s storeDirectory) Person(ctx context.Context, id string) (activities.Person, error) {
	p, err := s.st.GetPerson(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return activities.Person{}, fmt.Errorf("%w: %w", activities.ErrNoPerson, err)
	}
	if err != nil {
		return activities.Person{}, err
	}
	return personOf(p), nil
}

func personOf(p *store.Person) activities.Person {
	return activities.Person{ID: p.ID, Name: p.Name, TimeZone: p.TimeZone, Roles: p.Roles, Clients: p.Clients, Channels: p.Channels, Team: p.Team}
}
