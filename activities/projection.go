package activities

import (
	"time"

	"github.com/greenlight/greenlight/store"
)

// Projection is what a campaign hands to ApplyProjection: a numbered batch of
// changes to the rows people query. It is the activity's contract, owned here
// rather than by the store, so that workflow code knows no database and a
// renamed store column never changes what a workflow sends; the one mapping to
// rows is toStore. Seq, strictly increasing per campaign, tells a retry or a
// stale batch from a new one.
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
	Detail     string    `json:"detail,omitempty"` // JSON
	At         time.Time `json:"at"`
}

// toStore maps the batch to the store's rows: the one place the two meet.
func (p Projection) toStore() store.Projection {
	out := store.Projection{CampaignID: p.CampaignID, Seq: p.Seq, At: p.At}
	if c := p.Campaign; c != nil {
		out.Campaign = &store.CampaignPatch{Status: c.Status, CurrentStep: c.CurrentStep, Error: c.Error, FinishedAt: c.FinishedAt}
	}
	for _, s := range p.Steps {
		out.Steps = append(out.Steps, store.StepRun{
			CampaignID: p.CampaignID, Key: s.Key, StepID: s.StepID, Kind: s.Kind, Name: s.Name,
			Status: s.Status, Seq: s.Seq, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt,
			Output: s.Output, Error: s.Error,
		})
	}
	for _, a := range p.Approvals {
		out.Approvals = append(out.Approvals, store.Approval{
			ID: a.ID, CampaignID: p.CampaignID, ClientID: a.ClientID, StepKey: a.StepKey, Title: a.Title,
			Preview: a.Preview, Status: a.Status, OnTimeout: a.OnTimeout,
			RequestedAt: a.RequestedAt, DueAt: a.DueAt, DecidedAt: a.DecidedAt, Decision: a.Decision,
			DecidedBy: a.DecidedBy, Comment: a.Comment, Channel: a.Channel, Policy: a.Policy,
			Quorum: a.Quorum, Approvers: a.Approvers, RequestedBy: a.RequestedBy, Tier: a.Tier, Edits: a.Edits,
		})
	}
	for _, v := range p.Votes {
		out.Votes = append(out.Votes, store.ApprovalVote{
			ApprovalID: v.ApprovalID, Voter: v.Voter, Role: v.Role, Decision: v.Decision,
			Comment: v.Comment, Channel: v.Channel, Edits: v.Edits, At: v.At,
		})
	}
	for _, e := range p.Audit {
		out.Audit = append(out.Audit, store.AuditEvent{
			DedupKey: e.DedupKey, CampaignID: p.CampaignID, ApprovalID: e.ApprovalID, Kind: e.Kind,
			Actor: e.Actor, Channel: e.Channel, Detail: e.Detail, At: e.At,
		})
	}
	return out
}
