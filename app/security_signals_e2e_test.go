package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/worker"
	"github.com/greenlight/greenlight/workflows"
)

// Hole 11: anyone who reaches the Temporal frontend (the dev Web UI's API did)
// can send a campaign raw `approval` signals. 10,000 junk ones grew one history
// to 14,917 events and 10,000 audit rows, and then Temporal refused a legitimate
// signal: the run had used its signal limit. Now ignored signals are counted, not
// stored one by one, and a waiting campaign continues as new long before the
// limit, so the flood leaves a handful of audit rows, short histories, and a
// campaign that still takes its approver's decision.
//
// Hole 12: an action in flight when its worker died waited out its 5-minute
// attempt timeout. Now actions heartbeat, and another worker takes over within
// seconds, acting once.

// floodBudget is how many audit rows a flood may add: three in full per
// approval and sender (32 pairs at most), one summary per pair per 1,000
// signals, and one per pair and the shared count when the approval settles.
func floodBudget(signals, pairs int) int {
	pairs = min(pairs, 32)
	return 3*pairs + signals/1000 + pairs + 1
}

func TestSecuritySignalFlood(t *testing.T) {
	s := newSecurityEnv(t)
	dana := s.token("dana@acme", "approver", []string{"acme"}, nil)
	sam := s.token("sam@acme", "approver", []string{"acme"}, nil)

	type variant struct {
		name     string
		playbook string
		signals  int
		pairs    int // distinct approval/sender pairs the flood uses
		before   func(campaignID, approvalID string)
		junk     func(campaignID, approvalID string, i int) workflows.ApprovalSignal
		// decide takes the legitimate decision after the flood.
		decide func(campaignID, approvalID string)
		votes  int // votes on record at the end
	}
	byAPI := func(token string) func(string, string) {
		return func(_, approvalID string) {
			code, body := s.as(token, "POST", "/v1/approvals/"+approvalID+"/decision", `{"decision":"approve"}`)
			require.Equal(t, http.StatusOK, code, body)
		}
	}
	for _, v := range []variant{
		{
			// The attack as reported, through the frontend the Web UI talks to.
			name: "3,000 junk approvals from a stranger, then the approver decides", playbook: "e2e-approve",
			signals: 3000, pairs: 1, votes: 1,
			junk: func(_, approvalID string, _ int) workflows.ApprovalSignal {
				return workflows.ApprovalSignal{ApprovalID: approvalID, Decision: "approve", By: "mallory@elsewhere"}
			},
			decide: byAPI(dana),
		},
		{
			name: "junk for approval ids that name none, then a raw signal from the approver", playbook: "e2e-approve",
			signals: 1200, pairs: 1, votes: 1,
			junk: func(campaignID, _ string, i int) workflows.ApprovalSignal {
				return workflows.ApprovalSignal{ApprovalID: fmt.Sprintf("%s.step-%d", campaignID, i), Decision: "approve", By: "mallory@elsewhere"}
			},
			decide: func(campaignID, approvalID string) {
				// The operator-level channel still works after the flood.
				require.NoError(t, s.tc.SignalWorkflow(context.Background(), campaignWorkflow(campaignID), "", workflows.SignalApproval,
					workflows.ApprovalSignal{ApprovalID: approvalID, Decision: "approve", By: "dana@acme", Channel: "link"}))
			},
		},
		{
			name: "valid-looking decisions from 50 people who are not approvers", playbook: "e2e-approve",
			signals: 1500, pairs: 50, votes: 1,
			junk: func(_, approvalID string, i int) workflows.ApprovalSignal {
				return workflows.ApprovalSignal{ApprovalID: approvalID, Decision: "reject", By: fmt.Sprintf("intern%d@acme", i%50), Comment: "no"}
			},
			decide: byAPI(dana),
		},
		{
			name: "an approver's duplicate votes on a quorum of two", playbook: "e2e-quorum",
			signals: 1200, pairs: 1, votes: 2,
			before: func(_, approvalID string) { byAPI(dana)("", approvalID) },
			junk: func(_, approvalID string, _ int) workflows.ApprovalSignal {
				return workflows.ApprovalSignal{ApprovalID: approvalID, Decision: "approve", By: "dana@acme"}
			},
			decide: byAPI(sam),
		},
	} {
		t.Run(v.name, func(t *testing.T) {
			s.t = t
			campaignID, approvalID := s.pending(v.playbook, "acme")
			if v.before != nil {
				v.before(campaignID, approvalID)
			}
			s.settled(campaignID)
			before := s.snapshot(campaignWorkflow(campaignID))

			start := time.Now()
			refused := s.flood(campaignID, v.signals, func(i int) workflows.ApprovalSignal { return v.junk(campaignID, approvalID, i) })
			require.Empty(t, refused, "Temporal refused none of the flood: no run came near its signal limit")
			s.settled(campaignID)
			t.Logf("%d signals in %s", v.signals, time.Since(start).Round(time.Millisecond))

			// The flood changed no approval, vote or anything else but the audit log.
			after := s.snapshot()
			require.Equal(t, before.Approvals, after.Approvals)
			for table, n := range before.Rows {
				if table != "audit_events" {
					require.Equal(t, n, after.Rows[table], table)
				}
			}
			require.LessOrEqual(t, after.Rows["audit_events"]-before.Rows["audit_events"], int64(floodBudget(v.signals, v.pairs)))

			// Every run stayed far from Temporal's limits (10,000 signals per
			// run): a run hands over at 1,000 events, plus what arrives while
			// it drains the flood, which grows with the worker's latency (about
			// 2,100 on a loaded 2-core machine at 1,500 signals a second).
			s.handedOver(campaignID)
			runs := s.runHistories(campaignID)
			for i, n := range runs {
				t.Logf("run %d of %d: %d events", i+1, len(runs), n)
				require.Less(t, n, int64(maxFloodedRunEvents), "run %d of %d: %d events", i+1, len(runs), n)
			}

			v.decide(campaignID, approvalID)
			require.Zero(t, s.ended(campaignID), "the flood was over before the decision")
			a := approvalsE2E{t: t, d: s.d}.approval(t, approvalID)
			require.Equal(t, api.ApprovalApproved, a.Status)
			require.Len(t, a.Votes, v.votes)
			for _, vote := range a.Votes {
				require.Contains(t, []string{"dana@acme", "sam@acme"}, vote.By)
			}
			if v.name == "junk for approval ids that name none, then a raw signal from the approver" {
				require.Equal(t, api.ChannelSignal, a.Channel, "a raw signal is recorded as one, whatever it claims")
			}

			// Every signal of the flood is on record, in full or in a count.
			inFull, counted, summaries := s.ignoredOnRecord(campaignID)
			require.Equal(t, v.signals, inFull+counted)
			require.LessOrEqual(t, inFull, 3*min(v.pairs, 32))
			t.Logf("on record: %d in full, %d counted in %d summaries; runs of %v events", inFull, counted, summaries, runs)
		})
	}

	t.Run("the approver decides in the middle of a flood", func(t *testing.T) {
		s.t = t
		campaignID, approvalID := s.pending("e2e-approve", "acme")
		const n = 3000
		refused := make(chan map[string]int, 1)
		go func() {
			refused <- s.flood(campaignID, n, func(int) workflows.ApprovalSignal {
				return workflows.ApprovalSignal{ApprovalID: approvalID, Decision: "reject", By: "mallory@elsewhere"}
			})
		}()
		// Once the campaign has handed over at least once, under fire.
		s.handedOver(campaignID)
		code, body := s.as(dana, "POST", "/v1/approvals/"+approvalID+"/decision", `{"decision":"approve"}`)
		require.Equal(t, http.StatusOK, code, body)
		// Once approved the campaign publishes and ends; only then does Temporal
		// refuse the rest of the flood.
		late := 0
		for msg, k := range <-refused {
			require.Contains(t, msg, "workflow execution already completed")
			late += k
		}
		afterEnd := s.ended(campaignID)
		a := approvalsE2E{t: t, d: s.d}.approval(t, approvalID)
		require.Equal(t, api.ApprovalApproved, a.Status)
		require.Equal(t, "dana@acme", a.DecidedBy)
		inFull, counted, summaries := s.ignoredOnRecord(campaignID)
		require.Equal(t, n, inFull+counted+afterEnd+late, "every signal Temporal took is on record, before and after the decision, or in the result once the record was closed")
		require.LessOrEqual(t, inFull+summaries, 3+n/1000+3, "the flood around the decision left a few rows, not one per signal")
		t.Logf("%d in full, %d counted in %d summaries, %d after the end, %d refused once the run closed", inFull, counted, summaries, afterEnd, late)
	})
}

// flood sends n approval signals to a campaign's workflow from several senders at
// once, as the attack did, and counts Temporal's refusals by message.
func (s *securityEnv) flood(campaignID string, n int, sig func(i int) workflows.ApprovalSignal) map[string]int {
	s.t.Helper()
	const senders = 8
	var mu sync.Mutex
	refused := map[string]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				err := s.tc.SignalWorkflow(ctx, campaignWorkflow(campaignID), "", workflows.SignalApproval, sig(i))
				cancel()
				if err != nil {
					mu.Lock()
					refused[err.Error()]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return refused
}

// settled waits until the campaign's current run has handled everything sent to
// it: no workflow task pending, twice in a row.
func (s *securityEnv) settled(campaignID string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	quiet := 0
	for quiet < 2 {
		require.True(s.t, time.Now().Before(deadline), "campaign %s never settled", campaignID)
		desc, err := s.tc.DescribeWorkflowExecution(context.Background(), campaignWorkflow(campaignID), "")
		require.NoError(s.t, err)
		if desc.GetPendingWorkflowTask() == nil {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ended waits until the campaign's workflow has completed and returns how many
// signals it ignored after its final record was written.
func (s *securityEnv) ended(campaignID string) int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var res workflows.CampaignResult
	require.NoError(s.t, s.tc.GetWorkflow(ctx, campaignWorkflow(campaignID), "").Get(ctx, &res))
	require.Equal(s.t, api.StatusCompleted, res.Status)
	require.Equal(s.t, api.StatusCompleted, s.api.campaign(campaignID).Status)
	return res.IgnoredAfterEnd
}

// handedOver waits until the campaign has continued as new at least once and its
// current run has handled what it was sent.
// maxFloodedRunEvents bounds a flooded run's history far below Temporal's
// per-run limit of 10,000 signals, yet below the largest flood here (3,000
// signals), so a run that never handed over would fail it.
const maxFloodedRunEvents = 3000

func (s *securityEnv) handedOver(campaignID string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(s.runHistories(campaignID)) < 2 {
		require.True(s.t, time.Now().Before(deadline), "campaign %s never continued as new", campaignID)
		time.Sleep(50 * time.Millisecond)
	}
	s.settled(campaignID)
}

// runHistories lists the history length of each of a campaign's runs.
func (s *securityEnv) runHistories(campaignID string) []int64 {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := s.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: "default", Query: fmt.Sprintf("WorkflowId = '%s'", campaignWorkflow(campaignID)),
	})
	require.NoError(s.t, err)
	var out []int64
	for _, e := range resp.Executions {
		// Visibility records the length when a run closes; ask the open one.
		desc, err := s.tc.DescribeWorkflowExecution(ctx, campaignWorkflow(campaignID), e.GetExecution().GetRunId())
		require.NoError(s.t, err)
		out = append(out, desc.GetWorkflowExecutionInfo().GetHistoryLength())
	}
	return out
}

// ignoredOnRecord reads the audit log: ignored decisions recorded in full, those
// counted in summaries, and how many summaries.
func (s *securityEnv) ignoredOnRecord(campaignID string) (inFull, counted, summaries int) {
	s.t.Helper()
	events, err := s.d.Store.AuditEvents(context.Background(), campaignID)
	require.NoError(s.t, err)
	for _, e := range events {
		switch e.Kind {
		case "approval.ignored":
			inFull++
		case workflows.KindIgnoredSummary:
			var d struct {
				Count int `json:"count"`
			}
			require.NoError(s.t, json.Unmarshal([]byte(e.Detail), &d))
			counted += d.Count
			summaries++
		}
	}
	return inFull, counted, summaries
}

// crashingConnector is the sandbox, except that its first call never returns:
// the worker running it is taken to have died, before or after acting.
type crashingConnector struct {
	inner       platforms.Connector
	actFirst    bool          // the dying call acts before it hangs
	calls       atomic.Int32  // calls that reached the connector
	inFlight    chan struct{} // closed when the first call is under way
	neverReturn chan struct{} // closed at cleanup, so the goroutine ends
}

func (c *crashingConnector) Name() string { return "crashing" }

func (c *crashingConnector) Perform(ctx context.Context, a platforms.Action) (platforms.Result, error) {
	if c.calls.Add(1) > 1 {
		return c.inner.Perform(ctx, a)
	}
	if c.actFirst {
		if _, err := c.inner.Perform(ctx, a); err != nil {
			return platforms.Result{}, err
		}
	}
	close(c.inFlight)
	<-c.neverReturn // a dead process: no answer, whatever ctx says
	return platforms.Result{}, fmt.Errorf("the worker was dead")
}

// TestSecurityActionRecoversWithinSecondsAfterAWorkerCrash runs a one-action
// campaign on a worker that dies with the action in flight, starts another
// worker, and measures how long the action takes to complete: the heartbeat
// timeout (10 s) plus a retry, not the 5-minute attempt timeout; and the action
// happens once on the platform, thanks to its idempotency key.
func TestSecurityActionRecoversWithinSecondsAfterAWorkerCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	pb, err := playbooks.Parse([]byte(`
name: one-post
version: 1
steps:
  - id: publish
    action: publish_posts
    with: {brand: Acme, count: 1}
`))
	require.NoError(t, err)

	for _, tc := range []struct {
		name     string
		actFirst bool
	}{
		{"the worker dies before the platform acts", false},
		{"the worker dies after the platform acted, before it reported", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			// A queue of its own, so only the workers of this test run the campaign.
			queue := fmt.Sprintf("crash-%d", time.Now().UnixNano())
			id := fmt.Sprintf("crash%d", time.Now().UnixNano())
			require.NoError(t, d.Store.CreateCampaign(ctx, &store.Campaign{
				ID: id, WorkflowID: api.CampaignWorkflowID(id), ClientID: "crashco", Playbook: pb.Name,
				PlaybookVersion: pb.Version, Params: "{}", Status: api.StatusRunning,
			}))
			conn := &crashingConnector{
				inner: sandbox.New(d.Store), actFirst: tc.actFirst,
				inFlight: make(chan struct{}), neverReturn: make(chan struct{}),
			}
			t.Cleanup(func() { close(conn.neverReturn) })
			startWorker := func() (client.Client, sdkworker.Worker) {
				c, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
				require.NoError(t, err)
				w := sdkworker.New(c, queue, sdkworker.Options{})
				worker.Register(w, &activities.Activities{
					Projections: worker.StoreProjections(d.Store), Connectors: map[string]platforms.Connector{"crashing": conn},
				})
				require.NoError(t, w.Start())
				return c, w
			}
			c1, w1 := startWorker()
			run, err := c1.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: api.CampaignWorkflowID(id), TaskQueue: queue,
			}, workflows.CampaignWorkflowType, workflows.CampaignInput{
				CampaignID: id, Client: "crashco", Playbook: *pb, Params: map[string]any{}, Connector: "crashing",
			})
			require.NoError(t, err)
			select {
			case <-conn.inFlight:
			case <-time.After(30 * time.Second):
				t.Fatal("the action never started")
			}

			// The worker dies: it stops polling and its connection goes, so no
			// heartbeat or result of the hanging call ever reaches Temporal.
			died := time.Now()
			w1.Stop()
			c1.Close()
			c2, w2 := startWorker()
			defer c2.Close()
			defer w2.Stop()

			wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			var res workflows.CampaignResult
			require.NoError(t, c2.GetWorkflow(wctx, run.GetID(), "").Get(wctx, &res))
			took := time.Since(died)
			t.Logf("completed %s after the worker died", took.Round(100*time.Millisecond))
			require.Equal(t, api.StatusCompleted, res.Status)
			require.Less(t, took, 30*time.Second, "recovery takes seconds, not the 5-minute attempt timeout")
			require.Equal(t, int32(2), conn.calls.Load(), "the new worker retried the action once")
			var n int64
			require.NoError(t, d.Store.DB().Model(&store.PlatformAction{}).Where("campaign_id = ?", id).Count(&n).Error)
			require.Equal(t, int64(1), n, "the platform acted once")
			rec, err := d.Store.GetPlatformAction(ctx, id+"/publish")
			require.NoError(t, err)
			require.Contains(t, rec.Output, `"published":1`)
		})
	}
}

// TestSecuritySignalFloodHandsOverInsideARepeat floods an approval inside a
// repeat's first iteration on the real server, with a low hand-over threshold:
// the run continues as new in the middle of the iteration, and the next run
// takes the approver's decision there and finishes the loop, each iteration once.
// With GREENLIGHT_UPDATE_HISTORIES=1 it records the first and the last run for
// the replay test.
func TestSecuritySignalFloodHandsOverInsideARepeat(t *testing.T) {
	s := newSecurityEnv(t)
	ctx := context.Background()
	pb, err := playbooks.Parse([]byte(`
name: weekly-ok
version: 1
steps:
  - id: weekly
    repeat:
      every: 1s
      max: 2
      steps:
        - id: ask
          approval:
            title: Week ${iteration}?
            approvers: [{id: dana@acme}]
            reminders: [1h]
            timeout: 2h
            on_timeout: reject
            on_reject: continue
        - id: publish
          needs: ask
          action: publish_posts
          with: {brand: Acme, count: 1}
`))
	require.NoError(t, err)
	id := fmt.Sprintf("handover%d", time.Now().UnixNano())
	require.NoError(t, s.d.Store.CreateCampaign(ctx, &store.Campaign{
		ID: id, WorkflowID: api.CampaignWorkflowID(id), ClientID: "acme", Playbook: pb.Name,
		PlaybookVersion: pb.Version, Params: "{}", Status: api.StatusRunning,
	}))
	first, err := s.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: api.CampaignWorkflowID(id), TaskQueue: s.d.TaskQueue,
	}, workflows.CampaignWorkflowType, workflows.CampaignInput{
		CampaignID: id, Client: "acme", Playbook: *pb, Params: map[string]any{}, Connector: sandbox.Name,
		ContinueAsNewAfter: 60,
	})
	require.NoError(t, err)
	s.api.waitFor(id, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })

	ask1 := api.ApprovalID(id, "weekly.1.ask")
	require.Empty(t, s.flood(id, 80, func(int) workflows.ApprovalSignal {
		return workflows.ApprovalSignal{ApprovalID: ask1, Decision: "approve", By: "mallory@elsewhere"}
	}))
	s.handedOver(id)
	var q api.CampaignView
	val, err := s.tc.QueryWorkflow(ctx, api.CampaignWorkflowID(id), "", workflows.QueryStatus)
	require.NoError(t, err)
	require.NoError(t, val.Get(&q))
	require.Equal(t, "weekly.1.ask", q.CurrentStep, "the new run waits where the old one did")

	for _, step := range []string{"weekly.1.ask", "weekly.2.ask"} {
		s.api.waitFor(id, step, func(v api.CampaignView) bool {
			return v.CurrentStep == step && v.Status == api.StatusWaitingApproval
		})
		require.NoError(t, s.tc.SignalWorkflow(ctx, api.CampaignWorkflowID(id), "", workflows.SignalApproval,
			workflows.ApprovalSignal{ApprovalID: api.ApprovalID(id, step), Decision: "approve", By: "dana@acme"}))
	}
	require.Zero(t, s.ended(id))
	done := s.api.campaign(id)
	published := 0
	for _, st := range done.Steps {
		if st.ID == "publish" {
			published++
			require.Equal(t, api.StepCompleted, st.Status)
		}
	}
	require.Equal(t, 2, published, "each iteration published once")
	inFull, counted, _ := s.ignoredOnRecord(id)
	require.Equal(t, 80, inFull+counted)

	desc, err := s.tc.DescribeWorkflowExecution(ctx, api.CampaignWorkflowID(id), "")
	require.NoError(t, err)
	saveRunHistories(t, s.tc, map[string][2]string{
		"signal-flood-handover-in-repeat": {first.GetID(), first.GetRunID()},
		"signal-flood-resumed-in-repeat":  {first.GetID(), desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()},
	})
}
