package api

import (
	"encoding/json"
	"time"
)

// Kinds of audit event recorded outside a campaign's workflow, or on behalf of
// more than one layer. The workflow's own kinds (approval.decided,
// campaign.paused, …) are listed in docs/api.md ("Audit").
const (
	AuditCampaignLaunched        = "campaign.launched"
	AuditCampaignCancelRequested = "campaign.cancel_requested"
	AuditLinkMinted              = "approval.link_minted"
	AuditPlaybookRegistered      = "playbook.registered"
	AuditTokenCreated            = "token.created"
	AuditTokenRevoked            = "token.revoked"
	AuditPersonCreated           = "person.created"
	AuditPersonUpdated           = "person.updated"
	AuditPersonDeleted           = "person.deleted"
	AuditAccountCreated          = "account.created"
	AuditAccountUpdated          = "account.updated"
	AuditAccountDeleted          = "account.deleted"
	AuditInboxLinkMinted         = "inbox.link_minted"
	// AuditGuardrailBlocked is a platform action a guardrail refused;
	// AuditGuardrailUnblocked, one a person let through (on_blocked).
	AuditGuardrailBlocked   = "guardrail.blocked"
	AuditGuardrailUnblocked = "guardrail.unblocked"
)

// AuditEventView is one audit event as the API shows it: who (Actor) did what
// (Type), when (At), through which channel, for which client, campaign and
// approval, and the id of the API request that caused it. A field that does
// not apply is "", never absent, so every export has the same columns.
type AuditEventView struct {
	ID      int64     `json:"id"` // increases in the order events were recorded
	Type    string    `json:"type"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Channel string    `json:"channel"`
	// Client is "" for an event of no single client: a shared playbook, a
	// token or person of several clients (or of every client).
	Client     string `json:"client"`
	CampaignID string `json:"campaign_id"`
	ApprovalID string `json:"approval_id"`
	// RequestID is the X-Request-Id of the API request that caused the event;
	// "" for what the system did on its own (a deadline, a reminder) and for
	// events recorded before request ids were.
	RequestID string `json:"request_id"`
	// Detail is a JSON object whose fields depend on Type; {} when none.
	Detail json.RawMessage `json:"detail"`
}

// AuditEventList is one page of audit events; NextPageToken is "" on the last.
type AuditEventList struct {
	Items         []AuditEventView `json:"items"`
	NextPageToken string           `json:"next_page_token"`
}
