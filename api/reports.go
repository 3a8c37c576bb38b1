package api

import "time"

// ApprovalReport is the "let go" report, in the shape the API returns.
type ApprovalReport struct {
	Since   time.Time              `json:"since"`
	Until   time.Time              `json:"until"`
	Clients []ClientApprovalReport `json:"clients"`
}

// ClientApprovalReport is one client's figures. The decision times and the
// silence share are null when nothing was decided: a zero would read as
// "instant" or "never silent".
type ClientApprovalReport struct {
	Client          string `json:"client"`
	Approvals       int    `json:"approvals"`
	DecidedByPerson int    `json:"decided_by_person"`
	// DecidedByGrant counts approvals passed by an earlier approval's grant
	// ("approve the plan, not each post"): nobody waited for them.
	DecidedByGrant   int `json:"decided_by_grant"`
	DecidedBySilence int `json:"decided_by_silence"`
	Abandoned        int `json:"abandoned"`
	Pending          int `json:"pending"`
	// SilenceShare is silence / (person + silence), rounded to 4 decimals.
	SilenceShare *float64 `json:"silence_share"`
	DecisionTimes
	WaitingHours float64          `json:"waiting_hours"`
	PostsDelayed int              `json:"posts_delayed"`
	Approvers    []ApproverReport `json:"approvers"`
}

// ApproverReport is one person's decisions for one client.
type ApproverReport struct {
	Approver string `json:"approver"`
	Decided  int    `json:"decided"`
	Approved int    `json:"approved"`
	Rejected int    `json:"rejected"`
	DecisionTimes
}

// DecisionTimes are the nearest-rank median and 90th percentile of times to
// decide, in seconds for programs and as text (e.g. "3h12m") for people.
type DecisionTimes struct {
	MedianDecisionSeconds *float64 `json:"median_decision_seconds"`
	P90DecisionSeconds    *float64 `json:"p90_decision_seconds"`
	MedianDecision        string   `json:"median_decision,omitempty"`
	P90Decision           string   `json:"p90_decision,omitempty"`
}
