// Package workflows holds the campaign workflow and its Temporal contract, in this
// file: task queue, workflow type, signal, query and update names, the input and
// payloads, and the error types of update failures. The API and scripts import
// these; nothing else spells the strings. The words the store and the CLI share
// with it (statuses, decisions, channels, ids, the views) are in package api.
package workflows

import (
	"errors"
	"time"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/playbooks"
)

// TaskQueue is where campaign workflows and their activities run: the
// design's queue, held by the first Greenlight deployment of a namespace.
const TaskQueue = "greenlight"

// TaskQueueFor is the task queue of any other deployment (store.Deployment)
// of the namespace: its campaigns and notices run there, so two deployments
// that share a Temporal namespace never take each other's work.
func TaskQueueFor(deployment string) string { return TaskQueue + "-" + deployment }

// Names registered with Temporal.
const (
	// CampaignWorkflowType is the registered workflow type of every campaign.
	CampaignWorkflowType = "Campaign"
	// SignalApproval decides an approval: payload ApprovalSignal. Duplicate and late
	// signals change nothing and are recorded as ignored.
	SignalApproval = "approval"
	// QueryStatus returns a CampaignView of the run.
	QueryStatus = "status"
	// UpdateDecide decides an approval and answers with the updated ApprovalView, or
	// with an error the caller can show (unknown, already decided, expired).
	UpdateDecide = "decide"
	// UpdatePause holds a campaign before its next step; UpdateResume lets it go
	// on. Both take a PauseRequest and answer with the CampaignView.
	UpdatePause  = "pause"
	UpdateResume = "resume"
)

// PauseRequest says who paused or resumed a campaign, and why; the API adds
// the channel (api or cli; empty is recorded as api) and its request's id.
type PauseRequest struct {
	By        string `json:"by"`
	Reason    string `json:"reason,omitempty"`
	Channel   string `json:"channel,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// CampaignInput is everything a campaign needs; the playbook travels inside it so
// the run keeps the definition it started with.
type CampaignInput struct {
	CampaignID string             `json:"campaign_id"`
	Client     string             `json:"client"`
	Playbook   playbooks.Playbook `json:"playbook"`
	Params     map[string]any     `json:"params"`
	Connector  string             `json:"connector"` // platform connector, e.g. "sandbox"
	// Team is the launching token's team.
	Team string `json:"team,omitempty"`
	// Accounts are the client's accounts the launch resolved the playbook's
	// platforms to, each acted on through its own connector; none: every
	// action goes to Connector (campaigns launched before accounts).
	Accounts    []platforms.Account `json:"accounts,omitempty"`
	RequestedBy string              `json:"requested_by,omitempty"`
	// RequestID is the id of the API request that launched the campaign, for
	// the audit log.
	RequestID string `json:"request_id,omitempty"`
	// ContinueAsNewAfter is the history length past which a top-level repeat
	// continues as a new run between iterations; 0 means the default.
	ContinueAsNewAfter int `json:"continue_as_new_after,omitempty"`
	// Resume carries a continued campaign's state into its next run.
	Resume *ResumeState `json:"resume,omitempty"`
	// SearchAttributes says the namespace has Greenlight's search attributes, so
	// the run keeps GreenlightStatus current.
	SearchAttributes bool `json:"search_attributes,omitempty"`
}

// ResumeState is what a campaign carries across continue-as-new: where it was,
// what it produced, and the recent part of its view.
type ResumeState struct {
	StepIndex int                       `json:"step_index"` // top-level repeat step to resume
	StepKey   string                    `json:"step_key"`   // its key in Steps
	Iteration int                       `json:"iteration"`  // the next iteration to run
	Seq       int64                     `json:"seq"`        // last projection written
	StepSeq   int                       `json:"step_seq"`   // last step sequence number given
	Outputs   map[string]map[string]any `json:"outputs"`
	Steps     []api.StepView            `json:"steps"`
	Approvals []api.ApprovalView        `json:"approvals"`
	Runs      int                       `json:"runs"` // runs completed before this one
	Paused    bool                      `json:"paused,omitempty"`
	PausedAt  time.Time                 `json:"paused_at,omitempty"`
	// At is where the campaign stood when it continued as new while it waited (on
	// an approval, a wait, a repeat's interval or a pause), outermost step first.
	// Empty for a run handed over between iterations of a top-level repeat by
	// older code: StepIndex, StepKey and Iteration say where.
	At          []ResumePoint `json:"at,omitempty"`
	CurrentStep string        `json:"current_step,omitempty"`
	// Ignored counts the ignored decisions not yet summarised in the audit log;
	// IgnoredOthers is the shared count of further senders.
	Ignored       []IgnoredCount `json:"ignored,omitempty"`
	IgnoredOthers *IgnoredCount  `json:"ignored_others,omitempty"`
}

// ResumePoint is where one step stood when its campaign continued as new: its
// position in its sequence, its instance key, and what it needs to pick up.
type ResumePoint struct {
	Index int `json:"index"` // position in the enclosing sequence
	// Key is the step's instance key; empty when the step had not begun (the
	// campaign was paused before it).
	Key       string    `json:"key,omitempty"`
	Iteration int       `json:"iteration,omitempty"` // repeat: the iteration under way, or the next one
	Until     time.Time `json:"until,omitzero"`      // repeat: the interval before Iteration ends then
	Arm       string    `json:"arm,omitempty"`       // branch: then | else
	// Reminders counts an approval's reminders on record; RemindersSent those whose
	// notice went out. A reminder recorded but not sent is sent again under its
	// idempotency key, so it reaches people once.
	Reminders     int `json:"reminders,omitempty"`
	RemindersSent int `json:"reminders_sent,omitempty"`
}

// CampaignResult is what a finished campaign returns.
type CampaignResult struct {
	Status  string                    `json:"status"`
	Outputs map[string]map[string]any `json:"outputs,omitempty"`
	// IgnoredAfterEnd counts signals that arrived after the campaign's final
	// record was written and before its run closed: they changed nothing and are
	// on record only here (Temporal refuses signals once the run has closed).
	IgnoredAfterEnd int `json:"ignored_after_end,omitempty"`
}

// ApprovalSignal is the payload of the `approval` signal and the `decide` update.
type ApprovalSignal struct {
	ApprovalID string `json:"approval_id"`
	Decision   string `json:"decision"` // approve | reject
	By         string `json:"by"`
	Comment    string `json:"comment,omitempty"`
	// Channel is set by the API and CLI; a raw Temporal signal leaves it empty and is
	// recorded as "signal".
	Channel string `json:"channel,omitempty"`
	// Role is the decider's role (e.g. "client-marketing-lead"), matched against
	// the approval's approvers; a signed link carries it.
	Role string `json:"role,omitempty"`
	// Team is the decider's team, from their token; matched against approvers
	// that name a team.
	Team string `json:"team,omitempty"`
	// Edits replaces parts of the preview (e.g. reworded posts) for the steps that
	// follow an approval; the record keeps both versions.
	Edits map[string]any `json:"edits,omitempty"`
	// RequestID is the id of the API request that carried the decision (a
	// Slack click's, a link's), for the audit log; a raw signal's is dropped,
	// since no API request carried it.
	RequestID string `json:"request_id,omitempty"`
}

// Errors a decision can meet; the API maps them to 404, 409 and 403.
var (
	ErrUnknownApproval        = errors.New("unknown approval")
	ErrAlreadyDecided         = errors.New("approval already decided")
	ErrExpired                = errors.New("approval expired")
	ErrBadDecision            = errors.New("decision must be approve or reject")
	ErrNotAnApprover          = errors.New("not an approver of this approval")
	ErrRequesterMayNotApprove = errors.New("the requester of a step may not approve it")
)

// Error types carried by update failures, for callers across the wire.
const (
	ErrTypeUnknownApproval        = "UnknownApproval"
	ErrTypeAlreadyDecided         = "AlreadyDecided"
	ErrTypeExpired                = "ApprovalExpired"
	ErrTypeBadDecision            = "BadDecision"
	ErrTypeNotAnApprover          = "NotAnApprover"
	ErrTypeRequesterMayNotApprove = "RequesterMayNotApprove"
)

// Errors pause and resume can meet; the API maps them to 409.
var (
	ErrAlreadyPaused = errors.New("campaign already paused")
	ErrNotPaused     = errors.New("campaign is not paused")
)

// Error types of pause and resume update failures.
const (
	ErrTypeAlreadyPaused = "AlreadyPaused"
	ErrTypeNotPaused     = "NotPaused"
)
