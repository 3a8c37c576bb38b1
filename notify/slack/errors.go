package slack

import (
	"errors"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

// transientCodes are the ok:false errors that a later attempt may not meet.
// Every other ok:false error (channel_not_found, user_not_found,
// not_in_channel, invalid_auth, account_inactive, invalid_blocks, …) says
// something about the token, the member or the message that waiting does not
// change.
var transientCodes = map[string]bool{
	"ratelimited":         true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
}

// IsPermanent reports whether trying err's call again cannot succeed: Slack
// answered ok:false with a lasting error, an HTTP 4xx other than 408 and 429,
// or the call was malformed before it left. Rate limits, 5xx, timeouts and
// network failures are not permanent.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return false
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return !transientCodes[se.Err]
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code < 500 && sc.Code != http.StatusTooManyRequests && sc.Code != http.StatusRequestTimeout
	}
	return false
}

// RetryAfter is how long Slack asked us to wait (HTTP 429 with Retry-After).
func RetryAfter(err error) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err: err} }
