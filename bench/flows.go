package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
)

// stack is the child and the clients the measures use on it.
type stack struct {
	child *child
	api   *apiClient
	tc    client.Client
	watch *watcher
	seq   int // makes every raw workflow ID unique across rounds
}

// register registers the benchmark's playbooks (again: a retry with the same
// bytes answers 200).
func (s *stack) register(ctx context.Context) error {
	for _, src := range benchPlaybooks {
		var out struct {
			Name string `json:"name"`
		}
		if err := s.api.do(ctx, "POST", "/v1/playbooks", []byte(src), 201, &out); err != nil {
			return fmt.Errorf("bench: register its playbooks: %w", err)
		}
	}
	return nil
}

// launch starts a campaign of playbook through the API, as a user does.
func (s *stack) launch(ctx context.Context, playbook string) (api.CampaignView, error) {
	var v api.CampaignView
	body := map[string]any{"playbook": playbook, "client": benchClient, "params": map[string]any{"brand": "Bench"}}
	err := s.api.do(ctx, "POST", "/v1/campaigns", body, 201, &v)
	return v, err
}

// waitWorkflow waits for a workflow (all its runs) to complete; an error if it
// failed, was canceled or timed out.
func (s *stack) waitWorkflow(ctx context.Context, workflowID string) error {
	if err := s.tc.GetWorkflow(ctx, workflowID, "").Get(ctx, nil); err != nil {
		return fmt.Errorf("bench: workflow %s: %w", workflowID, err)
	}
	return nil
}

// waitCompleted waits until the API shows the campaign completed, which is
// what a user sees; failed or canceled is an error.
func (s *stack) waitCompleted(ctx context.Context, id string) error {
	return s.watch.wait(ctx, id)
}

// glRun is the Greenlight side's record of one batch: each campaign's
// workflow and when the API first showed it completed, for the tail.
type glRun struct {
	workflowIDs []string
	seen        []time.Time
}

func newGLRun(n int) *glRun {
	return &glRun{workflowIDs: make([]string, n), seen: make([]time.Time, n)}
}

// glOneAction launches a one-action campaign and waits until the API shows
// it completed.
func (s *stack) glOneAction(ctx context.Context, run *glRun, i int) error {
	v, err := s.launch(ctx, oneActionPlaybook)
	if err != nil {
		return err
	}
	run.workflowIDs[i] = v.WorkflowID
	if err := s.waitCompleted(ctx, v.ID); err != nil {
		return err
	}
	run.seen[i] = time.Now()
	return nil
}

// tail waits for every workflow of a batch to close, untimed, and returns how
// long each closed after the API showed its campaign completed: work the
// workflow still does then (a last projection, a timer) costs the server
// though no user waits for it. Waiting here also keeps one batch's closing
// workflows out of the next batch's numbers.
func (s *stack) tail(ctx context.Context, run *glRun) ([]time.Duration, error) {
	out := make([]time.Duration, 0, len(run.workflowIDs))
	for i, id := range run.workflowIDs {
		if err := s.waitWorkflow(ctx, id); err != nil {
			return nil, err
		}
		desc, err := s.tc.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return nil, fmt.Errorf("bench: describe %s: %w", id, err)
		}
		closed := desc.GetWorkflowExecutionInfo().GetCloseTime().AsTime()
		out = append(out, max(0, closed.Sub(run.seen[i])))
	}
	return out, nil
}

// rawOneAction starts the raw one-activity workflow and waits for it.
func (s *stack) rawOneAction(ctx context.Context, id string) error {
	run, err := s.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: rawTaskQueue}, rawOneActionName)
	if err != nil {
		return fmt.Errorf("bench: start raw workflow: %w", err)
	}
	if err := run.Get(ctx, nil); err != nil {
		return fmt.Errorf("bench: raw workflow %s: %w", id, err)
	}
	return nil
}

// rawIDs makes n fresh raw workflow IDs.
func (s *stack) rawIDs(kind string, n int) []string {
	s.seq++
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-raw-%s-%d-%d", kind, s.seq, i)
	}
	return ids
}

// waitingCampaigns launches n approval campaigns, c at a time, and waits
// until each waits on its approval. Not timed: it sets up the decision measure.
func (s *stack) waitingCampaigns(ctx context.Context, n, c int) ([]api.CampaignView, error) {
	views := make([]api.CampaignView, n)
	_, err := runConcurrent(ctx, n, c, func(ctx context.Context, i int) error {
		v, err := s.launch(ctx, approvalPlaybook)
		if err != nil {
			return err
		}
		views[i] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return views, s.awaitWaiting(ctx, views, c)
}

// awaitWaiting polls each campaign until it waits on approval.
func (s *stack) awaitWaiting(ctx context.Context, views []api.CampaignView, c int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	_, err := runConcurrent(ctx, len(views), c, func(ctx context.Context, i int) error {
		for {
			var v api.CampaignView
			if err := s.api.do(ctx, "GET", "/v1/campaigns/"+views[i].ID, nil, 200, &v); err != nil {
				return err
			}
			switch v.Status {
			case api.StatusWaitingApproval:
				return nil
			case api.StatusFailed, api.StatusCanceled, api.StatusCompleted:
				return fmt.Errorf("bench: campaign %s is %s before its approval: %s", v.ID, v.Status, v.Error)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("bench: campaign %s never waited on its approval: %w", v.ID, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	return err
}

// glDecide approves a waiting campaign through the API and waits until the
// API shows it completed.
func (s *stack) glDecide(ctx context.Context, run *glRun, v api.CampaignView, i int) error {
	path := "/v1/approvals/" + api.ApprovalID(v.ID, approvalStep) + "/decision"
	if err := s.api.do(ctx, "POST", path, map[string]any{"decision": api.DecisionApprove}, 200, nil); err != nil {
		return err
	}
	run.workflowIDs[i] = v.WorkflowID
	if err := s.waitCompleted(ctx, v.ID); err != nil {
		return err
	}
	run.seen[i] = time.Now()
	return nil
}

// rawWaiting starts n raw decision workflows and waits until each has run its
// first workflow task (its query answers), as a waiting campaign has.
func (s *stack) rawWaiting(ctx context.Context, n, c int) ([]string, error) {
	ids := s.rawIDs("decision", n)
	_, err := runConcurrent(ctx, n, c, func(ctx context.Context, i int) error {
		if _, err := s.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: rawTaskQueue}, rawDecisionName); err != nil {
			return fmt.Errorf("bench: start raw decision workflow: %w", err)
		}
		val, err := s.tc.QueryWorkflow(ctx, ids[i], "", rawReadyQuery)
		if err != nil {
			return fmt.Errorf("bench: query raw decision workflow %s: %w", ids[i], err)
		}
		var ready bool
		if err := val.Get(&ready); err != nil || !ready {
			return fmt.Errorf("bench: raw decision workflow %s not ready: %v", ids[i], err)
		}
		return nil
	})
	return ids, err
}

// rawDecide signals a raw decision workflow and waits for it to complete.
func (s *stack) rawDecide(ctx context.Context, id string) error {
	if err := s.tc.SignalWorkflow(ctx, id, "", rawSignal, api.DecisionApprove); err != nil {
		return fmt.Errorf("bench: signal raw workflow %s: %w", id, err)
	}
	return s.waitWorkflow(ctx, id)
}
