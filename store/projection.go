package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CampaignPatch changes a campaign's summary; nil and "" leave a field as is.
type CampaignPatch struct {
	Status      string
	CurrentStep *string
	Error       *string
	FinishedAt  *time.Time
}

// Projection is a batch of writes that a workflow hands to an activity. It is
// applied in one transaction, at most once: Seq, strictly increasing per
// campaign, tells a retry or a reordered stale batch from a new one.
type Projection struct {
	CampaignID string
	Seq        int64
	At         time.Time // becomes the campaign's UpdatedAt; zero means now
	Campaign   *CampaignPatch
	Steps      []StepRun      // upserted by (CampaignID, Key), every column overwritten
	Approvals  []Approval     // upserted by ID, every column overwritten
	Votes      []ApprovalVote // upserted by (ApprovalID, Voter), every column overwritten
	Audit      []AuditEvent   // inserted; an existing DedupKey is kept as is
	Notices    []Notice       // inserted; an existing Key is kept as is
}

// ApplyProjection applies p unless the campaign has already seen p.Seq or a
// later one, in which case it changes nothing and returns nil: activity retries
// are expected and must succeed. The guard is a conditional UPDATE of the
// campaign row, which also serialises concurrent projections of one campaign.
// Child rows with an empty CampaignID (and approvals and audit events with an
// empty ClientID) are filled from the campaign; p's slices are not modified.
func (s *Store) ApplyProjection(ctx context.Context, p Projection) error {
	if p.CampaignID == "" || p.Seq < 1 {
		return fmt.Errorf("store: unable to apply projection: %w: campaign id and a positive seq are required", ErrInvalid)
	}
	steps, approvals, audit, err := prepareProjection(p)
	if err != nil {
		return fmt.Errorf("store: unable to apply projection %d to campaign %q: %w", p.Seq, p.CampaignID, err)
	}
	now := utc(time.Now())
	for i := range audit {
		audit[i].At = utcOr(audit[i].At, now)
	}

	updates := map[string]any{
		"projection_seq": p.Seq,
		"updated_at":     utcOr(p.At, now),
	}
	if c := p.Campaign; c != nil {
		// Through the model, so the patch's text is stored as a row's would be.
		text := Campaign{Status: c.Status}
		if c.CurrentStep != nil {
			text.CurrentStep = *c.CurrentStep
		}
		if c.Error != nil {
			text.Error = *c.Error
		}
		makeStorable(&text)
		if c.Status != "" {
			updates["status"] = text.Status
		}
		if c.CurrentStep != nil {
			updates["current_step"] = text.CurrentStep
		}
		if c.Error != nil {
			updates["error"] = text.Error
		}
		if c.FinishedAt != nil {
			updates["finished_at"] = utc(*c.FinishedAt)
		}
	}

	err = s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Campaign{}).
			Where("id = ? AND projection_seq < ?", p.CampaignID, p.Seq).
			Updates(updates)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&Campaign{}).Where("id = ?", p.CampaignID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
			return nil // already applied, or stale
		}

		if slices.ContainsFunc(approvals, func(a Approval) bool { return a.ClientID == "" }) ||
			slices.ContainsFunc(audit, func(e AuditEvent) bool { return e.ClientID == "" }) {
			var clientID string
			if err := tx.Model(&Campaign{}).Where("id = ?", p.CampaignID).Select("client_id").Scan(&clientID).Error; err != nil {
				return err
			}
			for i := range approvals {
				if approvals[i].ClientID == "" {
					approvals[i].ClientID = clientID
				}
			}
			for i := range audit {
				if audit[i].ClientID == "" {
					audit[i].ClientID = clientID
				}
			}
		}
		if len(steps) > 0 {
			upsert, err := overwriteOnConflict(tx, &StepRun{}, "campaign_id", "key")
			if err != nil {
				return err
			}
			if err := tx.Clauses(upsert).Create(&steps).Error; err != nil {
				return fmt.Errorf("upsert step runs: %w", err)
			}
		}
		for i := range approvals {
			approvals[i].Posts = previewPosts(approvals[i].Preview)
		}
		if len(approvals) > 0 {
			upsert, err := overwriteOnConflict(tx, &Approval{}, "id")
			if err != nil {
				return err
			}
			if err := tx.Clauses(upsert).Create(&approvals).Error; err != nil {
				return fmt.Errorf("upsert approvals: %w", err)
			}
		}
		if votes := dedupVotes(p.Votes); len(votes) > 0 {
			upsert, err := overwriteOnConflict(tx, &ApprovalVote{}, "approval_id", "voter")
			if err != nil {
				return err
			}
			if err := tx.Clauses(upsert).Create(&votes).Error; err != nil {
				return fmt.Errorf("upsert approval votes: %w", err)
			}
		}
		if len(audit) > 0 {
			if err := insertAudit(tx, audit); err != nil {
				return fmt.Errorf("insert audit events: %w", err)
			}
		}
		if notices := prepareNotices(p, approvals, now); len(notices) > 0 {
			if err := insertNotices(tx, notices); err != nil {
				return fmt.Errorf("insert notices: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: unable to apply projection %d to campaign %q: %w", p.Seq, p.CampaignID, err)
	}
	return nil
}

// prepareProjection copies p's rows, fills their campaign, normalises their
// times, makes their text storable (text.go) and collapses duplicates: PostgreSQL refuses an upsert statement that
// touches one row twice, and the workflow may well report a step started and
// finished in one batch. The last step or approval wins; the first audit
// event wins, as it would against an existing row.
func prepareProjection(p Projection) ([]StepRun, []Approval, []AuditEvent, error) {
	steps := make([]StepRun, 0, len(p.Steps))
	stepAt := map[string]int{}
	for _, r := range p.Steps {
		if r.CampaignID == "" {
			r.CampaignID = p.CampaignID
		}
		if r.CampaignID != p.CampaignID || r.Key == "" {
			return nil, nil, nil, fmt.Errorf("%w: step run %q must belong to the projected campaign and have a key", ErrInvalid, r.Key)
		}
		r.StartedAt = utcPtr(r.StartedAt)
		r.FinishedAt = utcPtr(r.FinishedAt)
		makeStorable(&r)
		if i, ok := stepAt[r.Key]; ok {
			steps[i] = r
			continue
		}
		stepAt[r.Key] = len(steps)
		steps = append(steps, r)
	}

	approvals := make([]Approval, 0, len(p.Approvals))
	approvalAt := map[string]int{}
	for _, a := range p.Approvals {
		if a.CampaignID == "" {
			a.CampaignID = p.CampaignID
		}
		if a.CampaignID != p.CampaignID || a.ID == "" {
			return nil, nil, nil, fmt.Errorf("%w: approval %q must belong to the projected campaign and have an id", ErrInvalid, a.ID)
		}
		normalizeApproval(&a)
		makeStorable(&a)
		if i, ok := approvalAt[a.ID]; ok {
			approvals[i] = a
			continue
		}
		approvalAt[a.ID] = len(approvals)
		approvals = append(approvals, a)
	}

	audit := make([]AuditEvent, 0, len(p.Audit))
	seen := map[string]bool{}
	for _, e := range p.Audit {
		if e.CampaignID == "" {
			e.CampaignID = p.CampaignID
		}
		if e.CampaignID != p.CampaignID {
			return nil, nil, nil, fmt.Errorf("%w: audit event %q must belong to the projected campaign", ErrInvalid, e.DedupKey)
		}
		if err := validateAudit(e); err != nil {
			return nil, nil, nil, err
		}
		makeStorable(&e)
		if seen[e.DedupKey] {
			continue
		}
		seen[e.DedupKey] = true
		e.ID = 0
		audit = append(audit, e)
	}
	return steps, approvals, audit, nil
}

// overwriteOnConflict is an upsert that overwrites every non-key column of
// model with the incoming row. The column list comes from the model so that a
// column added later is overwritten too.
func overwriteOnConflict(db *gorm.DB, model any, keys ...string) (clause.OnConflict, error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(model); err != nil {
		return clause.OnConflict{}, err
	}
	conflict := make([]clause.Column, 0, len(keys))
	for _, k := range keys {
		conflict = append(conflict, clause.Column{Name: k})
	}
	var update []string
	for _, name := range stmt.Schema.DBNames {
		if !slices.Contains(keys, name) {
			update = append(update, name)
		}
	}
	return clause.OnConflict{Columns: conflict, DoUpdates: clause.AssignmentColumns(update)}, nil
}

// dedupVotes copies votes with UTC times and storable text, the last vote of a voter winning (one
// upsert statement may not touch a row twice).
func dedupVotes(votes []ApprovalVote) []ApprovalVote {
	out := make([]ApprovalVote, 0, len(votes))
	at := map[string]int{}
	for _, v := range votes {
		v.At = utc(v.At)
		makeStorable(&v)
		k := v.ApprovalID + "\x00" + v.Voter
		if i, ok := at[k]; ok {
			out[i] = v
			continue
		}
		at[k] = len(out)
		out = append(out, v)
	}
	return out
}
