package api

// CampaignWorkflowID is the one place a campaign's workflow ID is derived.
func CampaignWorkflowID(campaignID string) string { return "campaign-" + campaignID }

// ApprovalID is the deterministic id of a campaign's approval for a step key.
func ApprovalID(campaignID, stepKey string) string { return campaignID + "." + stepKey }
