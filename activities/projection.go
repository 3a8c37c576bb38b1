package activities

import (
	"context"
	"errors"
	"time"
)

// ProjectionWriter applies a projection batch in one transaction, at most once
// per Seq. The store implements it through worker.StoreProjections; this
// package only states the contract, so workflow code, which sends the batches,
// reaches no database.
type ProjectionWriter interface {
	ApplyProjection(ctx context.Context, p Projection) error
}

// ErrCampaignMissing is a ProjectionWriter's answer when the campaign's row does
// not exist: the API writes it before starting the workflow, so it was rolled
// back, and retrying cannot help.
var ErrCampaignMissing = errors.New("campaign row missing")

// Projection is what a campaign hands to ApplyProjection: a numbered batch of
// changes to the rows people query. It is the activity's contract, owned here
// rather than by the store, so that workflow code knows no database and a
// renamed store column never changes what a workflow sends; the one mapping to
// rows is in worker/projections.go. Seq, strictly increasing per campaign,
// tells a retry or a stale batch from a new one.
type Projection struct {
	CampaignID string         `json:"campaign_id"`
	Seq        int64          `json:"seq"`
	At         time.Time      `json:"at"` // becomes the campaign's updated_at
	Campaign   *CampaignPatch `json:"campaign,omitempty"`
	Steps      []StepRow      `json:"steps,omitempty"`
	Approvals  []ApprovalRow  `json:"approvals,omitempty"`
	Votes      []VoteRow      `json:"votes,omitempty"`
	Audit      []AuditRow     `json:"audit,omitempty"`
}

// CampaignPatch changes the campaign's row; nil and "" leave a column as it is.
type CampaignPatch struct {
	Status      string     `json:"status,omitempty"`
	CurrentStep *string    `json:"current_step,omitempty"`
	Error       *string    `json:"error,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

// StepRow is one step run as it now stands; Key is unique in its campaign.
type StepRow struct {
	Key        string     `json:"key"`
	StepID     string     `json:"step_id"`
	Kind       string     `json:"kind"`
	Name       string     `json:"name,omitempty"`
	Status     string     `json:"status"`
	Seq        int        `json:"seq"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Output     string     `json:"output,omitempty"` // JSON
	Error      string     `json:"error,omitempty"`
}

// ApprovalRow is one approval as it now stands.
type ApprovalRow struct {
	ID          string     `json:"id"`
	ClientID    string     `json:"client_id"`
	StepKey     string     `json:"step_key"`
	Title       string     `json:"title"`
	Preview     string     `json:"preview,omitempty"` // JSON
	Status      string     `json:"status"`
	OnTimeout   string     `json:"on_timeout"`
	RequestedAt time.Time  `json:"requested_at"`
	DueAt       time.Time  `json:"due_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Decision    string     `json:"decision,omitempty"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	Comment     string     `json:"comment,omitempty"`
	Channel     string     `json:"channel,omitempty"`
	Policy      string     `json:"policy,omitempty"`
	Quorum      int        `json:"quorum"`
	Approvers   string     `json:"approvers,omitempty"` // JSON list of {id, role}
	RequestedBy string     `json:"requested_by,omitempty"`
	Tier        int        `json:"tier,omitempty"`
	Edits       string     `json:"edits,omitempty"` // JSON
}

// VoteRow is one person's vote on an approval.
type VoteRow struct {
	ApprovalID string    `json:"approval_id"`
	Voter      string    `json:"voter"`
	Role       string    `json:"role,omitempty"`
	Decision   string    `json:"decision"`
	Comment    string    `json:"comment,omitempty"`
	Channel    string    `json:"channel,omitempty"`
	Edits      string    `json:"edits,omitempty"` // JSON
	At         time.Time `json:"at"`
}

// AuditRow is one audit event; DedupKey makes a retried write land once.
type AuditRow struct {
	DedupKey   string    `json:"dedup_key"`
	ApprovalID string    `json:"approval_id,omitempty"`
	Kind       string    `json:"kind"`
	Actor      string    `json:"actor,omitempty"`
	Channel    string    `json:"channel,omitempty"`
	RequestID  string    `json:"request_id,omitempty"` // the API request that caused it
	Detail     string    `json:"detail,omitempty"`     // JSON
	At         time.Time `json:"at"`
}
