package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/workflows"
)

// A waiting campaign whose history turns long continues as new where it waits
// and the next run picks the wait up with everything it had: votes, deadline,
// escalation tier, reminders sent, ignored-signal counts, pause.

const day = 24 * time.Hour

// longHistory makes the run's history look long from d on: the run hands over at
// the next moment it wakes while waiting.
func (h *harness) longHistory(d time.Duration) {
	h.in.ContinueAsNewAfter = 1000
	h.at(d, func() { h.env.SetCurrentHistoryLength(5000) })
}

func (h *harness) notices() []map[string]any { return h.actionInputs("notify") }

func TestWaitingApprovalHandsOverWithVotesRemindersAndCounts(t *testing.T) {
	h := newHarness(t, parse(t, quorumPlaybook), nil) // quorum 2 of 3, reminders at 6h, 24h, 48h; 72h to decide
	h.at(time.Hour, func() {
		h.vote("ask", "approve", "dana@acme", "")
		for range 5 {
			h.vote("ask", "approve", "mallory@elsewhere", "")
		}
	})
	h.longHistory(7 * time.Hour)
	h.run()
	next := continuedInput(t, h.env.GetWorkflowError())
	require.Equal(t, []workflows.ResumePoint{{Index: 0, Key: "ask", Reminders: 1, RemindersSent: 1}}, next.Resume.At)
	require.Len(t, next.Resume.Approvals, 1)
	require.Len(t, next.Resume.Approvals[0].Votes, 1, "dana's vote goes along")
	require.Equal(t, "ask", next.Resume.CurrentStep)
	require.Len(t, next.Resume.Ignored, 1)
	require.Equal(t, 2, next.Resume.Ignored[0].Count, "mallory's two counted signals go along")
	require.Equal(t, api.StatusWaitingApproval, h.campaign().Status)

	h2 := h.continued(next)
	h2.at(time.Hour, func() {
		v := h2.status()
		require.Equal(t, api.StatusWaitingApproval, v.Status)
		require.Equal(t, "ask", v.CurrentStep)
		require.Len(t, v.Approvals[0].Votes, 1)
	})
	h2.at(20*time.Hour, func() { h2.vote("ask", "approve", "lee@acme", "") }) // 27h after the request
	h2.run()
	require.NoError(t, h2.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalApproved, a.Status, "dana's vote from the first run and lee's make the quorum")
	require.Equal(t, "lee@acme", a.DecidedBy)
	require.Equal(t, int64(1), h.actionCount("publish_posts"))
	require.Len(t, h.notices(), 2, "the 6h reminder once, the 24h one from the new run, none after the decision")
	reminded := 0
	for _, k := range h.auditKinds() {
		if k == "approval.reminded" {
			reminded++
		}
	}
	require.Equal(t, 2, reminded)
	rec := h.ignoredRecord()
	require.Len(t, rec.inFull, 3)
	require.Equal(t, 2, rec.counted, "the carried count is summarised when the approval settles")
}

func TestEscalatedApprovalHandsOverAtItsTier(t *testing.T) {
	h := newHarness(t, parse(t, `
name: esc
version: 1
steps:
  - id: ask
    approval:
      title: Reply to the complaint?
      timeout: 4h
      on_timeout: escalate
      escalate: {to: agency-lead, timeout: 2h, on_timeout: reject}
      on_reject: continue
`), nil)
	h.longHistory(5 * time.Hour)
	h.run()
	next := continuedInput(t, h.env.GetWorkflowError())
	require.Equal(t, 1, next.Resume.Approvals[0].Tier)

	h2 := h.continued(next)
	h2.run()
	require.NoError(t, h2.env.GetWorkflowError())
	a := h.approval("ask")
	require.Equal(t, api.ApprovalExpired, a.Status)
	require.Equal(t, playbooks.OnTimeoutReject, a.Policy, "the escalation's policy, not the first tier's")
	require.Equal(t, 6*time.Hour, a.DecidedAt.Sub(a.RequestedAt).Truncate(time.Second), "the escalated deadline holds across runs")
	require.Len(t, h.notices(), 1, "the escalation contact is told once")
}

func TestNestedWaitsHandOverAndResumeInPlace(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		at    time.Duration // when the history turns long
		path  []workflows.ResumePoint
		then  func(h2 *harness) // drives the next run
		check func(t *testing.T, h *harness, h2 *harness)
	}{
		{
			name: "approval in a repeat's second iteration",
			src: `
name: weekly
version: 1
steps:
  - id: weekly
    repeat:
      every: 7d
      max: 3
      steps:
        - id: draft
          action: draft_posts
          with: {brand: Acme, count: 1, batch: "${iteration}"}
        - id: ask
          approval: {title: "Week ${iteration}?", timeout: 48h, on_timeout: approve, on_reject: continue}
        - id: publish
          needs: ask
          action: publish_posts
          with: {brand: Acme, count: 1}
`,
			at: 9*day + 12*time.Hour, // week 1 waits its 48h, then 7 days
			path: []workflows.ResumePoint{
				{Index: 0, Key: "weekly", Iteration: 2},
				{Index: 1, Key: "weekly.2.ask"},
			},
			then: func(h2 *harness) { h2.at(time.Hour, func() { h2.signal("weekly.2.ask", "reject", "dana@acme") }) },
			check: func(t *testing.T, h, h2 *harness) {
				require.Equal(t, int64(3), h.actionCount("draft_posts"), "no iteration's draft ran twice")
				require.Equal(t, int64(2), h.actionCount("publish_posts"), "weeks 1 and 3; week 2 was rejected in the new run")
				require.Contains(t, h.steps()["weekly"].Output, `"iterations":3`)
				require.Equal(t, api.ApprovalRejected, h.approval("weekly.2.ask").Status)
			},
		},
		{
			name: "approval in a branch arm",
			src: `
name: fork
version: 1
params:
  - {name: sensitive, type: bool, default: true}
steps:
  - id: route
    branch:
      if: params.sensitive
      then:
        - id: ask
          approval: {title: Reply?, sensitive: true, timeout: 4h, on_timeout: reject, on_reject: continue}
        - id: reply
          needs: ask
          action: respond_to_mention
          with: {url: "https://x.invalid/1", message: Sorry}
      else:
        - id: ack
          action: notify
          with: {to: team, message: routine}
`,
			at:   time.Hour,
			path: []workflows.ResumePoint{{Index: 0, Key: "route", Arm: "then"}, {Index: 0, Key: "ask"}},
			then: func(h2 *harness) { h2.at(time.Hour, func() { h2.signal("ask", "approve", "dana@acme") }) },
			check: func(t *testing.T, h, h2 *harness) {
				require.Equal(t, int64(1), h.actionCount("respond_to_mention"))
				require.Contains(t, h.steps()["route"].Output, `"took":"then"`)
				require.Equal(t, api.StepCompleted, h.steps()["route"].Status)
			},
		},
		{
			name: "a wait step",
			src: `
name: later
version: 1
steps:
  - id: pause
    wait: 7d
  - id: publish
    action: publish_posts
    with: {brand: Acme, count: 1}
`,
			at:   2 * day,
			path: []workflows.ResumePoint{{Index: 0, Key: "pause"}},
			check: func(t *testing.T, h, h2 *harness) {
				require.Equal(t, 7*day, h2.env.Now().Sub(h.start()).Truncate(time.Minute), "the wait keeps its length across runs")
				require.Equal(t, int64(1), h.actionCount("publish_posts"))
			},
		},
		{
			name: "a repeat's interval",
			src: `
name: twice
version: 1
steps:
  - id: weekly
    repeat:
      every: 7d
      max: 2
      steps:
        - id: publish
          action: publish_posts
          with: {brand: Acme, count: 1}
`,
			at: 3 * day,
			then: func(h2 *harness) {
				h2.at(4*day-time.Minute, func() { require.Equal(h2.t, int64(1), h2.actionCount("publish_posts"), "week 2 waits its week") })
			},
			check: func(t *testing.T, h, h2 *harness) {
				require.Equal(t, int64(2), h.actionCount("publish_posts"))
				require.Equal(t, 7*day, h2.env.Now().Sub(h.start()).Truncate(time.Minute))
				require.Contains(t, h.steps()["weekly"].Output, `"iterations":2`)
			},
		},
		{
			name: "a pause",
			src: `
name: held
version: 1
steps:
  - id: ask
    approval: {title: Go?, timeout: 1h, on_timeout: approve}
  - id: publish
    needs: ask
    action: publish_posts
    with: {brand: Acme, count: 1}
`,
			at:   2 * time.Hour,
			path: []workflows.ResumePoint{{Index: 1}},
			then: func(h2 *harness) {
				h2.at(3*time.Hour, func() {
					require.Equal(h2.t, api.StatusPaused, h2.status().Status)
					require.Zero(h2.t, h2.actionCount("publish_posts"), "still paused in the new run")
					h2.update(workflows.UpdateResume, workflows.PauseRequest{By: "ops@agency"})
				})
			},
			check: func(t *testing.T, h, h2 *harness) {
				require.Equal(t, int64(1), h.actionCount("publish_posts"))
				require.Equal(t, 5*time.Hour, h2.env.Now().Sub(h.start()).Truncate(time.Minute), "published when resumed")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, parse(t, tc.src), nil)
			if tc.name == "a pause" {
				h.at(30*time.Minute, func() { h.update(workflows.UpdatePause, workflows.PauseRequest{By: "ops@agency"}) })
			}
			h.longHistory(tc.at)
			h.run()
			next := continuedInput(t, h.env.GetWorkflowError())
			if tc.path != nil {
				require.Equal(t, tc.path, next.Resume.At)
			}
			h2 := h.continued(next)
			if tc.then != nil {
				tc.then(h2)
			}
			h2.run()
			require.NoError(t, h2.env.GetWorkflowError())
			require.Equal(t, api.StatusCompleted, h.campaign().Status)
			tc.check(t, h, h2)
		})
	}
}

// TestParallelWaitsDoNotHandOver: branches of a parallel step stand at different
// places at once, so their waits never hand over; the run continues in one piece.
func TestParallelWaitsDoNotHandOver(t *testing.T) {
	h := newHarness(t, parse(t, `
name: par
version: 1
steps:
  - id: together
    parallel:
      branches:
        - id: client
          steps:
            - id: ask
              approval: {title: Go?, timeout: 48h, on_timeout: approve}
        - id: content
          steps:
            - id: pause
              wait: 3d
`), nil)
	h.longHistory(time.Hour)
	h.at(2*time.Hour, func() { h.signal("together.client.ask", "approve", "dana@acme") })
	h.run()
	require.NoError(t, h.env.GetWorkflowError(), "no continue-as-new inside a parallel step")
	require.Equal(t, api.StatusCompleted, h.campaign().Status)
}

// TestHandOverKeepsTheStoreInStep: the store has every projection of the first
// run, and the next run numbers its projections after them.
func TestHandOverKeepsTheStoreInStep(t *testing.T) {
	h := newHarness(t, parse(t, floodPlaybook), nil)
	h.at(time.Hour, func() { h.vote("ask", "approve", "dana@acme", "") })
	h.longHistory(2 * time.Hour)
	h.run()
	next := continuedInput(t, h.env.GetWorkflowError())
	c := h.campaign()
	require.Equal(t, next.Resume.Seq, c.ProjectionSeq, "every projection of the first run is written")
	h2 := h.continued(next)
	h2.at(time.Hour, func() { h2.vote("ask", "approve", "lee@acme", "") })
	h2.run()
	require.NoError(t, h2.env.GetWorkflowError())
	require.Greater(t, h.campaign().ProjectionSeq, next.Resume.Seq)
	votes, err := h.st.ApprovalVotes(context.Background(), api.ApprovalID(h.in.CampaignID, "ask"))
	require.NoError(t, err)
	require.Len(t, votes, 2)
}
