// Package worker builds the Temporal worker that runs campaign workflows and their
// activities on a deployment's task queue.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/workflows"
)

// New returns a worker on taskQueue with the campaign workflow and every
// activity registered, polling as version v (the zero Version: unversioned).
// The caller starts and stops it.
func New(c client.Client, taskQueue string, acts *activities.Activities, v Version) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{DeploymentOptions: v.options()})
	Register(w, acts)
	return w
}

// Register adds Greenlight's workflow and activities to any registry: a worker, a
// test environment, or a replayer.
func Register(r interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
	RegisterActivity(any)
}, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.CampaignWorkflow, workflow.RegisterOptions{Name: workflows.CampaignWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.NoticeWorkflow, workflow.RegisterOptions{Name: workflows.NoticeWorkflowType})
	if acts != nil {
		r.RegisterActivity(acts)
	}
}
