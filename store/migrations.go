package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned schema change. Up runs inside the transaction that
// also records the version, so a migration is applied entirely or not at all.
// Migrations are written as explicit SQL, never AutoMigrate: an applied
// migration must mean the same thing forever, whatever the Go structs become.
type migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB, dialect string) error
}

// migrations is append-only and ordered by Version; a released entry is never
// edited, a change is a new entry.
var migrations = []migration{
	{Version: 1, Name: "initial schema", Up: migrateInitialSchema},
	{Version: 2, Name: "approval rules, votes and link tokens", Up: migrateApprovalRules},
	{Version: 3, Name: "api tokens", Up: migrateAPITokens},
	{Version: 4, Name: "approval roles on tokens, playbook owners", Up: migrateOwnership},
	{Version: 5, Name: "people, and tokens that belong to a person", Up: migratePeople},
	{Version: 6, Name: "notices and deliveries", Up: migrateDeliveries},
	{Version: 7, Name: "audit events for everything, with request ids", Up: migrateAuditScope},
	{Version: 8, Name: "client accounts", Up: migrateAccounts},
	{Version: 9, Name: "teams of tokens and people", Up: migrateTeams},
	{Version: 10, Name: "campaign teams, account endpoints and holds", Up: migrateHolds},
	{Version: 11, Name: "the deployment's name", Up: migrateDeployment},
	{Version: 12, Name: "approvals count their previews' posts", Up: migratePreviewPosts},
}

// migrationLockClass namespaces Greenlight's advisory lock (the ASCII of "GLmg")
// from other users of pg_advisory_xact_lock in the same database.
const migrationLockClass = 0x474c6d67

// Migrate applies pending migrations in order. Each runs in its own transaction
// that first takes a lock and re-reads schema_migrations, so two processes
// migrating at once apply each version exactly once: on PostgreSQL through an
// advisory lock keyed by the current schema, on SQLite through the write lock
// that BEGIN IMMEDIATE takes.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.ApplyMigrations(ctx)
	return err
}

// Migrated is what ApplyMigrations did.
type Migrated struct {
	Applied int // migrations this call applied; 0 when the schema was up to date
	Version int // the schema's version after it
}

// ApplyMigrations is Migrate, saying how many migrations it applied and the
// version the schema is at, for `greenlight migrate` to report.
func (s *Store) ApplyMigrations(ctx context.Context) (Migrated, error) {
	var done Migrated
	for _, m := range migrations {
		applied, err := s.applyMigration(ctx, m)
		if err != nil {
			return done, fmt.Errorf("store: unable to apply migration %d (%s): %w", m.Version, m.Name, err)
		}
		if applied {
			done.Applied++
		}
	}
	// A newer release may have applied more than this one knows of.
	var version *int
	if err := s.conn(ctx).Raw("SELECT MAX(version) FROM schema_migrations").Scan(&version).Error; err != nil {
		return done, fmt.Errorf("store: unable to read the schema version: %w", err)
	}
	if version != nil {
		done.Version = *version
	}
	return done, nil
}

// applyMigration applies m unless it already was, and says whether it did.
func (s *Store) applyMigration(ctx context.Context, m migration) (bool, error) {
	applied := false
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := advisoryLock(tx, s.dialect, migrationLockClass); err != nil {
			return err
		}
		if err := tx.Exec(ddl(s.dialect, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	applied_at {ts} NOT NULL
)`)).Error; err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var done int64
		if err := tx.Table("schema_migrations").Where("version = ?", m.Version).Count(&done).Error; err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		if done > 0 {
			return nil
		}
		if err := m.Up(tx, s.dialect); err != nil {
			return err
		}
		if err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, utc(time.Now())).Error; err != nil {
			return err
		}
		applied = true
		return nil
	})
	return applied && err == nil, err
}

// advisoryLock takes, on PostgreSQL, the transaction's advisory lock of class,
// which serialises the transactions that take it. It is keyed by schema so that
// isolated schemas (tests, tenants) do not serialise each other. SQLite needs
// none: every write transaction takes its one write lock at BEGIN.
func advisoryLock(tx *gorm.DB, dialect string, class int) error {
	if dialect != DialectPostgres {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(?, hashtext(coalesce(current_schema(), '')))", class).Error; err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	return nil
}

// ddl fills the dialect-specific types of a portable statement: {ts} is a
// timestamp with time zone, {serial} an auto-incrementing 64-bit primary key.
// SQLite's DATETIME is what the driver recognises to convert text to time.
// The mapping is part of what every applied migration means: extend it, never
// change it.
func ddl(dialect, stmt string) string {
	var r *strings.Replacer
	if dialect == DialectPostgres {
		r = strings.NewReplacer("{ts}", "TIMESTAMP WITH TIME ZONE", "{serial}", "BIGSERIAL PRIMARY KEY")
	} else {
		r = strings.NewReplacer("{ts}", "DATETIME", "{serial}", "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT")
	}
	return r.Replace(stmt)
}

func execAll(tx *gorm.DB, dialect string, stmts []string) error {
	for _, stmt := range stmts {
		if err := tx.Exec(ddl(dialect, stmt)).Error; err != nil {
			first, _, _ := strings.Cut(strings.TrimSpace(stmt), "\n")
			return fmt.Errorf("%s: %w", first, err)
		}
	}
	return nil
}

// migrateInitialSchema creates the tables of models.go as of the first
// release. Index names follow GORM's naming (idx_<table>_<column>) so that the
// Migrator can find the indexes the models declare. Foreign keys tie step runs
// and approvals to their campaign; audit events and platform actions have
// none, because they record what happened and must be writable even for
// something the projection has not caught up with.
func migrateInitialSchema(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`CREATE TABLE clients (
	id VARCHAR(64) NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	created_at {ts} NOT NULL
)`,
		`CREATE TABLE playbooks (
	name VARCHAR(100) NOT NULL,
	version INTEGER NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL,
	digest VARCHAR(64) NOT NULL,
	builtin BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {ts} NOT NULL,
	PRIMARY KEY (name, version)
)`,
		`CREATE TABLE campaigns (
	id VARCHAR(64) NOT NULL PRIMARY KEY,
	workflow_id VARCHAR(128) NOT NULL,
	client_id VARCHAR(64) NOT NULL REFERENCES clients (id),
	playbook VARCHAR(100) NOT NULL,
	playbook_version INTEGER NOT NULL,
	params TEXT NOT NULL DEFAULT '{}',
	status VARCHAR(32) NOT NULL,
	current_step VARCHAR(200) NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	idempotency_key VARCHAR(200),
	request_digest VARCHAR(64) NOT NULL DEFAULT '',
	projection_seq BIGINT NOT NULL DEFAULT 0,
	created_at {ts} NOT NULL,
	updated_at {ts} NOT NULL,
	finished_at {ts}
)`,
		`CREATE UNIQUE INDEX idx_campaigns_workflow_id ON campaigns (workflow_id)`,
		`CREATE UNIQUE INDEX idx_campaigns_idempotency_key ON campaigns (idempotency_key)`,
		`CREATE INDEX idx_campaigns_client_id ON campaigns (client_id)`,
		`CREATE INDEX idx_campaigns_playbook ON campaigns (playbook)`,
		`CREATE INDEX idx_campaigns_status ON campaigns (status)`,
		`CREATE INDEX idx_campaigns_created_at ON campaigns (created_at)`,
		`CREATE TABLE step_runs (
	campaign_id VARCHAR(64) NOT NULL REFERENCES campaigns (id),
	"key" VARCHAR(200) NOT NULL,
	step_id VARCHAR(100) NOT NULL,
	kind VARCHAR(32) NOT NULL,
	name VARCHAR(200) NOT NULL DEFAULT '',
	status VARCHAR(32) NOT NULL,
	seq INTEGER NOT NULL,
	started_at {ts},
	finished_at {ts},
	output TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (campaign_id, "key")
)`,
		`CREATE TABLE approvals (
	id VARCHAR(200) NOT NULL PRIMARY KEY,
	campaign_id VARCHAR(64) NOT NULL REFERENCES campaigns (id),
	client_id VARCHAR(64) NOT NULL,
	step_key VARCHAR(200) NOT NULL,
	title VARCHAR(300) NOT NULL DEFAULT '',
	preview TEXT NOT NULL DEFAULT '',
	status VARCHAR(32) NOT NULL,
	on_timeout VARCHAR(32) NOT NULL,
	requested_at {ts} NOT NULL,
	due_at {ts} NOT NULL,
	decided_at {ts},
	decision VARCHAR(32) NOT NULL DEFAULT '',
	decided_by VARCHAR(200) NOT NULL DEFAULT '',
	comment TEXT NOT NULL DEFAULT '',
	channel VARCHAR(32) NOT NULL DEFAULT '',
	policy VARCHAR(32) NOT NULL DEFAULT ''
)`,
		`CREATE INDEX idx_approvals_campaign_id ON approvals (campaign_id)`,
		`CREATE INDEX idx_approvals_client_id ON approvals (client_id)`,
		`CREATE INDEX idx_approvals_status ON approvals (status)`,
		`CREATE INDEX idx_approvals_due_at ON approvals (due_at)`,
		`CREATE TABLE audit_events (
	id {serial},
	dedup_key VARCHAR(300) NOT NULL,
	campaign_id VARCHAR(64) NOT NULL,
	approval_id VARCHAR(200) NOT NULL DEFAULT '',
	kind VARCHAR(64) NOT NULL,
	actor VARCHAR(200) NOT NULL DEFAULT '',
	channel VARCHAR(32) NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	at {ts} NOT NULL
)`,
		`CREATE UNIQUE INDEX idx_audit_events_dedup_key ON audit_events (dedup_key)`,
		`CREATE INDEX idx_audit_events_campaign_id ON audit_events (campaign_id)`,
		`CREATE INDEX idx_audit_events_at ON audit_events (at)`,
		`CREATE TABLE platform_actions (
	idempotency_key VARCHAR(300) NOT NULL PRIMARY KEY,
	platform VARCHAR(64) NOT NULL,
	client_id VARCHAR(64) NOT NULL,
	campaign_id VARCHAR(64) NOT NULL,
	action VARCHAR(64) NOT NULL,
	target VARCHAR(200) NOT NULL DEFAULT '',
	input TEXT NOT NULL DEFAULT '',
	output TEXT NOT NULL DEFAULT '',
	created_at {ts} NOT NULL
)`,
		`CREATE INDEX idx_platform_actions_client_id ON platform_actions (client_id)`,
		`CREATE INDEX idx_platform_actions_campaign_id ON platform_actions (campaign_id)`,
	})
}

// migrateApprovalRules adds who may decide an approval and how many must, each
// person's vote, and the record of used one-click links.
func migrateApprovalRules(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`ALTER TABLE approvals ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1`,
		`ALTER TABLE approvals ADD COLUMN approvers TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE approvals ADD COLUMN requested_by VARCHAR(200) NOT NULL DEFAULT ''`,
		`ALTER TABLE approvals ADD COLUMN tier INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE approvals ADD COLUMN edits TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE approval_votes (
	approval_id VARCHAR(200) NOT NULL,
	voter VARCHAR(200) NOT NULL,
	role VARCHAR(100) NOT NULL DEFAULT '',
	decision VARCHAR(32) NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	channel VARCHAR(32) NOT NULL DEFAULT '',
	edits TEXT NOT NULL DEFAULT '',
	at {ts} NOT NULL,
	PRIMARY KEY (approval_id, voter)
)`,
		`CREATE TABLE decision_tokens (
	id VARCHAR(64) NOT NULL PRIMARY KEY,
	approval_id VARCHAR(200) NOT NULL,
	approver VARCHAR(200) NOT NULL,
	decision VARCHAR(32) NOT NULL,
	expires_at {ts} NOT NULL,
	used_at {ts} NOT NULL
)`,
		`CREATE INDEX idx_decision_tokens_approval_id ON decision_tokens (approval_id)`,
		// The let-go report reads approvals by when they were requested.
		`CREATE INDEX idx_approvals_requested_at ON approvals (requested_at)`,
	})
}

// migrateAPITokens adds the API's bearer tokens. Only a hash of each secret is
// kept, so a copy of the database does not hand out working credentials.
func migrateAPITokens(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`CREATE TABLE api_tokens (
	id VARCHAR(64) NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	hash VARCHAR(64) NOT NULL,
	role VARCHAR(32) NOT NULL,
	clients TEXT NOT NULL DEFAULT '[]',
	created_at {ts} NOT NULL,
	revoked_at {ts},
	last_used_at {ts}
)`,
		`CREATE UNIQUE INDEX idx_api_tokens_hash ON api_tokens (hash)`,
	})
}

// migrateOwnership gives tokens the approval roles their holder decides in (a
// decision's role comes from its token, never from the request), and gives each
// playbook name one owner: a client, or ” for a shared playbook only admins
// change. Every name registered before this migration becomes shared, which is
// what launches already treated it as.
func migrateOwnership(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`ALTER TABLE api_tokens ADD COLUMN approval_roles TEXT NOT NULL DEFAULT '[]'`,
		`CREATE TABLE playbook_owners (
	name VARCHAR(100) NOT NULL PRIMARY KEY,
	client_id VARCHAR(64) NOT NULL DEFAULT '',
	created_at {ts} NOT NULL
)`,
		`INSERT INTO playbook_owners (name, client_id, created_at)
	SELECT name, '', MIN(created_at) FROM playbooks GROUP BY name`,
	})
}

// migratePeople adds the directory of people approvals reach and decisions are
// recorded as, and lets a token belong to one of them. Clients, roles and
// channels are JSON lists; a token's person_id stays NULL for every token made
// before, which keeps acting as its own name and approval roles.
func migratePeople(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`CREATE TABLE people (
	id VARCHAR(64) NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	clients TEXT NOT NULL,
	roles TEXT NOT NULL,
	channels TEXT NOT NULL,
	time_zone VARCHAR(64) NOT NULL DEFAULT 'UTC',
	created_at {ts} NOT NULL,
	updated_at {ts} NOT NULL
)`,
		`ALTER TABLE api_tokens ADD COLUMN person_id VARCHAR(64)`,
		`CREATE INDEX idx_api_tokens_person_id ON api_tokens (person_id)`,
	})
}

// migrateDeliveries adds the outbox of approval events people must be told
// about (notices), and the record of every message sent about an approval:
// the idempotency record of its delivery, and what GET
// /v1/approvals/{id}/deliveries shows.
func migrateDeliveries(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`CREATE TABLE deliveries (
	key VARCHAR(500) NOT NULL PRIMARY KEY,
	approval_id VARCHAR(200) NOT NULL,
	campaign_id VARCHAR(64) NOT NULL,
	client_id VARCHAR(64) NOT NULL,
	kind VARCHAR(32) NOT NULL,
	seq INTEGER NOT NULL DEFAULT 0,
	person_id VARCHAR(200) NOT NULL DEFAULT '',
	channel VARCHAR(32) NOT NULL,
	address VARCHAR(500) NOT NULL DEFAULT '',
	status VARCHAR(16) NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	ref VARCHAR(500) NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	created_at {ts} NOT NULL,
	updated_at {ts} NOT NULL,
	sent_at {ts}
)`,
		`CREATE INDEX idx_deliveries_approval_id ON deliveries (approval_id)`,
		`CREATE TABLE notices (
	id {serial},
	key VARCHAR(300) NOT NULL,
	kind VARCHAR(32) NOT NULL,
	approval_id VARCHAR(200) NOT NULL,
	campaign_id VARCHAR(64) NOT NULL,
	client_id VARCHAR(64) NOT NULL DEFAULT '',
	seq INTEGER NOT NULL DEFAULT 0,
	"to" VARCHAR(200) NOT NULL DEFAULT '',
	created_at {ts} NOT NULL,
	started_at {ts}
)`,
		`CREATE UNIQUE INDEX idx_notices_key ON notices (key)`,
		`CREATE INDEX idx_notices_started_at ON notices (started_at)`,
	})
}

// migrateAuditScope lets audit events record what happens outside campaigns
// (tokens, people, playbook registrations) and which API request caused each.
// An event's client scopes who may read it; the events already recorded are
// all a campaign's, and take its client. campaign_id stays NOT NULL: "" is an
// event of no campaign.
func migrateAuditScope(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`ALTER TABLE audit_events ADD COLUMN client_id VARCHAR(64) NOT NULL DEFAULT ''`,
		`ALTER TABLE audit_events ADD COLUMN request_id VARCHAR(64) NOT NULL DEFAULT ''`,
		`UPDATE audit_events SET client_id = COALESCE(
	(SELECT campaigns.client_id FROM campaigns WHERE campaigns.id = audit_events.campaign_id), '')
	WHERE campaign_id <> ''`,
		`CREATE INDEX idx_audit_events_client_id ON audit_events (client_id)`,
	})
}

// migrateAccounts adds the accounts a client acts through on each platform:
// which connector acts on each, the team that owns it, and the name (never
// the value) of its credential. A handle is stored normalised, so (client,
// platform, handle) is unique as the platform sees it.
func migrateAccounts(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`CREATE TABLE accounts (
	id VARCHAR(64) NOT NULL PRIMARY KEY,
	client_id VARCHAR(64) NOT NULL,
	platform VARCHAR(32) NOT NULL,
	handle VARCHAR(300) NOT NULL,
	connector VARCHAR(64) NOT NULL,
	team VARCHAR(64) NOT NULL DEFAULT '',
	credential VARCHAR(64) NOT NULL DEFAULT '',
	created_at {ts} NOT NULL,
	updated_at {ts} NOT NULL
)`,
		`CREATE UNIQUE INDEX idx_accounts_client_platform_handle ON accounts (client_id, platform, handle)`,
		`CREATE INDEX idx_accounts_team ON accounts (team)`,
	})
}

// migrateTeams gives tokens and people the team whose accounts their
// campaigns may act on. Everyone made before belongs to no team (empty).
func migrateTeams(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`ALTER TABLE api_tokens ADD COLUMN team VARCHAR(64) NOT NULL DEFAULT ''`,
		`ALTER TABLE people ADD COLUMN team VARCHAR(64) NOT NULL DEFAULT ''`,
	})
}

// migrateHolds gives campaigns the team that launched them, accounts the
// endpoint their connector reaches, and records which campaign holds which
// account (store/holds.go). A hold has no foreign key: DeleteCampaign removes
// it with the campaign, and whether it is active is read from the campaign.
func migrateHolds(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`ALTER TABLE campaigns ADD COLUMN team VARCHAR(64) NOT NULL DEFAULT ''`,
		`ALTER TABLE accounts ADD COLUMN endpoint VARCHAR(500) NOT NULL DEFAULT ''`,
		`CREATE TABLE account_holds (
	campaign_id VARCHAR(64) NOT NULL,
	account_id VARCHAR(64) NOT NULL,
	client_id VARCHAR(64) NOT NULL,
	team VARCHAR(64) NOT NULL DEFAULT '',
	granted BOOLEAN NOT NULL,
	await_step VARCHAR(100) NOT NULL DEFAULT '',
	created_at {ts} NOT NULL,
	PRIMARY KEY (campaign_id, account_id)
)`,
		`CREATE INDEX idx_account_holds_account ON account_holds (account_id)`,
	})
}

// migrateDeployment adds the store's name (store/deployment.go), written on
// first use rather than here, so a restored copy of a database can be
// renamed by deleting the row.
func migrateDeployment(tx *gorm.DB, dialect string) error {
	return execAll(tx, dialect, []string{
		`CREATE TABLE deployment (
	id VARCHAR(32) NOT NULL PRIMARY KEY,
	created_at {ts} NOT NULL,
	task_queue VARCHAR(200) NOT NULL DEFAULT ''
)`,
	})
}

// migratePreviewPosts adds approvals.posts and fills it from each preview
// (previewPosts, the count the report made by parsing every preview), in
// batches so a large table is never held in memory at once.
func migratePreviewPosts(tx *gorm.DB, dialect string) error {
	if err := execAll(tx, dialect, []string{
		`ALTER TABLE approvals ADD COLUMN posts INTEGER NOT NULL DEFAULT 0`,
	}); err != nil {
		return err
	}
	type row struct {
		ID      string
		Preview string
	}
	last := ""
	for {
		var rows []row
		if err := tx.Table("approvals").Select("id, preview").Where("id > ? AND preview <> ''", last).
			Order("id").Limit(500).Find(&rows).Error; err != nil {
			return fmt.Errorf("read previews: %w", err)
		}
		for _, r := range rows {
			if n := previewPosts(r.Preview); n > 0 {
				if err := tx.Table("approvals").Where("id = ?", r.ID).Update("posts", n).Error; err != nil {
					return fmt.Errorf("count posts of approval %s: %w", r.ID, err)
				}
			}
		}
		if len(rows) < 500 {
			return nil
		}
		last = rows[len(rows)-1].ID
	}
}
