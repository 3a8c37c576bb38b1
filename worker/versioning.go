package worker

import (
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Version is the Worker Deployment Version a worker polls as; the zero value
// is an unversioned worker, which takes any task of its queue.
type Version struct {
	Deployment string
	BuildID    string
	// Pinned keeps each campaign on the build that started it; otherwise
	// campaigns move to the deployment's current build at their next workflow
	// task (AutoUpgrade), which workflow.GetVersion patches and the replay of
	// checked-in histories make safe.
	Pinned bool
}

// Versioned says whether a worker of v polls as a build of a Worker Deployment.
func (v Version) Versioned() bool { return v.BuildID != "" }

// options are the SDK's deployment options for v. Every workflow the worker
// registers gets the same behaviour by default: a registration without one
// would fail once versioning is on.
func (v Version) options() sdkworker.DeploymentOptions {
	if !v.Versioned() {
		return sdkworker.DeploymentOptions{}
	}
	behavior := workflow.VersioningBehaviorAutoUpgrade
	if v.Pinned {
		behavior = workflow.VersioningBehaviorPinned
	}
	return sdkworker.DeploymentOptions{
		UseVersioning:             true,
		Version:                   sdkworker.WorkerDeploymentVersion{DeploymentName: v.Deployment, BuildID: v.BuildID},
		DefaultVersioningBehavior: behavior,
	}
}
