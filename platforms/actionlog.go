package platforms

import (
	"context"
	"errors"
)

// ActionLog is the durable record of the actions a connector performed, by
// idempotency key: a connector looks here first, so a retried activity returns
// the recorded result instead of acting twice. Real connectors also send the
// key to the platform where it takes one (Mastodon's Idempotency-Key, a
// webhook's Idempotency-Key, a Bluesky record key), which closes the window
// between the platform accepting an action and its record.
type ActionLog interface {
	// Performed returns the recorded result of key, or ErrNotPerformed.
	Performed(ctx context.Context, key string) (Result, error)
	// Record keeps r as the result of a, performed by connector. When another
	// attempt recorded the key first, it returns that result and false.
	Record(ctx context.Context, connector string, a Action, r Result) (Result, bool, error)
}

// ErrNotPerformed says an action log has no record of a key.
var ErrNotPerformed = errors.New("platforms: action not performed")
