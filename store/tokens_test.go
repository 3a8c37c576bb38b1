package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestTokensAreStoredHashedAndRevocable(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tok, secret, err := s.CreateToken(ctx, store.TokenSpec{Name: "dana@acme", Role: "approver", Clients: []string{"acme"}, ApprovalRoles: []string{"client-lead"}, Team: "team-x"})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(secret, store.TokenPrefix), secret)
		require.NotEqual(t, secret, tok.Hash)
		require.Equal(t, store.HashToken(secret), tok.Hash)

		got, err := s.TokenByHash(ctx, store.HashToken(secret))
		require.NoError(t, err)
		require.Equal(t, []string{"acme"}, got.ClientList())
		require.Equal(t, []string{"client-lead"}, got.ApprovalRoleList())
		require.Equal(t, "team-x", got.Team)
		require.False(t, got.Revoked())
		require.NoError(t, s.TouchToken(ctx, got.ID))

		_, err = s.TokenByHash(ctx, store.HashToken("glt_other"))
		require.True(t, errors.Is(err, store.ErrNotFound), "%v", err)

		has, err := s.HasAdminToken(ctx, "admin")
		require.NoError(t, err)
		require.False(t, has)

		revoked, err := s.RevokeToken(ctx, tok.ID)
		require.NoError(t, err)
		require.True(t, revoked.Revoked())
		got, err = s.TokenByHash(ctx, tok.Hash)
		require.NoError(t, err)
		require.True(t, got.Revoked())
		_, err = s.RevokeToken(ctx, "tok_missing")
		require.True(t, errors.Is(err, store.ErrNotFound), "%v", err)

		list, err := s.ListTokens(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
	})
}
