package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The raw side: what a team would write with the SDK alone for the same work,
// a one-activity workflow and a workflow waiting on a signal, run by a worker
// with the SDK's default options on a task queue of its own, in this process,
// against the child's server.

const (
	rawTaskQueue      = "greenlight-bench-raw"
	rawOneActionName  = "BenchRawOneAction"
	rawDecisionName   = "BenchRawDecision"
	rawActivityName   = "BenchRawAction"
	rawSignal         = "decision"
	rawReadyQuery     = "ready"
	rawActivityTimout = time.Minute
)

// rawOneAction runs one activity and completes.
func rawOneAction(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: rawActivityTimout})
	return workflow.ExecuteActivity(ctx, rawActivityName).Get(ctx, nil)
}

// rawAction does no work: the raw side's cost is Temporal's alone.
func rawAction(context.Context) error { return nil }

// rawDecision waits for one decision signal and completes. Its query answers
// once the first workflow task ran, so the benchmark knows it waits.
func rawDecision(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, rawReadyQuery, func() (bool, error) { return true, nil }); err != nil {
		return err
	}
	var decision string
	workflow.GetSignalChannel(ctx, rawSignal).Receive(ctx, &decision)
	return nil
}

// dialTemporal connects to the child's embedded server. The SDK's own logs
// are kept to warnings: they would drown the table.
func dialTemporal(ctx context.Context, hostPort string) (client.Client, error) {
	logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: childNamespace, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("bench: dial Temporal at %s: %w", hostPort, err)
	}
	return c, nil
}

// startRawWorker runs the raw side's worker until the returned stop is called.
func startRawWorker(c client.Client) (stop func(), err error) {
	w := worker.New(c, rawTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(rawOneAction, workflow.RegisterOptions{Name: rawOneActionName})
	w.RegisterWorkflowWithOptions(rawDecision, workflow.RegisterOptions{Name: rawDecisionName})
	w.RegisterActivityWithOptions(rawAction, activity.RegisterOptions{Name: rawActivityName})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the raw SDK worker: %w", err)
	}
	return w.Stop, nil
}
