package app_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/greenlight/greenlight/workflows"
)

// flood sends n approval signals to a campaign's workflow from several senders at
// once, as the attack did through the Web UI's API, and reports how many Temporal
// refused.
func (s *securityEnv) flood(campaignID string, n int, sig func(i int) workflows.ApprovalSignal) int {
	s.t.Helper()
	const senders = 8
	var refused atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	next := atomic.Int64{}
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
					refused.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		s.t.Logf("first refusal: %v", e)
	}
	return int(refused.Load())
}

// runs lists a campaign's workflow runs, newest first, with their history lengths.
func (s *securityEnv) runs(campaignID string) []int64 {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := s.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: "default", Query: fmt.Sprintf("WorkflowId = '%s'", campaignWorkflow(campaignID)),
	})
	require.NoError(s.t, err)
	var out []int64
	for _, e := range resp.Executions {
		out = append(out, e.GetHistoryLength())
	}
	return out
}

func TestSecuritySignalFloodPrototype(t *testing.T) {
	s := newSecurityEnv(t)
	campaignID, approvalID := s.pending("e2e-approve", "acme")
	start := time.Now()
	refused := s.flood(campaignID, 3000, func(i int) workflows.ApprovalSignal {
		return workflows.ApprovalSignal{ApprovalID: approvalID, Decision: "approve", By: "mallory"}
	})
	t.Logf("3000 signals in %s, %d refused", time.Since(start), refused)
	time.Sleep(2 * time.Second)
	t.Logf("runs: %v", s.runs(campaignID))
	events, err := s.d.Store.AuditEvents(context.Background(), campaignID)
	require.NoError(t, err)
	for _, e := range events {
		t.Logf("%s %s %s %s", e.Kind, e.Actor, e.ApprovalID, e.Detail)
	}
}
