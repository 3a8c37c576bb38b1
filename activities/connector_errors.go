package activities

import (
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/notify"
)

// connectorError maps a connector's error to what Temporal should do with it,
// sorted as the notification senders sort theirs: a refusal that retrying
// cannot fix fails the step, a platform's Retry-After sets the next retry's
// delay, and anything else is retried on the activity's policy.
func connectorError(req ActionRequest, err error) error {
	msg := fmt.Sprintf("%s %s: %v", req.Connector, req.Action, err)
	if notify.IsPermanent(err) {
		return temporal.NewNonRetryableApplicationError(msg, "ActionRefused", nil)
	}
	if after, ok := notify.RetryAfter(err); ok && after > 0 {
		return temporal.NewApplicationErrorWithOptions(msg, "ActionDeferred", temporal.ApplicationErrorOptions{NextRetryDelay: after})
	}
	return fmt.Errorf("%s %s: %w", req.Connector, req.Action, err)
}
