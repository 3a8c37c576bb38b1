package api

import "strings"

// Campaign statuses.
const (
	StatusRunning         = "running"
	StatusWaitingApproval = "waiting_approval"
	StatusPaused          = "paused" // no new step starts; deadlines keep running
	StatusCompleted       = "completed"
	StatusFailed          = "failed"
	StatusCanceled        = "canceled"
)

// Step statuses.
const (
	StepRunning         = "running"
	StepWaitingApproval = "waiting_approval"
	StepCompleted       = "completed"
	StepSkipped         = "skipped"
	StepFailed          = "failed"
	StepCanceled        = "canceled"
)

// Approval statuses. Expired means the timeout policy decided, Policy says
// which, or that the campaign ended first (see EndedWithCampaign).
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	ApprovalExpired  = "expired"
)

// policyCampaignEnded prefixes the Policy of an approval still pending when its
// campaign ended: "campaign_canceled", "campaign_failed", "campaign_completed".
const policyCampaignEnded = "campaign_"

// CampaignEndedPolicy is the Policy recorded on an approval its campaign's end
// (with campaign status) closed: no timeout policy decided it, and nobody did.
func CampaignEndedPolicy(status string) string { return policyCampaignEnded + status }

// EndedWithCampaign says whether policy records that the campaign's end closed
// the approval, and the status the campaign ended with, so every reader shows
// it as closed with its campaign rather than as a timeout policy.
func EndedWithCampaign(policy string) (campaignStatus string, ok bool) {
	status, ok := strings.CutPrefix(policy, policyCampaignEnded)
	return status, ok && status != ""
}

// Decisions a person can take.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)
