package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func finish(t *testing.T, s *store.Store, id string) {
	t.Helper()
	require.NoError(t, s.DB().WithContext(ctxT(t)).Model(&store.Campaign{}).Where("id = ?", id).
		Update("status", api.StatusCompleted).Error)
}

// The seed's story: one client's platforms split between two teams, who must
// never both publish on one account.
func TestHoldsKeepAnAccountToOneTeam(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		x := account("acc-x", "acme", "x", "@acme", "team-x")
		fb := account("acc-fb", "acme", "facebook", "acme", "team-facebook")
		require.NoError(t, s.CreateAccount(ctx, x))
		require.NoError(t, s.CreateAccount(ctx, fb))

		cx := newCampaign("c-x", "acme", "pb", api.StatusRunning, t0)
		require.NoError(t, s.CreateCampaignHolding(ctx, cx, "team-x", []store.HoldRequest{{Account: *x}}))

		// team-facebook asks for x and facebook without asking team-x: refused,
		// naming the account, its owner and the campaign holding it, and
		// nothing is written.
		cfb := newCampaign("c-fb", "acme", "pb", api.StatusRunning, t0)
		err := s.CreateCampaignHolding(ctx, cfb, "team-facebook", []store.HoldRequest{{Account: *fb}, {Account: *x}})
		hc, ok := store.IsHoldConflict(err)
		require.True(t, ok, "%v", err)
		assert.ErrorIs(t, err, store.ErrConflict)
		assert.Equal(t, "acc-x", hc.AccountID)
		assert.Equal(t, "team-x", hc.Owner)
		assert.Equal(t, []string{"c-x"}, hc.Campaigns)
		_, err = s.GetCampaign(ctx, "c-fb")
		assert.ErrorIs(t, err, store.ErrNotFound, "a refused launch leaves no campaign")
		holds, err := s.HoldsOf(ctx, "c-fb")
		require.NoError(t, err)
		assert.Empty(t, holds, "and no hold")

		// Asking team-x: the campaign is written, its hold on x waits.
		require.NoError(t, s.CreateCampaignHolding(ctx, cfb, "team-facebook",
			[]store.HoldRequest{{Account: *fb}, {Account: *x, Await: "owner_approval"}}))
		holds, err = s.HoldsOf(ctx, "c-fb")
		require.NoError(t, err)
		require.Len(t, holds, 2)
		assert.True(t, holds[0].Granted, "its own account is held at once")
		assert.False(t, holds[1].Granted, "team-x's account waits")
		assert.Equal(t, "owner_approval", holds[1].AwaitStep)

		require.NoError(t, s.ClaimHold(ctx, "c-fb", "acc-fb", false))
		err = s.ClaimHold(ctx, "c-fb", "acc-x", false)
		hc, ok = store.IsHoldConflict(err)
		require.True(t, ok, "without the owner's yes the account is not the campaign's: %v", err)
		assert.Contains(t, hc.Error(), "waits for team team-x")

		// team-x said yes, but its own campaign still holds x: still refused.
		err = s.ClaimHold(ctx, "c-fb", "acc-x", true)
		hc, ok = store.IsHoldConflict(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, []string{"c-x"}, hc.Campaigns)
		require.NoError(t, s.ClaimHold(ctx, "c-x", "acc-x", false), "the owner's campaign keeps acting")

		// Once team-x's campaign has finished, the yes grants the account, and
		// team-x's next campaign on it is refused while team-facebook's runs.
		finish(t, s, "c-x")
		require.NoError(t, s.ClaimHold(ctx, "c-fb", "acc-x", true))
		require.NoError(t, s.ClaimHold(ctx, "c-fb", "acc-x", false), "granted stays granted")
		cx2 := newCampaign("c-x2", "acme", "pb", api.StatusRunning, t0)
		err = s.CreateCampaignHolding(ctx, cx2, "team-x", []store.HoldRequest{{Account: *x}})
		hc, ok = store.IsHoldConflict(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, []string{"c-fb"}, hc.Campaigns)

		holders, err := s.Holders(ctx, "acc-x")
		require.NoError(t, err)
		require.Len(t, holders, 1)
		assert.Equal(t, "c-fb", holders[0].CampaignID)

		_, err = s.HoldsOf(ctx, "c-nope")
		require.NoError(t, err)
		err = s.ClaimHold(ctx, "c-nope", "acc-x", true)
		assert.ErrorIs(t, err, store.ErrNotFound, "a campaign without a hold acts on nothing")

		require.NoError(t, s.DeleteCampaign(ctx, "c-fb"))
		holds, err = s.HoldsOf(ctx, "c-fb")
		require.NoError(t, err)
		assert.Empty(t, holds, "a rolled-back launch takes its holds with it")
		require.NoError(t, s.CreateCampaignHolding(ctx, cx2, "team-x", []store.HoldRequest{{Account: *x}}))
	})
}

// Two teams launching on one free account at the same moment: one wins.
func TestHoldsRaceOneTeamWins(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		shared := account("acc-shared", "acme", "x", "@acme", "")
		require.NoError(t, s.CreateAccount(ctx, shared))
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := newCampaign(fmt.Sprintf("c-%d", i), "acme", "pb", api.StatusRunning, t0)
				errs[i] = s.CreateCampaignHolding(ctx, c, fmt.Sprintf("team-%d", i), []store.HoldRequest{{Account: *shared}})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			_, ok := store.IsHoldConflict(err)
			assert.True(t, ok, "the others are refused as conflicts: %v", err)
		}
		assert.Equal(t, 1, won)
	})
}
