package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestDecisionTokensAreSingleUse(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tok := store.DecisionToken{ID: "jti-1", ApprovalID: "c.a", Approver: "dana", Decision: "approve", ExpiresAt: time.Now().Add(time.Hour)}
		require.NoError(t, s.UseDecisionToken(ctx, tok))
		err := s.UseDecisionToken(ctx, tok)
		require.True(t, errors.Is(err, store.ErrConflict), "reuse: %v", err)
		require.NoError(t, s.ReleaseDecisionToken(ctx, "jti-1"))
		require.NoError(t, s.UseDecisionToken(ctx, tok), "a released link can be used again")
	})
}

func TestVotesProjectOncePerVoter(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		require.NoError(t, s.CreateCampaign(ctx, &store.Campaign{ID: "c", WorkflowID: "campaign-c", ClientID: "acme", Playbook: "p", PlaybookVersion: 1, Status: "running", CreatedAt: now, UpdatedAt: now}))
		vote := func(voter, decision string) store.ApprovalVote {
			return store.ApprovalVote{ApprovalID: "c.a", Voter: voter, Decision: decision, At: now}
		}
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c", Seq: 1, Votes: []store.ApprovalVote{vote("dana", "approve"), vote("sam", "approve"), vote("dana", "reject")}}))
		votes, err := s.ApprovalVotes(ctx, "c.a")
		require.NoError(t, err)
		require.Len(t, votes, 2)
		for _, v := range votes {
			if v.Voter == "dana" {
				require.Equal(t, "reject", v.Decision, "the last vote of a voter wins")
			}
		}
	})
}
