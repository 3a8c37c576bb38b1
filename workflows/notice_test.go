package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
	"github.com/greenlight/greenlight/workflows"
)

// people is a directory for the notice tests.
type people map[string]activities.Person

func (p people) PeopleFor(_ context.Context, _ string, approvers []api.Approver) ([]activities.Person, error) {
	var out []activities.Person
	for _, id := range slices.Sorted(maps.Keys(p)) {
		person := p[id]
		if len(approvers) == 0 || workflows.MayDecide(approvers, api.Approver{ID: id}) ||
			slices.ContainsFunc(person.Roles, func(r string) bool { return workflows.MayDecide(approvers, api.Approver{Role: r}) }) {
			out = append(out, person)
		}
	}
	return out, nil
}

func (p people) Person(_ context.Context, id string) (activities.Person, error) {
	person, ok := p[id]
	if !ok {
		return activities.Person{}, activities.ErrNoPerson
	}
	return person, nil
}

// outbox records what each channel sent; fail says how an address fails.
type outbox struct {
	mu   sync.Mutex
	sent []activities.Message
	// fail maps an address to its failure: "permanent", or a number of
	// transient failures before it works.
	fail  map[string]string
	tries map[string]int
	// hold, when set, makes each send wait for a value, as a slow relay
	// makes it wait for its reply.
	hold chan struct{}
}

func (o *outbox) sender(kind string) activities.Sender { return channel{o, kind} }

type channel struct {
	o    *outbox
	kind string
}

func (c channel) Send(_ context.Context, m activities.Message) (string, error) {
	o := c.o
	if o.hold != nil {
		select {
		case <-o.hold:
		case <-time.After(time.Second):
			return "", notify.Permanent(errors.New("held and never let go"))
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tries[m.Recipient.Address]++
	f := o.fail[m.Recipient.Address]
	if f == "permanent" {
		return "", notify.Permanent(errors.New("550 no such mailbox"))
	}
	if n, err := strconv.Atoi(f); err == nil && o.tries[m.Recipient.Address] <= n {
		return "", errors.New("451 try again later")
	}
	o.sent = append(o.sent, m)
	return fmt.Sprintf("%s:%s:%s", c.kind, m.Recipient.Address, m.Event.Kind), nil
}

func (o *outbox) to(address string) []activities.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []activities.Message
	for _, m := range o.sent {
		if m.Recipient.Address == address {
			out = append(out, m)
		}
	}
	return out
}

type noticeHarness struct {
	st  *store.Store
	box *outbox
	dir people
	// setup, when set, adjusts each run's environment and activities before
	// the workflow starts.
	setup func(*testsuite.TestWorkflowEnvironment, *activities.Activities)
}

func newNoticeHarness(t *testing.T, approvers string) *noticeHarness {
	st := storetest.SQLite(t)
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, st.CreateCampaign(ctx, &store.Campaign{
		ID: "c1", WorkflowID: api.CampaignWorkflowID("c1"), ClientID: "acme", Playbook: "p", PlaybookVersion: 1,
		Params: "{}", Status: api.StatusWaitingApproval, CreatedAt: now, UpdatedAt: now,
	}))
	require.NoError(t, st.ApplyProjection(ctx, store.Projection{CampaignID: "c1", Seq: 1, Approvals: []store.Approval{{
		ID: "c1.ok", StepKey: "ok", Title: "Post this?", Preview: `{"posts":["Hello"]}`, Status: api.ApprovalPending,
		OnTimeout: "skip", RequestedAt: now, DueAt: now.Add(48 * time.Hour), Approvers: approvers, Quorum: 1,
	}}}))
	return &noticeHarness{
		st:  st,
		box: &outbox{fail: map[string]string{}, tries: map[string]int{}},
		dir: people{
			"dana@acme": {ID: "dana@acme", Name: "Dana", Roles: []string{"client-lead"}, Channels: []api.PersonChannel{
				{Kind: api.ChannelKindEmail, Address: "dana@acme.example"}, {Kind: api.ChannelKindSlack, Address: "U0DANA"},
			}},
			"lee@agency": {ID: "lee@agency", Name: "Lee", Roles: []string{"agency-lead"}, Channels: []api.PersonChannel{
				{Kind: api.ChannelKindEmail, Address: "lee@agency.example"},
			}},
		},
	}
}

// tell runs the notice workflow of one event to the end.
func (h *noticeHarness) tell(t *testing.T, e activities.NoticeEvent) workflows.NoticeResult {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 1}))))
	env := suite.NewTestWorkflowEnvironment()
	acts := &activities.Activities{
		Projections: worker.StoreProjections(h.st),
		Notices: &activities.Notices{
			People: h.dir, Log: worker.StoreDeliveries(h.st), Webhooks: []string{"https://hooks.example/greenlight?token=s3cret"},
			Senders: map[string]activities.Sender{
				api.ChannelKindEmail: h.box.sender(api.ChannelKindEmail), api.ChannelKindSlack: h.box.sender(api.ChannelKindSlack), api.ChannelKindWebhook: h.box.sender(api.ChannelKindWebhook),
			},
		},
		Links: &activities.LinkSigner{Secret: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "https://greenlight.example"},
	}
	if h.setup != nil {
		h.setup(env, acts)
	}
	worker.Register(env, acts)
	if e.ApprovalID == "" && e.Kind != api.NoticeAlert {
		e.ApprovalID, e.CampaignID, e.Client = "c1.ok", "c1", "acme"
	}
	env.ExecuteWorkflow(workflows.NoticeWorkflow, e)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.NoticeResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

func (h *noticeHarness) deliveries(t *testing.T) map[string]store.Delivery {
	list, err := h.st.ApprovalDeliveries(context.Background(), "c1.ok")
	require.NoError(t, err)
	out := map[string]store.Delivery{}
	for _, d := range list {
		out[d.Channel+" "+d.PersonID] = d
	}
	return out
}

func TestNoticeTellsEveryoneThroughTheirFirstWorkingChannel(t *testing.T) {
	h := newNoticeHarness(t, "")
	h.box.fail["dana@acme.example"] = "permanent"

	res := h.tell(t, activities.NoticeEvent{Key: "c1/1/0", Kind: api.NoticeRequested})

	assert.Equal(t, workflows.NoticeResult{Sent: 3}, res, "dana by Slack, lee by email, the webhook subscription")
	require.Len(t, h.box.to("U0DANA"), 1)
	assert.Empty(t, h.box.to("dana@acme.example"), "a refused address is not a message sent")
	lee := h.box.to("lee@agency.example")
	require.Len(t, lee, 1)
	assert.Contains(t, lee[0].Links.Approve, "https://greenlight.example/v1/approvals/c1.ok/decision?decision=approve&token=")
	assert.Equal(t, "Post this?", lee[0].View.Title)
	hook := h.box.to("https://hooks.example/greenlight?token=s3cret")
	require.Len(t, hook, 1)
	assert.Empty(t, hook[0].Links.Approve, "a webhook subscription is a system, not a person: no links")

	d := h.deliveries(t)
	assert.Equal(t, api.DeliveryFailed, d["email dana@acme"].Status)
	assert.Contains(t, d["email dana@acme"].Error, "550 no such mailbox")
	assert.Equal(t, api.DeliverySent, d["slack dana@acme"].Status)
	assert.Equal(t, "slack:U0DANA:requested", d["slack dana@acme"].Ref)
	assert.Equal(t, "https://hooks.example/greenlight", d["webhook "].Address, "a webhook's token is not on record")
}

func TestNoticeRetriesATransientFailureAndSendsOnce(t *testing.T) {
	h := newNoticeHarness(t, `[{"id":"lee@agency"}]`)
	h.box.fail["lee@agency.example"] = "2"

	res := h.tell(t, activities.NoticeEvent{Key: "c1/1/0", Kind: api.NoticeRequested})
	assert.Equal(t, 2, res.Sent, "lee, and the webhook")
	assert.Len(t, h.box.to("lee@agency.example"), 1)
	assert.Empty(t, h.box.to("U0DANA"), "dana is not an approver here")
	lee := h.deliveries(t)["email lee@agency"]
	assert.Equal(t, api.DeliverySent, lee.Status)
	assert.Equal(t, 3, lee.Attempts)

	// The same event told again (a second dispatcher, a retried start) sends nothing.
	h.tell(t, activities.NoticeEvent{Key: "c1/1/0", Kind: api.NoticeRequested})
	assert.Len(t, h.box.to("lee@agency.example"), 1)
}

func TestNoticeGivesUpOnAPersonWhoseChannelsAllFail(t *testing.T) {
	h := newNoticeHarness(t, `[{"id":"dana@acme"}]`)
	h.box.fail["dana@acme.example"] = "permanent"
	h.box.fail["U0DANA"] = "99"

	res := h.tell(t, activities.NoticeEvent{Key: "c1/1/0", Kind: api.NoticeRequested})
	assert.Equal(t, workflows.NoticeResult{Sent: 1, Failed: 1}, res)
	d := h.deliveries(t)
	assert.Equal(t, api.DeliveryFailed, d["slack dana@acme"].Status)
	assert.Equal(t, 6, d["slack dana@acme"].Attempts, "tried until its retry policy ran out")
}

func TestNoticeEscalationTellsTheNextTierAndRemindersThread(t *testing.T) {
	h := newNoticeHarness(t, `[{"id":"dana@acme"}]`)
	h.tell(t, activities.NoticeEvent{Key: "c1/1/0", Kind: api.NoticeRequested})
	h.tell(t, activities.NoticeEvent{Key: "c1/2/0", Kind: api.NoticeReminded, Seq: 1})
	dana := h.box.to("dana@acme.example")
	require.Len(t, dana, 2)
	assert.Equal(t, "email:dana@acme.example:requested", dana[1].Thread, "the reminder answers the request")

	h.tell(t, activities.NoticeEvent{Key: "c1/3/0", Kind: api.NoticeEscalated, To: "agency-lead"})
	assert.Len(t, h.box.to("lee@agency.example"), 1, "the escalation goes to the agency lead")
	assert.Len(t, h.box.to("dana@acme.example"), 2, "and not again to dana")
}

func TestNoticeOfARequestAlreadyDecidedIsSkipped(t *testing.T) {
	h := newNoticeHarness(t, `[{"id":"lee@agency"}]`)
	now := time.Now().UTC()
	require.NoError(t, h.st.ApplyProjection(context.Background(), store.Projection{CampaignID: "c1", Seq: 2, Approvals: []store.Approval{{
		ID: "c1.ok", StepKey: "ok", Title: "Post this?", Status: api.ApprovalApproved, Decision: api.DecisionApprove, DecidedBy: "lee@agency",
		OnTimeout: "skip", RequestedAt: now, DueAt: now.Add(time.Hour), DecidedAt: &now, Approvers: `[{"id":"lee@agency"}]`,
	}}}))

	h.tell(t, activities.NoticeEvent{Key: "c1/1/0", Kind: api.NoticeRequested})
	assert.Empty(t, h.box.to("lee@agency.example"))
	assert.Equal(t, api.DeliverySkipped, h.deliveries(t)["email lee@agency"].Status)

	h.tell(t, activities.NoticeEvent{Key: "c1/2/0", Kind: api.NoticeDecided})
	decided := h.box.to("lee@agency.example")
	require.Len(t, decided, 1)
	assert.Empty(t, decided[0].Links.Approve, "a decision asks nothing: no links")
}

// TestDeliverHeartbeatsSoACrashIsNoticedInSeconds: each message goes out in
// an activity with a heartbeat timeout of seconds that heartbeats while its
// channel works, so a worker that dies mid-delivery is replaced that fast
// rather than after the attempt's minute (cmd/greenlight's
// TestDeliveryInterruptedBySIGKILL kills one).
func TestDeliverHeartbeatsSoACrashIsNoticedInSeconds(t *testing.T) {
	h := newNoticeHarness(t, `[{"id":"lee@agency"}]`)
	h.box.hold = make(chan struct{}, 100)
	type opts struct{ heartbeat, startToClose time.Duration }
	var mu sync.Mutex
	var got []opts
	var beats atomic.Int32
	h.setup = func(env *testsuite.TestWorkflowEnvironment, a *activities.Activities) {
		a.HeartbeatEvery = 10 * time.Millisecond
		env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
			if info.ActivityType.Name != "Deliver" {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			got = append(got, opts{info.HeartbeatTimeout, info.Deadline.Sub(info.StartedTime).Round(time.Second)})
		})
		// A send is let go by a heartbeat only: it returns once the
		// activity has been heard from while it waited.
		env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) {
			beats.Add(1)
			select {
			case h.box.hold <- struct{}{}:
			default:
			}
		})
	}

	res := h.tell(t, activities.NoticeEvent{Key: "c1/1/0", Kind: api.NoticeRequested})
	assert.Equal(t, workflows.NoticeResult{Sent: 2}, res, "lee, and the webhook")
	assert.Equal(t, []opts{{10 * time.Second, time.Minute}, {10 * time.Second, time.Minute}}, got)
	assert.Positive(t, beats.Load())
	d := h.deliveries(t)["email lee@agency"]
	assert.Equal(t, 1, d.Attempts, "no attempt timed out while its channel worked")
}
