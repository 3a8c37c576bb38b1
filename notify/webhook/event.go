// Package webhook sends approval events and alerts to an agency's own endpoint the way
// Standard Webhooks describes: a JSON body {"type", "timestamp", "data"},
// signed with HMAC-SHA256 under a whsec_ secret in the webhook-id,
// webhook-timestamp and webhook-signature headers. Receivers check requests
// with Verify, or with the few lines docs/notifications.md shows. The caller
// retries; IsPermanent and RetryAfter say how.
package webhook

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Event types.
const (
	TypeRequested = "approval.requested"
	TypeReminded  = "approval.reminded"
	TypeEscalated = "approval.escalated"
	TypeDecided   = "approval.decided"
	TypeExpired   = "approval.expired"
	// TypeSpamWave is an alert, not an approval event: a wave of spam or bot
	// followers; its data is the alert with the accounts concerned.
	TypeSpamWave = "followers.spam_wave"
)

// Types lists every event type, for validation and documentation.
var Types = []string{TypeRequested, TypeReminded, TypeEscalated, TypeDecided, TypeExpired, TypeSpamWave}

// Event is one thing that happened to an approval, or an alert. ID is the webhook-id and
// the Idempotency-Key: the same event keeps it on every attempt, so a
// receiver that saw it once can skip it.
type Event struct {
	ID        string
	Type      string
	Timestamp time.Time // when it happened; attempts carry their own time in the headers
	Data      any
}

type body struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// Body is the request body: {"type": …, "timestamp": …, "data": …}, the
// timestamp in UTC. The same event always gives the same bytes.
func (e Event) Body() ([]byte, error) {
	if e.ID == "" {
		return nil, permanent(fmt.Errorf("webhook: event %s has no id", e.Type))
	}
	if !slices.Contains(Types, e.Type) {
		return nil, permanent(fmt.Errorf("webhook: event type %q is not one of %v", e.Type, Types))
	}
	b, err := json.Marshal(body{Type: e.Type, Timestamp: e.Timestamp.UTC(), Data: e.Data})
	if err != nil {
		return nil, permanent(fmt.Errorf("webhook: unable to encode event %s: %w", e.ID, err))
	}
	return b, nil
}
