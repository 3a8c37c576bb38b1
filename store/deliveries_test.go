package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestDeliveriesAreRecordedOnce(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := store.Delivery{
			Key: "c1.approve/requested/email/dana@acme", ApprovalID: "c1.approve", CampaignID: "c1", ClientID: "acme",
			Kind: "requested", PersonID: "dana@acme", Channel: "email", Address: "dana@acme.example",
		}
		got, sent, err := s.BeginDelivery(ctx, d)
		require.NoError(t, err)
		assert.False(t, sent)
		assert.Equal(t, api.DeliverySending, got.Status)
		assert.Equal(t, 1, got.Attempts)

		require.NoError(t, s.DeliveryFailed(ctx, d.Key, "451 try again later", false))
		got, sent, err = s.BeginDelivery(ctx, d)
		require.NoError(t, err)
		assert.False(t, sent, "a failed attempt is tried again")
		assert.Equal(t, 2, got.Attempts)
		assert.Equal(t, "451 try again later", got.Error, "the last failure stays visible while it is retried")

		require.NoError(t, s.DeliverySucceeded(ctx, d.Key, "<c1.approve.requested@greenlight>"))
		got, sent, err = s.BeginDelivery(ctx, d)
		require.NoError(t, err)
		assert.True(t, sent, "a sent delivery is never sent again")
		assert.Equal(t, api.DeliverySent, got.Status)
		assert.Equal(t, 2, got.Attempts, "and a look at it is not an attempt")
		assert.Equal(t, "<c1.approve.requested@greenlight>", got.Ref)
		assert.Empty(t, got.Error)
		require.NotNil(t, got.SentAt)

		require.NoError(t, s.DeliveryFailed(ctx, d.Key, "late failure", true))
		one, err := s.GetDelivery(ctx, d.Key)
		require.NoError(t, err)
		assert.Equal(t, api.DeliverySent, one.Status, "a failure reported late never unsends")
	})
}

func TestDeliveriesOfAnApproval(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, d := range []store.Delivery{
			{Key: "c1.a/requested/email/dana", ApprovalID: "c1.a", CampaignID: "c1", ClientID: "acme", Kind: "requested", PersonID: "dana", Channel: "email"},
			{Key: "c1.a/requested/slack/dana", ApprovalID: "c1.a", CampaignID: "c1", ClientID: "acme", Kind: "requested", PersonID: "dana", Channel: "slack"},
			{Key: "c1.b/requested/email/dana", ApprovalID: "c1.b", CampaignID: "c1", ClientID: "acme", Kind: "requested", PersonID: "dana", Channel: "email"},
		} {
			_, _, err := s.BeginDelivery(ctx, d)
			require.NoError(t, err)
		}
		require.NoError(t, s.DeliveryFailed(ctx, "c1.a/requested/email/dana", strings.Repeat("x", 5000)+"\x00", true))

		list, err := s.ApprovalDeliveries(ctx, "c1.a")
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, api.DeliveryFailed, list[0].Status)
		assert.LessOrEqual(t, len([]rune(list[0].Error)), 2000, "a receiver's error page does not fill the table")
		assert.NotContains(t, list[0].Error, "\x00")
		assert.Equal(t, "slack", list[1].Channel)

		_, err = s.GetDelivery(ctx, "nope")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.DeliverySucceeded(ctx, "nope", "x"), store.ErrNotFound)
	})
}

func TestALongDeliveryKeyStillFindsItsRow(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := strings.Repeat("k", 700)
		_, _, err := s.BeginDelivery(ctx, store.Delivery{Key: key, ApprovalID: "c1.a", CampaignID: "c1", ClientID: "acme", Kind: "requested", Channel: "email"})
		require.NoError(t, err)
		require.NoError(t, s.DeliverySucceeded(ctx, key, "ref"))
		_, sent, err := s.BeginDelivery(ctx, store.Delivery{Key: key, ApprovalID: "c1.a", CampaignID: "c1", ClientID: "acme", Kind: "requested", Channel: "email"})
		require.NoError(t, err)
		assert.True(t, sent)
	})
}
