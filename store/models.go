package store

import (
	"time"

	"github.com/greenlight/greenlight/api"
)

// The models are the query side of Greenlight: Temporal holds the execution, these
// rows hold what people ask about. Every row is written idempotently by activities
// (or by the API before a workflow exists), so a retried write never duplicates.

// Client is an agency's customer; campaigns and approvals are scoped to one.
type Client struct {
	ID        string    `gorm:"primaryKey;size:64"`
	Name      string    `gorm:"size:200;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// Playbook is one immutable version of a playbook definition.
type Playbook struct {
	Name        string    `gorm:"primaryKey;size:100"`
	Version     int       `gorm:"primaryKey;autoIncrement:false"`
	Description string    `gorm:"type:text;not null;default:''"`
	Source      string    `gorm:"type:text;not null"` // the YAML as registered
	Digest      string    `gorm:"size:64;not null"`   // sha256 of Source, hex
	Builtin     bool      `gorm:"not null;default:false"`
	CreatedAt   time.Time `gorm:"not null"`
	// Client owns the playbook's name ('' = shared by every client); it lives in
	// playbook_owners, one row per name, and is filled in on reads.
	Client string `gorm:"->;-:migration;column:client"`
}

// PlaybookOwner says who owns a playbook name: one client, or ” for a shared
// playbook. A name has one owner, so no client's launch can pick up a version
// that someone outside its scope registered under the same name.
type PlaybookOwner struct {
	Name      string    `gorm:"primaryKey;size:100"`
	ClientID  string    `gorm:"size:64;not null;default:''"`
	CreatedAt time.Time `gorm:"not null"`
}

// Campaign is one run of a playbook for one client.
type Campaign struct {
	ID              string `gorm:"primaryKey;size:64"`
	WorkflowID      string `gorm:"size:128;not null;uniqueIndex"`
	ClientID        string `gorm:"size:64;not null;index"`
	Playbook        string `gorm:"size:100;not null;index"`
	PlaybookVersion int    `gorm:"not null"`
	Params          string `gorm:"type:text;not null;default:'{}'"` // JSON object
	Status          string `gorm:"size:32;not null;index"`
	// Team is the launching token's team: the team whose accounts it acts on.
	Team           string     `gorm:"size:64;not null;default:''"`
	CurrentStep    string     `gorm:"size:200;not null;default:''"`
	Error          string     `gorm:"type:text;not null;default:''"`
	IdempotencyKey *string    `gorm:"size:200;uniqueIndex"`        // NULL when the caller sent none
	RequestDigest  string     `gorm:"size:64;not null;default:''"` // sha256 of the launch request, to refuse a reused key with another body
	ProjectionSeq  int64      `gorm:"not null;default:0"`          // last projection applied; older ones are stale
	CreatedAt      time.Time  `gorm:"not null;index"`
	UpdatedAt      time.Time  `gorm:"not null"`
	FinishedAt     *time.Time ``
}

// StepRun is one execution of one step. Key is the step's instance path, unique in
// its campaign (e.g. "publish" or, inside a repeat, "weekly#3/publish").
type StepRun struct {
	CampaignID string     `gorm:"primaryKey;size:64"`
	Key        string     `gorm:"primaryKey;size:200"`
	StepID     string     `gorm:"size:100;not null"`
	Kind       string     `gorm:"size:32;not null"`
	Name       string     `gorm:"size:200;not null;default:''"`
	Status     string     `gorm:"size:32;not null"`
	Seq        int        `gorm:"not null"` // order in which the workflow reached the step
	StartedAt  *time.Time ``
	FinishedAt *time.Time ``
	Output     string     `gorm:"type:text;not null;default:''"` // JSON, "" when none
	Error      string     `gorm:"type:text;not null;default:''"`
}

// Approval is one human decision a campaign waits for.
type Approval struct {
	ID         string `gorm:"primaryKey;size:200"`
	CampaignID string `gorm:"size:64;not null;index"`
	ClientID   string `gorm:"size:64;not null;index"`
	StepKey    string `gorm:"size:200;not null"`
	Title      string `gorm:"size:300;not null;default:''"`
	Preview    string `gorm:"type:text;not null;default:''"` // JSON
	// Posts is how many posts the preview holds, kept beside it at every
	// write so the "let go" report counts them without parsing previews.
	Posts       int        `gorm:"not null;default:0"`
	Status      string     `gorm:"size:32;not null;index"`
	OnTimeout   string     `gorm:"size:32;not null"`
	RequestedAt time.Time  `gorm:"not null;index"`
	DueAt       time.Time  `gorm:"not null;index"`
	DecidedAt   *time.Time ``
	Decision    string     `gorm:"size:32;not null;default:''"` // approve | reject
	DecidedBy   string     `gorm:"size:200;not null;default:''"`
	Comment     string     `gorm:"type:text;not null;default:''"`
	Channel     string     `gorm:"size:32;not null;default:''"`   // api, cli, signal, link, policy
	Policy      string     `gorm:"size:32;not null;default:''"`   // the on_timeout policy that fired, if any
	Quorum      int        `gorm:"not null"`                      // approvals needed; rows from before quorums hold 0, read as 1
	Approvers   string     `gorm:"type:text;not null;default:''"` // JSON list of {id, role} who may decide now
	RequestedBy string     `gorm:"size:200;not null;default:''"`  // who asked; may not approve
	Tier        int        `gorm:"not null;default:0"`            // escalation tier, 0 first
	Edits       string     `gorm:"type:text;not null;default:''"` // JSON content an approver edited
}

// ApprovalVote is one person's decision on an approval; with a quorum several
// are needed. Keyed by approver, so a repeated vote overwrites, never adds.
type ApprovalVote struct {
	ApprovalID string    `gorm:"primaryKey;size:200"`
	Voter      string    `gorm:"primaryKey;size:200"`
	Role       string    `gorm:"size:100;not null;default:''"`
	Decision   string    `gorm:"size:32;not null"`
	Comment    string    `gorm:"type:text;not null;default:''"`
	Channel    string    `gorm:"size:32;not null;default:''"`
	Edits      string    `gorm:"type:text;not null;default:''"`
	At         time.Time `gorm:"not null"`
}

// DecisionToken records a signed one-click link once it has been used: links are
// single-use, and the token's id is its primary key.
type DecisionToken struct {
	ID         string    `gorm:"primaryKey;size:64"`
	ApprovalID string    `gorm:"size:200;not null;index"`
	Approver   string    `gorm:"size:200;not null"`
	Decision   string    `gorm:"size:32;not null"`
	ExpiresAt  time.Time `gorm:"not null"`
	UsedAt     time.Time `gorm:"not null"`
}

// AuditEvent is an append-only record of who did what, when and through which channel.
// DedupKey makes writes from retried activities land once.
type AuditEvent struct {
	ID       int64  `gorm:"primaryKey;autoIncrement"`
	DedupKey string `gorm:"size:300;not null;uniqueIndex"`
	// CampaignID is "" for an event of no campaign (a token, a person, a
	// playbook registration).
	CampaignID string `gorm:"size:64;not null;index"`
	// ClientID scopes the event: a campaign's events have its client (the
	// store fills it in); "" is an event of no single client, which only
	// callers of every client see.
	ClientID   string    `gorm:"size:64;not null;default:'';index"`
	ApprovalID string    `gorm:"size:200;not null;default:''"`
	Kind       string    `gorm:"size:64;not null"`
	Actor      string    `gorm:"size:200;not null;default:''"`
	Channel    string    `gorm:"size:32;not null;default:''"`
	RequestID  string    `gorm:"size:64;not null;default:''"`   // the API request that caused it, "" for none
	Detail     string    `gorm:"type:text;not null;default:''"` // JSON
	At         time.Time `gorm:"not null;index"`
}

// PlatformAction is the durable record of one action a connector performed, keyed by
// its idempotency key: a connector looks here first, so a retried activity returns
// the recorded result instead of acting twice.
type PlatformAction struct {
	IdempotencyKey string    `gorm:"primaryKey;size:300"`
	Platform       string    `gorm:"size:64;not null"`
	ClientID       string    `gorm:"size:64;not null;index"`
	CampaignID     string    `gorm:"size:64;not null;index"`
	Action         string    `gorm:"size:64;not null"`
	Target         string    `gorm:"size:200;not null;default:''"`
	Input          string    `gorm:"type:text;not null;default:''"`
	Output         string    `gorm:"type:text;not null;default:''"`
	CreatedAt      time.Time `gorm:"not null"`
}

// APIToken is a bearer credential for the API. The secret itself is shown once
// at creation; only its sha256 is stored, so the table is safe to back up.
type APIToken struct {
	ID      string `gorm:"primaryKey;size:64"`
	Name    string `gorm:"size:200;not null"` // who acts: recorded as the decider and the requester
	Hash    string `gorm:"size:64;not null;uniqueIndex"`
	Role    string `gorm:"size:32;not null"`
	Clients string `gorm:"type:text;not null;default:'[]'"` // JSON list; empty = every client
	// ApprovalRoles are the approver roles (e.g. "agency-lead") its holder decides
	// in, JSON; a decision's role comes from here, never from the request.
	ApprovalRoles string     `gorm:"type:text;not null;default:'[]'"`
	CreatedAt     time.Time  `gorm:"not null"`
	RevokedAt     *time.Time ``
	LastUsedAt    *time.Time ``
	// PersonID, when set, is the person of the directory the token belongs to:
	// its holder acts as that person, in that person's approver roles.
	PersonID *string `gorm:"size:64;index"`
	// Team is the team whose accounts the holder's campaigns may act on; ""
	// for none. A person's token keeps its person's team (see UpdatePerson).
	Team string `gorm:"size:64;not null;default:''"`
}

// Person is someone of the directory: the people approvals are delivered to
// and decisions are recorded as. The lists are JSON in their columns.
type Person struct {
	ID      string   `gorm:"primaryKey;size:64"`
	Name    string   `gorm:"size:200;not null"`
	Clients []string `gorm:"serializer:json;type:text;not null"` // never empty
	Roles   []string `gorm:"serializer:json;type:text;not null"` // approver roles, for approvals of Clients
	// Channels are the ways to reach the person, in the order to try them.
	Channels []api.PersonChannel `gorm:"serializer:json;type:text;not null"`
	TimeZone string              `gorm:"size:64;not null;default:'UTC'"` // IANA name
	// Team is the team whose accounts the person's campaigns may act on; ""
	// for none. The person's tokens carry it too.
	Team      string    `gorm:"size:64;not null;default:''"`
	CreatedAt time.Time `gorm:"not null"`
	// Set by the store, not by GORM, so a write returns the time it stored.
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

// TableName keeps the table's name independent of GORM's pluralisation.
func (Person) TableName() string { return "people" }

// Delivery is one message about one approval event to one person (or one
// webhook endpoint) through one channel. Its key is the delivery's idempotency
// key: a retried or resumed attempt finds the row, and one already sent is
// never sent again.
type Delivery struct {
	Key        string     `gorm:"primaryKey;size:500"`
	ApprovalID string     `gorm:"size:200;not null;index"`
	CampaignID string     `gorm:"size:64;not null"`
	ClientID   string     `gorm:"size:64;not null"`
	Kind       string     `gorm:"size:32;not null"` // requested, reminded, escalated, decided, expired
	Seq        int        `gorm:"not null;default:0"`
	PersonID   string     `gorm:"size:200;not null;default:''"` // "" for a webhook subscription
	Channel    string     `gorm:"size:32;not null"`             // email, slack, webhook
	Address    string     `gorm:"size:500;not null;default:''"` // the address, Slack id or URL it went to
	Status     string     `gorm:"size:16;not null"`
	Attempts   int        `gorm:"not null;default:0"`
	Ref        string     `gorm:"size:500;not null;default:''"` // Message-ID, Slack "channel/ts", webhook id
	Error      string     `gorm:"type:text;not null;default:''"`
	CreatedAt  time.Time  `gorm:"not null"`
	UpdatedAt  time.Time  `gorm:"not null"`
	SentAt     *time.Time `gorm:""`
}

// Notice is an approval event people must be told about (requested,
// reminded, escalated, decided, expired). It is written in the transaction of
// the projection that records the event, so an event is never recorded without
// its notice, and the worker's dispatcher starts one notice workflow per row
// (a transactional outbox): a crash between the two loses nothing.
type Notice struct {
	ID         int64      `gorm:"primaryKey;autoIncrement"`
	Key        string     `gorm:"size:300;not null;uniqueIndex"` // the audit event's dedup key
	Kind       string     `gorm:"size:32;not null"`
	ApprovalID string     `gorm:"size:200;not null"`
	CampaignID string     `gorm:"size:64;not null"`
	ClientID   string     `gorm:"size:64;not null;default:''"`
	Seq        int        `gorm:"not null;default:0"`           // which reminder; 0 otherwise
	To         string     `gorm:"size:200;not null;default:''"` // an escalation's role
	CreatedAt  time.Time  `gorm:"not null"`
	StartedAt  *time.Time `gorm:"index"`
}
