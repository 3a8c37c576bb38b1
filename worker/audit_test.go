package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
)

// TestStoreAuditRecordsAGuardrailBlockOnce: the path a guardrail records its
// block by. Every attempt of the activity writes the same event, which lands
// once, scoped by its campaign's client.
func TestStoreAuditRecordsAGuardrailBlockOnce(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, st.CreateCampaign(ctx, &store.Campaign{ID: "c1", WorkflowID: "campaign-c1", ClientID: "acme",
			Playbook: "p", PlaybookVersion: 1, Status: api.StatusRunning}))
		req := activities.ActionRequest{Key: "c1/weekly#1/publish", Connector: "sandbox", Action: "publish_post", CampaignID: "c1", Client: "acme"}
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		w := worker.StoreAudit(st)
		for range 2 {
			require.NoError(t, w.AppendAudit(ctx, "c1", activities.BlockedRow(req, "competitors", "names a competitor: Globex", at)))
		}

		page, err := st.ListAudit(ctx, store.AuditFilter{ClientIDs: []string{"acme"}, Kind: "guardrail."})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		e := page.Items[0]
		assert.Equal(t, api.AuditGuardrailBlocked, e.Kind)
		assert.Equal(t, "c1", e.CampaignID)
		assert.Equal(t, "acme", e.ClientID)
		assert.Equal(t, "guardrail:competitors", e.Actor)
		assert.Equal(t, api.ChannelSystem, e.Channel)
		assert.Equal(t, at, e.At)
		assert.JSONEq(t, `{"action":"publish_post","connector":"sandbox","guardrail":"competitors","key":"c1/weekly#1/publish","reason":"names a competitor: Globex"}`, e.Detail)
	})
}
