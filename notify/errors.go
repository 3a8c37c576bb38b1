package notify

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Every channel sorts its failures the same way, so the caller (a Temporal
// activity) decides once what to retry: a permanent error is a refusal that
// trying again cannot fix (a bad address, an SMTP 5xx reply, an HTTP 4xx);
// anything else is transient (a refused connection, a timeout, an SMTP 4xx
// reply, an HTTP 5xx) and may say how long to wait with RetryAfterError.

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as a refusal that retrying cannot fix. Nil stays nil.
func Permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &permanentError{err: err}
}

// IsPermanent says whether err, or any error it wraps, was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// RetryAfterError is a transient failure whose other side said how long to
// wait before trying again (an HTTP Retry-After, a rate limit).
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter returns the wait a transient err asks for, if it asks for one.
// A permanent error asks for none: it is not to be retried at all.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryAfterError
	if IsPermanent(err) || !errors.As(err, &r) {
		return 0, false
	}
	return r.After, true
}

// ClassifyHTTP sorts a failed HTTP exchange by its status: 408, 425 and 429
// and every 5xx may pass, any other status will not. retryAfter is the
// response's Retry-After header, in seconds or as an HTTP date; it is kept
// on a transient error. err says what failed and is wrapped as it is.
func ClassifyHTTP(status int, retryAfter string, err error) error {
	if err == nil {
		err = fmt.Errorf("HTTP %d", status)
	}
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly,
		status == http.StatusTooManyRequests, status >= 500:
		if d, ok := ParseRetryAfter(retryAfter, time.Now()); ok {
			return &RetryAfterError{Err: err, After: d}
		}
		return err
	}
	return Permanent(err)
}

// ParseRetryAfter reads a Retry-After value, seconds or an HTTP date, as of
// now; a date in the past means now. Every channel and connector reads the
// header here.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		// Bounded so a hostile header cannot overflow a Duration.
		return time.Duration(min(s, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
