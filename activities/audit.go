package activities

import (
	"context"
	"encoding/json"
	"time"

	"github.com/greenlight/greenlight/api"
)

// AuditWriter records an audit event an activity finds itself, where the
// workflow cannot project it: a guardrail refusing a platform action inside
// RunAction (api.AuditGuardrailBlocked). The store implements it through
// worker.StoreAudit. The row's DedupKey makes a retried attempt record once;
// its client is the campaign's, filled in by the store.
type AuditWriter interface {
	AppendAudit(ctx context.Context, campaignID string, e AuditRow) error
}

// BlockedRow is the audit event of the platform action req that guardrail
// refused, and why: one per action key, so every attempt of the activity
// records the same event once.
func BlockedRow(req ActionRequest, guardrail, reason string, at time.Time) AuditRow {
	detail, _ := json.Marshal(map[string]any{
		"action": req.Action, "connector": req.Connector, "guardrail": guardrail, "reason": reason, "key": req.Key,
	})
	return AuditRow{
		DedupKey: req.Key + "/guardrail-blocked", Kind: api.AuditGuardrailBlocked,
		Actor: "guardrail:" + guardrail, Channel: api.ChannelSystem, Detail: string(detail), At: at,
	}
}
