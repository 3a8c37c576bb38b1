package api

import (
	"encoding/json"
	"time"
)

// ApprovalView is one approval as the inbox and the campaign show it.
type ApprovalView struct {
	ID          string          `json:"id"`
	CampaignID  string          `json:"campaign_id"`
	Client      string          `json:"client"`
	Step        string          `json:"step"`
	Title       string          `json:"title"`
	Preview     json.RawMessage `json:"preview,omitempty"`
	Status      string          `json:"status"`
	OnTimeout   string          `json:"on_timeout"`
	RequestedAt time.Time       `json:"requested_at"`
	DueAt       time.Time       `json:"due_at"`
	DecidedAt   *time.Time      `json:"decided_at,omitempty"`
	Decision    string          `json:"decision,omitempty"`
	DecidedBy   string          `json:"decided_by,omitempty"`
	Comment     string          `json:"comment,omitempty"`
	Channel     string          `json:"channel,omitempty"`
	Policy      string          `json:"policy,omitempty"`       // the on_timeout policy that fired
	Quorum      int             `json:"quorum,omitempty"`       // approvals needed (1 when 0)
	Approvers   []Approver      `json:"approvers,omitempty"`    // who may decide now; empty: anyone
	RequestedBy string          `json:"requested_by,omitempty"` // may not approve
	Tier        int             `json:"tier,omitempty"`         // escalation tier, 0 first
	Votes       []VoteView      `json:"votes,omitempty"`
	// RejectionsNeeded is how many rejections reject it (1 when 0: any rejection).
	RejectionsNeeded int             `json:"rejections_needed,omitempty"`
	Edits            json.RawMessage `json:"edits,omitempty"` // content an approver edited
}

// Approver names who may decide: a person by id, or anyone holding a role.
type Approver struct {
	ID   string `json:"id,omitempty"`
	Role string `json:"role,omitempty"`
	// Team: anyone whose token or person belongs to the team (the owning
	// team of an account a campaign of another team asks for).
	Team string `json:"team,omitempty"`
}

// VoteView is one person's decision on an approval.
type VoteView struct {
	By       string          `json:"by"`
	Role     string          `json:"role,omitempty"`
	Decision string          `json:"decision"`
	Comment  string          `json:"comment,omitempty"`
	Channel  string          `json:"channel,omitempty"`
	At       time.Time       `json:"at"`
	Edits    json.RawMessage `json:"edits,omitempty"`
}
