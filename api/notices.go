package api

import "time"

// Kinds of approval events people are told about.
const (
	NoticeRequested = "requested"
	NoticeReminded  = "reminded"
	NoticeEscalated = "escalated"
	NoticeDecided   = "decided"
	NoticeExpired   = "expired"
)

// Delivery statuses. A delivery is "sending" from its first attempt until it
// is sent, given up ("failed"), or found unneeded ("skipped": the approval was
// decided before its request or reminder went out).
const (
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	DeliverySkipped = "skipped"
)

// DeliveryView is one message about an approval, as GET
// /v1/approvals/{id}/deliveries lists it: what went to whom, when, through
// which channel, and what failed.
type DeliveryView struct {
	Kind      string     `json:"kind"`
	Seq       int        `json:"seq,omitempty"`    // which reminder
	Person    string     `json:"person,omitempty"` // empty for a webhook subscription
	Channel   string     `json:"channel"`
	Address   string     `json:"address"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	Ref       string     `json:"ref,omitempty"` // Message-ID, Slack channel/ts, webhook id
	Error     string     `json:"error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}
