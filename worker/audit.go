package worker

import (
	"context"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/store"
)

// StoreAudit writes the audit events activities find themselves (a
// guardrail's block) to st; see activities.AuditWriter.
func StoreAudit(st *store.Store) activities.AuditWriter { return storeAudit{st: st} }

type storeAudit struct{ st *store.Store }

func (s storeAudit) AppendAudit(ctx context.Context, campaignID string, e activities.AuditRow) error {
	return s.st.AppendAudit(ctx, auditEvent(campaignID, e))
}

// auditEvent is the row of one audit event of campaignID, whether it came in
// a projection or from an activity.
func auditEvent(campaignID string, e activities.AuditRow) store.AuditEvent {
	return store.AuditEvent{
		DedupKey: e.DedupKey, CampaignID: campaignID, ApprovalID: e.ApprovalID, Kind: e.Kind,
		Actor: e.Actor, Channel: e.Channel, RequestID: e.RequestID, Detail: e.Detail, At: e.At,
	}
}
