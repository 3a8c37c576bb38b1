package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
)

// t0 has a sub-microsecond part on purpose: the store must truncate it the same
// way on both dialects.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

func newCampaign(id, client, playbook, status string, created time.Time) *store.Campaign {
	return &store.Campaign{
		ID:              id,
		WorkflowID:      "wf-" + id,
		ClientID:        client,
		Playbook:        playbook,
		PlaybookVersion: 1,
		Params:          `{"budget":100}`,
		Status:          status,
		CreatedAt:       created,
	}
}

func mustCreate(t *testing.T, s *store.Store, c *store.Campaign) *store.Campaign {
	t.Helper()
	require.NoError(t, s.CreateCampaign(ctxT(t), c))
	return c
}
