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
	label := req.Connector + " " + req.Action
	if len(req.Accounts) > 0 {
		// The account's connector names itself in err.
		label = req.Action
	}
	msg := fmt.Sprintf("%s: %v", label, err)
	if notify.IsPermanent(err) {
		return temporal.NewNonRetryableApplicationError(msg, "ActionRefused", nil)
	}
	if after, ok := notify.RetryAfter(err); ok && after > 0 {
		return temporal.NewApplicationErrorWithOptions(msg, "ActionDeferred", temporal.ApplicationErrorOptions{NextRetryDelay: after})
	}
	return fmt.Errorf("%s: %w", label, err)
}
