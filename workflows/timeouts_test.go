package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/greenlight/greenlight/activities"
)

// TestActionsHeartbeatSoACrashIsNoticedInSeconds: every platform action, and the
// reminders and escalations that notify people, is scheduled with a heartbeat
// timeout of seconds, so a worker that dies mid-action is replaced that fast; the
// start-to-close timeout only bounds a call that hangs.
func TestActionsHeartbeatSoACrashIsNoticedInSeconds(t *testing.T) {
	h := newHarness(t, parse(t, `
name: timeouts
version: 1
steps:
  - id: ask
    approval:
      title: Go?
      timeout: 2h
      on_timeout: escalate
      reminders: [1h]
      escalate: {to: agency-lead, timeout: 1h, on_timeout: approve}
  - id: publish
    needs: ask
    action: publish_posts
    with: {brand: Acme, count: 1}
  - id: slow
    action: report
    timeout: 20m
    with: {title: Week}
  - id: quick
    action: report
    timeout: 5s
    with: {title: Day}
`), nil)
	type opts struct{ heartbeat, startToClose time.Duration }
	var mu sync.Mutex
	var got []opts
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		var req activities.ActionRequest
		require.NoError(t, args.Get(&req))
		mu.Lock()
		defer mu.Unlock()
		got = append(got, opts{info.HeartbeatTimeout, info.Deadline.Sub(info.StartedTime).Round(time.Second)})
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, []opts{
		{10 * time.Second, time.Minute},      // the reminder
		{10 * time.Second, time.Minute},      // the escalation
		{10 * time.Second, 5 * time.Minute},  // publish: the default attempt
		{10 * time.Second, 20 * time.Minute}, // the step's own timeout
		{5 * time.Second, 5 * time.Second},   // never longer than the attempt
	}, got)
}
