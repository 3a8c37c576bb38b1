package app

import (
	"fmt"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/worker"
)

// workerVersion is the Worker Deployment Version the worker polls its own
// queue as: none unless a build id is configured, in the deployment named by
// the configuration or, by default, after the task queue, which is unique to
// this Greenlight deployment in its namespace.
func workerVersion(v config.Versioning, q queues) (worker.Version, error) {
	if !v.Enabled() {
		return worker.Version{}, nil
	}
	name := v.Deployment
	if name == "" {
		name = q.Own
		if err := config.ValidateWorkerDeployment(name); err != nil {
			return worker.Version{}, fmt.Errorf("task queue %s cannot name the Worker Deployment; set %s: %w", q.Own, config.EnvWorkerDeployment, err)
		}
	}
	return worker.Version{Deployment: name, BuildID: v.BuildID, Pinned: v.Pinned()}, nil
}

// describeVersion is the ready line's word on versioning.
func describeVersion(v worker.Version) string {
	if !v.Versioned() {
		return "off (unversioned)"
	}
	behavior := "auto-upgrade"
	if v.Pinned {
		behavior = "pinned"
	}
	return fmt.Sprintf("deployment %s build %s, %s", v.Deployment, v.BuildID, behavior)
}
