package config

import (
	"errors"
	"fmt"
	"strings"
)

// Versioning opts `greenlight worker` into Temporal's Worker Deployment
// Versioning (docs/deploy.md, "Upgrading workers while campaigns run"). The
// zero value is an unversioned worker: every worker on the task queue takes
// every campaign, as before versioning existed.
type Versioning struct {
	// Deployment names the Worker Deployment the worker belongs to; "" is the
	// deployment's task queue, so two Greenlight deployments on a namespace
	// never share one.
	Deployment string
	// BuildID names this build within Deployment (e.g. a release tag or a
	// commit); "" leaves the worker unversioned.
	BuildID string
	// Behavior is what running campaigns do when another build becomes
	// current: VersioningAutoUpgrade ("" too) moves them to it at their next
	// step; VersioningPinned keeps each on the build that started it.
	Behavior string
}

// Values of Versioning.Behavior.
const (
	VersioningAutoUpgrade = "auto-upgrade"
	VersioningPinned      = "pinned"
)

// Environment variables of Versioning; the README's configuration table lists them.
const (
	EnvWorkerDeployment = "GREENLIGHT_WORKER_DEPLOYMENT"
	EnvWorkerBuildID    = "GREENLIGHT_WORKER_BUILD_ID"
	EnvWorkerVersioning = "GREENLIGHT_WORKER_VERSIONING"
)

// Enabled says whether the worker runs as a versioned build.
func (v Versioning) Enabled() bool { return v.BuildID != "" }

// Pinned says whether campaigns stay on the build that started them.
func (v Versioning) Pinned() bool { return v.Behavior == VersioningPinned }

func (v *Versioning) fromEnv(lookup func(string) (string, bool)) {
	for _, e := range []envVar{
		{EnvWorkerDeployment, &v.Deployment},
		{EnvWorkerBuildID, &v.BuildID},
		{EnvWorkerVersioning, &v.Behavior},
	} {
		if val, ok := lookup(e.name); ok && val != "" {
			*e.dst = val
		}
	}
}

// validate checks what Temporal would refuse only once the worker polls, so a
// bad setting stops the process at start with the variable named.
func (v Versioning) validate() error {
	var errs []error
	switch v.Behavior {
	case "", VersioningAutoUpgrade, VersioningPinned:
	default:
		errs = append(errs, fmt.Errorf("config: %s (--%s) %q: want %s or %s", EnvWorkerVersioning, FlagWorkerVersioning, v.Behavior, VersioningAutoUpgrade, VersioningPinned))
	}
	if v.BuildID == "" {
		// Without a build the other two would be silently ignored.
		if v.Deployment != "" || v.Behavior != "" {
			errs = append(errs, fmt.Errorf("config: %s and %s apply to a versioned worker only: set %s (--%s) too, or unset them",
				EnvWorkerDeployment, EnvWorkerVersioning, EnvWorkerBuildID, FlagWorkerBuildID))
		}
		return errors.Join(errs...)
	}
	if strings.HasPrefix(v.BuildID, "__") {
		errs = append(errs, fmt.Errorf("config: %s (--%s) %q must not start with __ (reserved by Temporal)", EnvWorkerBuildID, FlagWorkerBuildID, v.BuildID))
	}
	if v.Deployment != "" {
		if err := ValidateWorkerDeployment(v.Deployment); err != nil {
			errs = append(errs, fmt.Errorf("config: %s (--%s): %w", EnvWorkerDeployment, FlagWorkerDeployment, err))
		}
	}
	return errors.Join(errs...)
}

// ValidateWorkerDeployment checks a Worker Deployment name as Temporal 1.32
// does: "." and ":" separate it from a build id in version strings, and
// names starting with "__" are Temporal's own.
func ValidateWorkerDeployment(name string) error {
	switch {
	case name == "":
		return errors.New("worker deployment name is empty")
	case strings.ContainsAny(name, ".:"):
		return fmt.Errorf("worker deployment name %q must not contain '.' or ':'", name)
	case strings.HasPrefix(name, "__"):
		return fmt.Errorf("worker deployment name %q must not start with __", name)
	}
	return nil
}
