package bluesky

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bluesky-social/indigo/xrpc"

	"github.com/greenlight/greenlight/notify"
)

// APIError is a refusal from the PDS with its HTTP status and the XRPC
// error name and message.
type APIError struct {
	Status  int
	Name    string // the XRPC error, e.g. InvalidRequest, RecordNotFound
	Message string
	Method  string // the XRPC method (NSID)
}

func (e *APIError) Error() string {
	msg := e.Name
	switch {
	case msg == "":
		msg = http.StatusText(e.Status)
		if e.Message != "" {
			msg = e.Message
		}
	case e.Message != "":
		msg += ": " + e.Message
	}
	return fmt.Sprintf("bluesky: %s: %d %s", e.Method, e.Status, msg)
}

// maxWait bounds a rate limit's wait, so a hostile reset header cannot park
// a step for ever.
const maxWait = 24 * time.Hour

// classify sorts a failed call: a 429 waits until RateLimit-Reset (epoch
// seconds), 5xx and transport failures may pass, any other 4xx (bad app
// password, invalid record, a post that does not exist) will not and keeps
// the PDS's error and message.
func classify(ctx context.Context, method string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("bluesky: %s: %w", method, ctx.Err())
	}
	var xe *xrpc.Error
	if !errors.As(err, &xe) {
		// A refused connection, a timeout, a broken body: transient.
		return fmt.Errorf("bluesky: %s: %w", method, err)
	}
	ae := &APIError{Status: xe.StatusCode, Method: method}
	var body *xrpc.XRPCError
	if errors.As(xe.Wrapped, &body) {
		ae.Name, ae.Message = body.ErrStr, body.Message
	}
	if xe.StatusCode == http.StatusTooManyRequests && xe.Ratelimit != nil && !xe.Ratelimit.Reset.IsZero() {
		return &notify.RetryAfterError{Err: ae, After: min(max(time.Until(xe.Ratelimit.Reset), 0), maxWait)}
	}
	return notify.ClassifyHTTP(xe.StatusCode, "", ae)
}

// refusal returns the PDS's refusal in err, if it is one.
func refusal(err error) (*APIError, bool) {
	var ae *APIError
	return ae, errors.As(err, &ae)
}
