package api

import (
	"encoding/json"
	"time"
)

// CampaignView is the shape of GET /v1/campaigns/{id} and of the status query.
type CampaignView struct {
	ID              string         `json:"id"`
	WorkflowID      string         `json:"workflow_id"`
	Playbook        string         `json:"playbook"`
	PlaybookVersion int            `json:"playbook_version"`
	Client          string         `json:"client"`
	Status          string         `json:"status"`
	CurrentStep     string         `json:"current_step"`
	Error           string         `json:"error,omitempty"`
	Params          map[string]any `json:"params,omitempty"`
	Steps           []StepView     `json:"steps"`
	Approvals       []ApprovalView `json:"approvals"`
	// Waiting says what a running campaign sleeps on (a repeat's interval, a
	// wait step) and until when; nil while it works or waits on a person.
	Waiting *WaitingView `json:"waiting,omitempty"`
	// Team is the team that launched the campaign; "" for none.
	Team string `json:"team,omitempty"`
	// Accounts are the client accounts the campaign holds (docs/connectors.md,
	// "Teams"); empty for a campaign on the sandbox alone.
	Accounts   []CampaignAccountView `json:"accounts,omitempty"`
	CreatedAt  *time.Time            `json:"created_at,omitempty"`
	UpdatedAt  *time.Time            `json:"updated_at,omitempty"`
	FinishedAt *time.Time            `json:"finished_at,omitempty"`
	UIURL      string                `json:"ui_url,omitempty"`
}

// StepView is one step run.
type StepView struct {
	ID         string          `json:"id"`
	Key        string          `json:"key"`
	Kind       string          `json:"kind"`
	Seq        int             `json:"seq"` // order in which the campaign reached the step
	Name       string          `json:"name,omitempty"`
	Status     string          `json:"status"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      string          `json:"error,omitempty"`
}

// WaitingView is a campaign asleep until a time: between two iterations of a
// repeat, or in a wait step.
type WaitingView struct {
	Until  time.Time `json:"until"`
	For    string    `json:"for"`    // what comes next, for people
	Step   string    `json:"step"`   // the key of the repeat or wait step
	Reason string    `json:"reason"` // repeat | wait
}
