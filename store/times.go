package store

import "time"

// utc is the one form in which times enter the database: UTC, so that SQLite's
// text representation sorts chronologically, and microsecond precision, which
// is all PostgreSQL keeps, so that a value read back equals the value written.
func utc(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// utcOr returns utc(t), or now when t is zero: callers may leave a timestamp
// for the store to fill.
func utcOr(t time.Time, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return utc(t)
}

// The normalize functions bring rows read from the database into the form
// written: drivers hand back times in the local zone or a fixed zone.

func normalizeCampaign(c *Campaign) {
	c.CreatedAt = utc(c.CreatedAt)
	c.UpdatedAt = utc(c.UpdatedAt)
	c.FinishedAt = utcPtr(c.FinishedAt)
}

func normalizeStepRun(r *StepRun) {
	r.StartedAt = utcPtr(r.StartedAt)
	r.FinishedAt = utcPtr(r.FinishedAt)
}

func normalizeApproval(a *Approval) {
	a.RequestedAt = utc(a.RequestedAt)
	a.DueAt = utc(a.DueAt)
	a.DecidedAt = utcPtr(a.DecidedAt)
}

func normalizeAuditEvent(e *AuditEvent) {
	e.At = utc(e.At)
}

func normalizePlaybook(p *Playbook) {
	p.CreatedAt = utc(p.CreatedAt)
}

func normalizePlatformAction(a *PlatformAction) {
	a.CreatedAt = utc(a.CreatedAt)
}

func normalizeDelivery(d *Delivery) {
	d.CreatedAt = utc(d.CreatedAt)
	d.UpdatedAt = utc(d.UpdatedAt)
	d.SentAt = utcPtr(d.SentAt)
}
