package app

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// The first deployment of a namespace runs on the `greenlight` task queue,
// as the design promises; any other on a queue named after itself. Which
// deployment holds `greenlight` is recorded in Temporal itself, as a
// workflow that never runs (nothing polls its queue) and never ends: its id
// is unique in the namespace, so exactly one deployment can start it.
const (
	queueOwnerID    = "greenlight-task-queue-owner"
	queueOwnerType  = "GreenlightTaskQueueOwner"
	queueOwnerQueue = "greenlight-task-queue-owner"
	memoDeployment  = "deployment"
)

// queuesOf is st's deployment's task queue, chosen at its first start and
// kept in the store, and whether campaigns of this store may still run on
// the shared queue of old.
func queuesOf(ctx context.Context, st *store.Store, c client.Client, dc converter.DataConverter) (queues, error) {
	d, err := st.Deployment(ctx)
	if err != nil {
		return queues{}, err
	}
	if d.TaskQueue == "" {
		tq, err := chooseQueue(ctx, c, dc, d.ID)
		if err != nil {
			return queues{}, err
		}
		if d, err = st.ChooseTaskQueue(ctx, d.ID, tq); err != nil {
			return queues{}, err
		}
	}
	q := queues{Own: d.TaskQueue}
	if q.Own != workflows.TaskQueue {
		// Campaigns this store started before it had a queue of its own.
		if q.Legacy, err = st.UnfinishedBefore(ctx, d.CreatedAt); err != nil {
			return queues{}, err
		}
	}
	return q, nil
}

// chooseQueue claims `greenlight` for deployment, or, when another
// deployment holds it, answers the deployment's own queue.
func chooseQueue(ctx context.Context, c client.Client, dc converter.DataConverter, deployment string) (string, error) {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: queueOwnerID, TaskQueue: queueOwnerQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		Memo:                     map[string]any{memoDeployment: deployment},
		StaticSummary:            "Greenlight deployment " + deployment + " runs its campaigns on task queue " + workflows.TaskQueue,
	}, queueOwnerType)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return "", fmt.Errorf("claim task queue %s: %w", workflows.TaskQueue, err)
	}
	// Started now or long ago, by this deployment or another: the record says
	// whose it is (the SDK answers an existing run without an error).
	desc, err := c.DescribeWorkflowExecution(ctx, queueOwnerID, "")
	if err != nil {
		return "", fmt.Errorf("read who holds task queue %s: %w", workflows.TaskQueue, err)
	}
	var owner string
	if p := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[memoDeployment]; p != nil {
		// Sealed with another deployment's keys, it cannot be this one's.
		_ = dc.FromPayload(p, &owner)
	}
	if owner == deployment {
		return workflows.TaskQueue, nil
	}
	return workflows.TaskQueueFor(deployment), nil
}
