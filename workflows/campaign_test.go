package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
	"github.com/greenlight/greenlight/workflows"
)

// harness runs the campaign workflow in the SDK's test environment (time skipping)
// with the real activities against a real SQLite store, so each test sees both the
// workflow's answer and what people would query.
type harness struct {
	t       *testing.T
	st      *store.Store
	env     *testsuite.TestWorkflowEnvironment
	in      workflows.CampaignInput
	startAt time.Time
}

func newEnv(st *store.Store) *testsuite.TestWorkflowEnvironment {
	return newEnvWith(&activities.Activities{
		Projections: worker.StoreProjections(st),
		Connectors:  map[string]platforms.Connector{sandbox.Name: sandbox.New(st)},
	})
}

func newEnvWith(acts *activities.Activities) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	worker.Register(env, acts)
	return env
}

// continued is the next run of a campaign that continued as new; its clock
// starts where the previous run's stopped.
func (h *harness) continued(in workflows.CampaignInput) *harness {
	env := newEnv(h.st)
	env.SetStartTime(h.env.Now())
	return &harness{t: h.t, st: h.st, env: env, in: in, startAt: env.Now()}
}

// start is the workflow time at which the run started.
func (h *harness) start() time.Time { return h.startAt }

func newHarness(t *testing.T, pb *playbooks.Playbook, params map[string]any) *harness {
	t.Helper()
	st := storetest.SQLite(t)
	env := newEnv(st)
	bound, err := playbooks.BindParams(pb, params)
	require.NoError(t, err)
	id := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	if len(id) > 60 {
		id = id[:60]
	}
	now := time.Now().UTC()
	require.NoError(t, st.CreateCampaign(context.Background(), &store.Campaign{
		ID: id, WorkflowID: api.CampaignWorkflowID(id), ClientID: "acme", Playbook: pb.Name,
		PlaybookVersion: pb.Version, Params: "{}", Status: api.StatusRunning, CreatedAt: now, UpdatedAt: now,
	}))
	return &harness{t: t, st: st, env: env, startAt: env.Now(), in: workflows.CampaignInput{
		CampaignID: id, Client: "acme", Playbook: *pb, Params: bound, Connector: sandbox.Name,
	}}
}

func (h *harness) run() { h.env.ExecuteWorkflow(workflows.CampaignWorkflow, h.in) }

// at schedules fn at d of workflow time after start.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

func (h *harness) status() api.CampaignView {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(workflows.QueryStatus)
	require.NoError(h.t, err)
	var view api.CampaignView
	require.NoError(h.t, v.Get(&view))
	return view
}

func (h *harness) signal(approvalStep, decision, by string) {
	h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{
		ApprovalID: api.ApprovalID(h.in.CampaignID, approvalStep), Decision: decision, By: by,
	})
}

func (h *harness) campaign() *store.Campaign {
	h.t.Helper()
	c, err := h.st.GetCampaign(context.Background(), h.in.CampaignID)
	require.NoError(h.t, err)
	return c
}

func (h *harness) approval(step string) *store.Approval {
	h.t.Helper()
	a, err := h.st.GetApproval(context.Background(), api.ApprovalID(h.in.CampaignID, step))
	require.NoError(h.t, err)
	return a
}

func (h *harness) auditKinds() []string {
	h.t.Helper()
	evs, err := h.st.AuditEvents(context.Background(), h.in.CampaignID)
	require.NoError(h.t, err)
	kinds := make([]string, len(evs))
	for i, e := range evs {
		kinds[i] = e.Kind
	}
	return kinds
}

func (h *harness) actionCount(action string) int64 {
	h.t.Helper()
	n, err := h.st.CountPlatformActions(context.Background(), "acme", action)
	require.NoError(h.t, err)
	return n
}

// v1 is the first reputation-repair playbook: campaigns launched with it (and the
// checked-in histories) still run it.
func v1(t *testing.T) *playbooks.Playbook {
	t.Helper()
	return builtinVersion(t, "reputation-repair", 1)
}

// builtin is the latest version of a built-in playbook.
func builtin(t *testing.T, name string) *playbooks.Playbook { return builtinVersion(t, name, 0) }

// builtinVersion finds a built-in playbook's version (0: the latest).
func builtinVersion(t *testing.T, name string, version int) *playbooks.Playbook {
	t.Helper()
	srcs, err := playbooks.Builtins()
	require.NoError(t, err)
	var found *playbooks.Playbook
	for _, s := range srcs {
		pb := s.Playbook
		if pb.Name == name && (pb.Version == version || version == 0 && (found == nil || pb.Version > found.Version)) {
			found = pb
		}
	}
	require.NotNil(t, found, "no built-in playbook %s v%d", name, version)
	return found
}

func TestReputationRepairApprovedRunsEveryStep(t *testing.T) {
	h := newHarness(t, v1(t), map[string]any{"brand": "Acme Bakery"})
	h.at(time.Hour, func() {
		v := h.status()
		require.Equal(t, api.StatusWaitingApproval, v.Status)
		require.Equal(t, "approve-plan", v.CurrentStep)
		require.Len(t, v.Approvals, 1)
		require.Equal(t, api.ApprovalPending, v.Approvals[0].Status)
		require.Contains(t, v.Approvals[0].Title, "Acme Bakery")
		require.Contains(t, string(v.Approvals[0].Preview), "best own property ranks")
		h.signal("approve-plan", api.DecisionApprove, "dana@acme")
	})
	h.at(2*time.Hour, func() {
		require.Equal(t, "approve-batch", h.status().CurrentStep)
		h.signal("approve-batch", api.DecisionApprove, "dana@acme")
	})
	h.run()

	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	var res workflows.CampaignResult
	require.NoError(t, h.env.GetWorkflowResult(&res))
	require.Equal(t, api.StatusCompleted, res.Status)
	require.Equal(t, true, res.Outputs["measure"]["simulated"])
	require.Equal(t, float64(5), res.Outputs["publish-batch"]["published"])

	c := h.campaign()
	require.Equal(t, api.StatusCompleted, c.Status)
	require.NotNil(t, c.FinishedAt)
	steps, err := h.st.StepRuns(context.Background(), c.ID)
	require.NoError(t, err)
	require.Len(t, steps, 9)
	for _, s := range steps {
		require.Equal(t, api.StepCompleted, s.Status, "step %s", s.Key)
	}
	a := h.approval("approve-plan")
	require.Equal(t, api.ApprovalApproved, a.Status)
	require.Equal(t, "dana@acme", a.DecidedBy)
	require.Equal(t, api.ChannelSignal, a.Channel)
	require.Equal(t, int64(1), h.actionCount("publish_posts"))
	require.Contains(t, h.auditKinds(), "approval.decided")
	require.Contains(t, h.auditKinds(), "campaign.completed")
}

func TestRejectedPlanStopsTheCampaign(t *testing.T) {
	h := newHarness(t, v1(t), map[string]any{"brand": "Acme"})
	h.at(time.Hour, func() {
		h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{
			ApprovalID: api.ApprovalID(h.in.CampaignID, "approve-plan"), Decision: api.DecisionReject,
			By: "owner@acme", Comment: "not before the launch",
		})
	})
	h.run()

	err := h.env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want an application error, got %v", err)
	require.Equal(t, "CampaignFailed", appErr.Type())
	require.Contains(t, appErr.Error(), "not before the launch")

	c := h.campaign()
	require.Equal(t, api.StatusFailed, c.Status)
	require.Contains(t, c.Error, "rejected by owner@acme")
	require.Equal(t, api.ApprovalRejected, h.approval("approve-plan").Status)
	require.Zero(t, h.actionCount("optimize_profile"), "nothing after a rejected plan may act")
}

// gate is a one-approval playbook for the silence policies.
func gate(t *testing.T, onTimeout, onReject string) *playbooks.Playbook {
	t.Helper()
	src := `
name: gate
version: 1
params:
  - {name: brand, type: string, default: Acme}
steps:
  - id: ask
    approval:
      title: Publish the post?
      timeout: 48h
      on_timeout: ` + onTimeout + `
      on_reject: ` + onReject + `
  - id: publish
    needs: ask
    action: publish_posts
    with: {brand: "${params.brand}", count: 1}
`
	pb, err := playbooks.Parse([]byte(src))
	require.NoError(t, err)
	return pb
}

func TestSilencePolicies(t *testing.T) {
	cases := []struct {
		policy        string
		wantErr       bool
		wantPublished int64
		wantOutcome   string
	}{
		{playbooks.OnTimeoutApprove, false, 1, api.ApprovalApproved},
		{playbooks.OnTimeoutReject, false, 0, api.ApprovalRejected},
		{playbooks.OnTimeoutSkip, false, 0, api.StepSkipped},
		{playbooks.OnTimeoutFail, true, 0, api.StepSkipped},
	}
	for _, tc := range cases {
		t.Run(tc.policy, func(t *testing.T) {
			h := newHarness(t, gate(t, tc.policy, playbooks.OnRejectContinue), nil)
			wallStart := time.Now()
			start := h.env.Now()
			h.run()
			wall := time.Since(wallStart)

			require.True(t, h.env.IsWorkflowCompleted())
			require.GreaterOrEqual(t, h.env.Now().Sub(start), 48*time.Hour, "the deadline must really pass")
			// Time skipping: two days of waiting cost no real time.
			require.Less(t, wall, 5*time.Second)
			if tc.wantErr {
				require.Error(t, h.env.GetWorkflowError())
				require.Equal(t, api.StatusFailed, h.campaign().Status)
				require.Contains(t, h.campaign().Error, "on_timeout: fail")
			} else {
				require.NoError(t, h.env.GetWorkflowError())
				var res workflows.CampaignResult
				require.NoError(t, h.env.GetWorkflowResult(&res))
				require.Equal(t, tc.wantOutcome, res.Outputs["ask"]["outcome"])
			}
			a := h.approval("ask")
			require.Equal(t, api.ApprovalExpired, a.Status, "silence is never shown as a person's decision")
			require.Equal(t, tc.policy, a.Policy)
			require.Equal(t, api.ChannelPolicy, a.Channel)
			require.Empty(t, a.DecidedBy)
			require.Equal(t, tc.wantPublished, h.actionCount("publish_posts"))
			require.Contains(t, h.auditKinds(), "approval.expired")
		})
	}
}

func TestDuplicateAndLateDecisionsChangeNothing(t *testing.T) {
	h := newHarness(t, gate(t, playbooks.OnTimeoutReject, playbooks.OnRejectContinue), nil)
	h.at(time.Hour, func() {
		h.signal("ask", api.DecisionApprove, "first@acme")
		h.signal("ask", api.DecisionReject, "second@acme")
		h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{ApprovalID: "no-such-approval", Decision: "approve", By: "x"})
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalApproved, a.Status)
	require.Equal(t, "first@acme", a.DecidedBy)
	require.Equal(t, int64(1), h.actionCount("publish_posts"))

	evs, err := h.st.AuditEvents(context.Background(), h.in.CampaignID)
	require.NoError(t, err)
	var ignored []store.AuditEvent
	for _, e := range evs {
		if e.Kind == "approval.ignored" {
			ignored = append(ignored, e)
		}
	}
	require.Len(t, ignored, 2, "the duplicate and the unknown approval are both recorded")
	require.Equal(t, "second@acme", ignored[0].Actor)
	var detail map[string]any
	require.NoError(t, json.Unmarshal([]byte(ignored[0].Detail), &detail))
	require.Contains(t, detail["reason"], "already approved by first@acme")
}

// gateThenWait keeps the run open for a week after its gate.
func gateThenWait(t *testing.T) *playbooks.Playbook {
	t.Helper()
	pb, err := playbooks.Parse([]byte(`
name: late
version: 1
steps:
  - id: ask
    approval: {title: Go?, timeout: 48h, on_timeout: skip}
  - id: pause
    wait: 7d
`))
	require.NoError(t, err)
	return pb
}

func TestLateDecisionAfterExpiryIsIgnored(t *testing.T) {
	h := newHarness(t, gateThenWait(t), nil)
	h.at(72*time.Hour, func() { h.signal("ask", api.DecisionApprove, "late@acme") })
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalExpired, a.Status)
	require.Equal(t, playbooks.OnTimeoutSkip, a.Policy)
	require.Contains(t, h.auditKinds(), "approval.ignored")
}

func TestDecideUpdateAnswersAndValidates(t *testing.T) {
	h := newHarness(t, gateThenWait(t), nil)
	id := api.ApprovalID(h.in.CampaignID, "ask")
	var first api.ApprovalView
	var secondErr, unknownErr error
	h.at(time.Hour, func() {
		h.env.UpdateWorkflow(workflows.UpdateDecide, "u1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("first decision rejected: %v", err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				require.NoError(t, err)
				first = v.(api.ApprovalView)
			},
		}, workflows.ApprovalSignal{ApprovalID: id, Decision: "approve", By: "ops@agency", Channel: api.ChannelAPI})
	})
	h.at(2*time.Hour, func() {
		h.env.UpdateWorkflow(workflows.UpdateDecide, "u2", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { secondErr = err }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, workflows.ApprovalSignal{ApprovalID: id, Decision: "reject", By: "ops@agency"})
		h.env.UpdateWorkflow(workflows.UpdateDecide, "u3", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { unknownErr = err }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, workflows.ApprovalSignal{ApprovalID: "nope", Decision: "reject", By: "ops@agency"})
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, api.ApprovalApproved, first.Status)
	require.Equal(t, "ops@agency", first.DecidedBy)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(secondErr, &appErr), "second decision: %v", secondErr)
	require.Equal(t, workflows.ErrTypeAlreadyDecided, appErr.Type())
	require.True(t, errors.As(unknownErr, &appErr), "unknown approval: %v", unknownErr)
	require.Equal(t, workflows.ErrTypeUnknownApproval, appErr.Type())
	require.Equal(t, api.ChannelAPI, h.approval("ask").Channel)
}

func TestCancelWhileWaitingRecordsCanceled(t *testing.T) {
	h := newHarness(t, v1(t), map[string]any{"brand": "Acme"})
	h.at(time.Hour, func() { h.env.CancelWorkflow() })
	h.run()
	require.True(t, temporal.IsCanceledError(h.env.GetWorkflowError()), "got %v", h.env.GetWorkflowError())
	c := h.campaign()
	require.Equal(t, api.StatusCanceled, c.Status)
	a := h.approval("approve-plan")
	require.Equal(t, api.ApprovalExpired, a.Status, "a canceled campaign's approval leaves the inbox")
	require.Equal(t, "campaign_canceled", a.Policy)
}
