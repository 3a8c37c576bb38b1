package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

func parse(t *testing.T, src string) *playbooks.Playbook {
	t.Helper()
	pb, err := playbooks.Parse([]byte(src))
	require.NoError(t, err)
	return pb
}

func (h *harness) steps() map[string]store.StepRun {
	h.t.Helper()
	rows, err := h.st.StepRuns(context.Background(), h.in.CampaignID)
	require.NoError(h.t, err)
	out := map[string]store.StepRun{}
	for _, r := range rows {
		out[r.Key] = r
	}
	return out
}

func (h *harness) actionInputs(action string) []map[string]any {
	h.t.Helper()
	var rows []store.PlatformAction
	require.NoError(h.t, h.st.DB().Where("campaign_id = ? AND action = ?", h.in.CampaignID, action).Order("idempotency_key").Find(&rows).Error)
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		require.NoError(h.t, json.Unmarshal([]byte(r.Input), &out[i]))
	}
	return out
}

// A branch that fails (a rejected approval with on_reject: fail) and a sibling
// still waiting on a week-long timer.
const failingParallel = `
name: par
version: 1
params:
  - {name: brand, type: string, default: Acme}
steps:
  - id: together
    parallel:
      on_failure: %s
      branches:
        - id: client
          steps:
            - id: ask
              approval: {title: Go?, timeout: 1h, on_timeout: reject, on_reject: fail}
        - id: content
          steps:
            - id: pause
              wait: 7d
            - id: publish
              action: publish_posts
              with: {brand: "${params.brand}", count: 1}
`

func TestParallelFailingBranchCancelsSiblings(t *testing.T) {
	h := newHarness(t, parse(t, fmt.Sprintf(failingParallel, "cancel")), nil)
	h.run()
	require.Error(t, h.env.GetWorkflowError())
	require.Less(t, h.env.Now().Sub(h.start()), 7*24*time.Hour, "the sibling's week-long wait must not be waited out")
	steps := h.steps()
	require.Equal(t, api.StepFailed, steps["together"].Status)
	require.Equal(t, api.StepFailed, steps["together.client.ask"].Status)
	require.Equal(t, api.StepCanceled, steps["together.content.pause"].Status)
	require.NotContains(t, steps, "together.content.publish")
	require.Zero(t, h.actionCount("publish_posts"))
	require.Equal(t, api.StatusFailed, h.campaign().Status)
}

func TestParallelOnFailureContinueLetsSiblingsFinish(t *testing.T) {
	h := newHarness(t, parse(t, fmt.Sprintf(failingParallel, "continue")), nil)
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	steps := h.steps()
	require.Equal(t, api.StepCompleted, steps["together"].Status)
	require.Contains(t, steps["together"].Output, `"failed":1`)
	require.Equal(t, api.StepCompleted, steps["together.content.publish"].Status)
	require.Equal(t, int64(1), h.actionCount("publish_posts"))
}

func TestForEachTemplatesReachActivities(t *testing.T) {
	h := newHarness(t, parse(t, `
name: fan
version: 1
params:
  - {name: brand, type: string, default: Acme}
  - {name: platforms, type: list, default: [linkedin, x, instagram]}
steps:
  - id: profiles
    parallel:
      for_each: ${params.platforms}
      steps:
        - id: optimize
          name: Optimise ${item}
          action: optimize_profile
          with: {brand: "${params.brand} on ${item}", platforms: ["${item}"]}
  - id: tell
    action: notify
    with: {message: "optimised ${steps.profiles.output.branches[0].branch}", to: "${campaign.client}"}
`), nil)
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	inputs := h.actionInputs("optimize_profile")
	require.Len(t, inputs, 3)
	var brands []any
	for _, in := range inputs {
		brands = append(brands, in["brand"])
	}
	require.ElementsMatch(t, []any{"Acme on linkedin", "Acme on x", "Acme on instagram"}, brands)
	require.Equal(t, []any{"x"}, inputs[1]["platforms"], "keys are profiles.1/2/3 in order")
	notify := h.actionInputs("notify")
	require.Equal(t, "optimised linkedin", notify[0]["message"])
	require.Equal(t, "acme", notify[0]["to"])
	require.Equal(t, "Optimise instagram", h.steps()["profiles.3.optimize"].Name)
}

const repeatPlaybook = `
name: loop
version: 1
params:
  - {name: brand, type: string, default: Acme}
  - {name: stop_at, type: int, default: 3}
  - {name: max, type: int, default: 5}
steps:
  - id: weekly
    repeat:
      every: 7d
      max: ${params.max}
      until: iteration >= params.stop_at
      steps:
        - id: publish
          action: publish_posts
          with: {brand: "${params.brand}", count: "${iteration}"}
`

func TestRepeatStopsOnItsCondition(t *testing.T) {
	h := newHarness(t, parse(t, repeatPlaybook), map[string]any{"stop_at": 3})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, int64(3), h.actionCount("publish_posts"))
	require.Contains(t, h.steps()["weekly"].Output, `"stopped_by":"until"`)
	require.Equal(t, 14*24*time.Hour, h.env.Now().Sub(h.start()).Truncate(time.Hour), "two pauses between three iterations")
	counts := []any{}
	for _, in := range h.actionInputs("publish_posts") {
		counts = append(counts, in["count"])
	}
	require.Equal(t, []any{float64(1), float64(2), float64(3)}, counts, "${iteration} reaches the activity typed")
}

func TestRepeatStopsAtItsMaximum(t *testing.T) {
	h := newHarness(t, parse(t, repeatPlaybook), map[string]any{"stop_at": 99, "max": 4})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, int64(4), h.actionCount("publish_posts"))
	require.Contains(t, h.steps()["weekly"].Output, `"stopped_by":"max"`)
	require.Contains(t, h.steps(), "weekly.4.publish")
}

func TestBranchBothWays(t *testing.T) {
	src := `
name: fork
version: 1
params:
  - {name: sensitive, type: bool, required: true}
steps:
  - id: decide
    branch:
      if: params.sensitive
      then:
        - id: hold
          action: notify
          with: {message: hold}
      else:
        - id: reply
          action: notify
          with: {message: reply}
`
	for _, tc := range []struct {
		sensitive bool
		ran, not  string
	}{{true, "hold", "reply"}, {false, "reply", "hold"}} {
		h := newHarness(t, parse(t, src), map[string]any{"sensitive": tc.sensitive})
		h.run()
		require.NoError(t, h.env.GetWorkflowError())
		steps := h.steps()
		require.Contains(t, steps, tc.ran)
		require.NotContains(t, steps, tc.not)
		require.Equal(t, tc.ran, h.actionInputs("notify")[0]["message"])
	}
}

func TestEscalationThenSecondTierPolicy(t *testing.T) {
	pb := parse(t, `
name: esc
version: 1
steps:
  - id: ask
    approval:
      title: Reply to the complaint?
      timeout: 2h
      on_timeout: escalate
      escalate: {to: agency-lead, timeout: 2h, on_timeout: reject}
      on_reject: continue
`)
	h := newHarness(t, pb, nil)
	h.at(3*time.Hour, func() {
		v := h.status()
		require.Equal(t, api.ApprovalPending, v.Approvals[0].Status, "silence escalates; it never decides at the first deadline")
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalExpired, a.Status)
	require.Equal(t, playbooks.OnTimeoutReject, a.Policy)
	require.Equal(t, 4*time.Hour, h.env.Now().Sub(h.start()).Truncate(time.Minute))
	require.Contains(t, h.auditKinds(), "approval.escalated")
	notes := h.actionInputs("notify")
	require.Len(t, notes, 1)
	require.Equal(t, "agency-lead", notes[0]["to"])
}

func TestEscalatedApprovalCanStillBeApproved(t *testing.T) {
	pb := parse(t, `
name: esc
version: 1
steps:
  - id: ask
    approval:
      title: Reply?
      timeout: 2h
      on_timeout: escalate
      escalate: {to: agency-lead, timeout: 2h, on_timeout: fail}
`)
	h := newHarness(t, pb, nil)
	h.at(3*time.Hour, func() { h.signal("ask", api.DecisionApprove, "lead@agency") })
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, api.ApprovalApproved, h.approval("ask").Status)
	require.Equal(t, "lead@agency", h.approval("ask").DecidedBy)
}

// TestLongCampaignContinuesAsNew runs a weekly loop whose history is reported as
// long: the run continues as new between iterations, carrying its state, and the
// next run finishes the loop without repeating an iteration.
func TestLongCampaignContinuesAsNew(t *testing.T) {
	h := newHarness(t, parse(t, repeatPlaybook), map[string]any{"stop_at": 99, "max": 5})
	h.in.ContinueAsNewAfter = 500
	h.at(8*24*time.Hour, func() { h.env.SetCurrentHistoryLength(600) }) // during iteration 2's pause... then over the limit
	h.run()
	next := continuedInput(t, h.env.GetWorkflowError())
	require.NotNil(t, next.Resume)
	require.Equal(t, 3, next.Resume.Iteration)
	require.Equal(t, int64(2), h.actionCount("publish_posts"))

	// The next run, in a fresh environment against the same store.
	h2 := h.continued(next)
	h2.run()
	require.NoError(t, h2.env.GetWorkflowError())
	require.Equal(t, int64(5), h.actionCount("publish_posts"), "iterations 3-5 ran once each")
	steps := h.steps()
	require.Equal(t, api.StepCompleted, steps["weekly"].Status)
	require.Contains(t, steps["weekly"].Output, `"iterations":5`)
	require.Equal(t, api.StatusCompleted, h.campaign().Status)
}

// continuedInput is the input a run that continued as new handed to its successor.
func continuedInput(t *testing.T, err error) workflows.CampaignInput {
	t.Helper()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can), "want continue-as-new, got %v", err)
	var next workflows.CampaignInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

// TestSignalAtContinueAsNewIsNotLost delivers a decision in the last second before
// a run hands over to the next one: it is handled (here: recorded as ignored, the
// approval having expired) and its record is in the store. The test environment
// cannot deliver a signal inside the hand-over's own workflow task; handOver lets
// the receiving loop run and drains the signal channel for that case (the e2e
// flood in app/security_signals_e2e_test.go counts every signal sent across
// hand-overs), and a signal sent after the hand-over reaches the new run, since
// signals address the workflow ID.
func TestSignalAtContinueAsNewIsNotLost(t *testing.T) {
	h := newHarness(t, parse(t, `
name: weekly-ask
version: 1
steps:
  - id: weekly
    repeat:
      every: 7d
      max: 3
      steps:
        - id: ask
          approval: {title: "Week ${iteration}?", timeout: 1h, on_timeout: approve}
`), nil)
	h.in.ContinueAsNewAfter = 10
	boundary := time.Hour + 7*24*time.Hour
	// The history turns long in the interval, just after the late decision: the
	// run hands over before week 2, having handled it.
	h.at(boundary-time.Second, func() { h.signal("weekly.1.ask", api.DecisionReject, "late@acme") })
	h.at(boundary-time.Second/2, func() { h.env.SetCurrentHistoryLength(50) })
	h.run()
	next := continuedInput(t, h.env.GetWorkflowError())
	require.Equal(t, 2, next.Resume.Iteration)
	evs, err := h.st.AuditEvents(context.Background(), h.in.CampaignID)
	require.NoError(t, err)
	var late []store.AuditEvent
	for _, e := range evs {
		if e.Actor == "late@acme" {
			late = append(late, e)
		}
	}
	require.Len(t, late, 1, "the decision that arrived at the hand-over is on record")
	require.Equal(t, "approval.ignored", late[0].Kind)
}

// update sends an update; its outcome is in the returned pointer once the
// environment has processed it.
func (h *harness) update(name string, arg any) *error {
	out := new(error)
	*out = errors.New("update never answered")
	h.env.UpdateWorkflow(name, name+h.env.Now().String(), &testsuite.TestUpdateCallback{
		OnReject: func(err error) { *out = err }, OnAccept: func() {},
		OnComplete: func(_ any, err error) { *out = err },
	}, arg)
	return out
}

func TestPauseHoldsTheNextStepUntilResumed(t *testing.T) {
	h := newHarness(t, parse(t, repeatPlaybook), map[string]any{"stop_at": 3})
	day := 24 * time.Hour
	var pause, twice, resume *error
	h.at(day, func() {
		pause = h.update(workflows.UpdatePause, workflows.PauseRequest{By: "ops@agency", Reason: "client on holiday", Channel: api.ChannelCLI, RequestID: "req-pause"})
	})
	h.at(day+time.Hour, func() { twice = h.update(workflows.UpdatePause, workflows.PauseRequest{By: "ops@agency"}) })
	h.at(10*day, func() {
		require.Equal(t, api.StatusPaused, h.status().Status)
		require.Equal(t, int64(1), h.actionCount("publish_posts"), "week 2 did not start while paused")
		require.Equal(t, api.StatusPaused, h.campaign().Status)
	})
	h.at(20*day, func() { resume = h.update(workflows.UpdateResume, workflows.PauseRequest{By: "ops@agency"}) })
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	require.NoError(t, *pause)
	require.NoError(t, *resume)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(*twice, &appErr), "pausing twice: %v", *twice)
	require.Equal(t, workflows.ErrTypeAlreadyPaused, appErr.Type())
	require.Equal(t, int64(3), h.actionCount("publish_posts"))
	require.Equal(t, 27*day, h.env.Now().Sub(h.start()).Truncate(time.Hour), "week 2 started on resume (day 20), week 3 a week later")
	// Each is on record with who, through which channel and the request that
	// asked; a request without a channel is the API's.
	evs, err := h.st.ListAudit(context.Background(), store.AuditFilter{CampaignID: h.in.CampaignID, Kind: "campaign.", OldestFirst: true})
	require.NoError(t, err)
	var held []string
	for _, e := range evs.Items {
		if e.Kind == "campaign.paused" || e.Kind == "campaign.resumed" {
			held = append(held, e.Kind+" "+e.Actor+" "+e.Channel+" "+e.RequestID)
		}
	}
	require.Equal(t, []string{"campaign.paused ops@agency cli req-pause", "campaign.resumed ops@agency api "}, held)
}

func TestResumeShiftsDeadlinesWhenThePlaybookSaysSo(t *testing.T) {
	src := `
name: shift
version: 1
%s
steps:
  - id: ask
    approval: {title: Go?, timeout: 48h, on_timeout: reject, on_reject: continue}
`
	for _, tc := range []struct {
		rule    string
		expires time.Duration
	}{{"", 48 * time.Hour}, {"pause: {deadlines: shift}", 68 * time.Hour}} {
		h := newHarness(t, parse(t, fmt.Sprintf(src, tc.rule)), nil)
		h.at(10*time.Hour, func() { h.update(workflows.UpdatePause, workflows.PauseRequest{By: "ops"}) })
		h.at(30*time.Hour, func() { h.update(workflows.UpdateResume, workflows.PauseRequest{By: "ops"}) })
		h.run()
		require.NoError(t, h.env.GetWorkflowError())
		a := h.approval("ask")
		require.Equal(t, api.ApprovalExpired, a.Status)
		require.Equal(t, tc.expires, a.DecidedAt.Sub(a.RequestedAt), "rule %q", tc.rule)
		require.Equal(t, tc.expires, a.DueAt.Sub(a.RequestedAt))
	}
}

// TestDecisionsCarryTheirRequestID: a decision through the API (the decide
// update) is on record with the id of the request that carried it; a raw
// signal came through no request, whatever id it claims.
func TestDecisionsCarryTheirRequestID(t *testing.T) {
	src := `
name: two-asks
version: 1
steps:
  - id: first
    approval: {title: First?, timeout: 48h, on_timeout: reject}
  - id: second
    needs: first
    approval: {title: Second?, timeout: 48h, on_timeout: reject}
`
	h := newHarness(t, parse(t, src), nil)
	var decided *error
	h.at(time.Hour, func() {
		decided = h.update(workflows.UpdateDecide, workflows.ApprovalSignal{
			ApprovalID: api.ApprovalID(h.in.CampaignID, "first"), Decision: api.DecisionApprove, By: "dana@acme",
			Channel: api.ChannelSlack, RequestID: "req-click",
		})
	})
	h.at(2*time.Hour, func() {
		h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{
			ApprovalID: api.ApprovalID(h.in.CampaignID, "second"), Decision: api.DecisionApprove, By: "sam@acme",
			Channel: api.ChannelAPI, RequestID: "req-forged",
		})
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	require.NoError(t, *decided)
	evs, err := h.st.ListAudit(context.Background(), store.AuditFilter{CampaignID: h.in.CampaignID, Kind: "approval.decided", OldestFirst: true})
	require.NoError(t, err)
	var got []string
	for _, e := range evs.Items {
		got = append(got, e.Actor+" "+e.Channel+" "+e.RequestID)
	}
	require.Equal(t, []string{"dana@acme slack req-click", "sam@acme signal "}, got)
}
