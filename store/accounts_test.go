package store_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func account(id, client, platform, handle, team string) *store.Account {
	return &store.Account{ID: id, ClientID: client, Platform: platform, Handle: handle,
		Connector: "sandbox", Team: team, Credential: "acme.x-token"}
}

func accountIDs(items []store.Account) []string {
	out := []string{}
	for _, a := range items {
		out = append(out, a.ID)
	}
	return out
}

func TestAccountsCreateGetAndConflicts(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := account("a1", "acme", "x", "@acme", "team-x")
		require.NoError(t, s.CreateAccount(ctx, a))
		assert.False(t, a.CreatedAt.IsZero())
		assert.Equal(t, a.CreatedAt, a.UpdatedAt)

		got, err := s.GetAccount(ctx, "acme", "a1")
		require.NoError(t, err)
		assert.Equal(t, a, got, "read back as written")

		_, err = s.GetAccount(ctx, "beta", "a1")
		assert.ErrorIs(t, err, store.ErrNotFound, "another client's account is not found")
		_, err = s.GetAccount(ctx, "acme", "nope")
		assert.ErrorIs(t, err, store.ErrNotFound)

		tests := []struct {
			name  string
			a     *store.Account
			field string
		}{
			{"same id", account("a1", "acme", "x", "@other", ""), "id"},
			{"same client, platform and handle", account("a2", "acme", "x", "@acme", ""), "handle"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.CreateAccount(ctx, tt.a)
				var conflict *store.AccountConflictError
				require.ErrorAs(t, err, &conflict)
				assert.Equal(t, tt.field, conflict.Field)
				assert.ErrorIs(t, err, store.ErrConflict)
			})
		}

		require.NoError(t, s.CreateAccount(ctx, account("a3", "beta", "x", "@acme", "")), "another client may have the handle")
		require.NoError(t, s.CreateAccount(ctx, account("a4", "acme", "mastodon", "@acme", "")), "so may another platform")
		assert.ErrorIs(t, s.CreateAccount(ctx, &store.Account{ID: "a5", ClientID: "acme"}), store.ErrInvalid)
	})
}

func TestAccountsConcurrentCreateOfOneHandle(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = s.CreateAccount(ctx, account("c"+string(rune('0'+i)), "acme", "x", "@same", ""))
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			var conflict *store.AccountConflictError
			if assert.ErrorAs(t, err, &conflict) {
				assert.Equal(t, "handle", conflict.Field)
			}
		}
		assert.Equal(t, 1, ok, "exactly one writer gets the handle")
	})
}

func TestAccountsList(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		for _, a := range []*store.Account{
			account("a1", "acme", "x", "@acme", "team-x"),
			account("a2", "acme", "mastodon", "@acme@mastodon.social", "team-x"),
			account("a3", "acme", "x", "@acme_help", "team-y"),
			account("b1", "beta", "x", "@beta", "team-x"),
		} {
			require.NoError(t, s.CreateAccount(ctx, a), a.ID)
		}
		tests := []struct {
			name string
			f    store.AccountFilter
			want []string
		}{
			{"client", store.AccountFilter{ClientID: "acme"}, []string{"a1", "a2", "a3"}},
			{"team", store.AccountFilter{ClientID: "acme", Team: "team-x"}, []string{"a1", "a2"}},
			{"platform", store.AccountFilter{ClientID: "acme", Platform: "x"}, []string{"a1", "a3"}},
			{"both", store.AccountFilter{ClientID: "acme", Platform: "x", Team: "team-y"}, []string{"a3"}},
			{"other client", store.AccountFilter{ClientID: "beta"}, []string{"b1"}},
			{"no accounts", store.AccountFilter{ClientID: "gamma"}, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := s.ListAccounts(ctx, tt.f)
				require.NoError(t, err)
				assert.Equal(t, tt.want, accountIDs(page.Items))
				assert.Empty(t, page.NextPageToken)
			})
		}

		page, err := s.ListAccounts(ctx, store.AccountFilter{ClientID: "acme", Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, []string{"a1", "a2"}, accountIDs(page.Items))
		require.NotEmpty(t, page.NextPageToken)
		page, err = s.ListAccounts(ctx, store.AccountFilter{ClientID: "acme", Limit: 2, PageToken: page.NextPageToken})
		require.NoError(t, err)
		assert.Equal(t, []string{"a3"}, accountIDs(page.Items))
		assert.Empty(t, page.NextPageToken)

		_, err = s.ListAccounts(ctx, store.AccountFilter{})
		assert.ErrorIs(t, err, store.ErrInvalid, "a list is of one client")
		_, err = s.ListAccounts(ctx, store.AccountFilter{ClientID: "acme", PageToken: "garbage"})
		assert.ErrorIs(t, err, store.ErrInvalid)
	})
}

func TestAccountsUpdateAndDelete(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := account("a1", "acme", "x", "@acme", "team-x")
		require.NoError(t, s.CreateAccount(ctx, a))
		require.NoError(t, s.CreateAccount(ctx, account("a2", "acme", "x", "@taken", "")))
		created := a.CreatedAt

		u := &store.Account{ID: "a1", ClientID: "acme", Platform: "mastodon", Handle: "@acme@mastodon.social",
			Connector: "mastodon", Team: "team-y", Credential: "acme.mastodon"}
		require.NoError(t, s.UpdateAccount(ctx, u))
		assert.Equal(t, created, u.CreatedAt, "the creation time is kept")
		got, err := s.GetAccount(ctx, "acme", "a1")
		require.NoError(t, err)
		assert.Equal(t, u, got, "every field replaced")

		u.Team = ""
		u.Credential = ""
		require.NoError(t, s.UpdateAccount(ctx, u))
		got, err = s.GetAccount(ctx, "acme", "a1")
		require.NoError(t, err)
		assert.Empty(t, got.Team, "a full replace clears what is left out")
		assert.Empty(t, got.Credential)

		taken := *u
		taken.Platform, taken.Handle = "x", "@taken"
		var conflict *store.AccountConflictError
		require.ErrorAs(t, s.UpdateAccount(ctx, &taken), &conflict)
		assert.Equal(t, "handle", conflict.Field)
		got, err = s.GetAccount(ctx, "acme", "a1")
		require.NoError(t, err)
		assert.Equal(t, "mastodon", got.Platform, "a refused update writes nothing")

		other := *u
		other.ClientID = "beta"
		assert.ErrorIs(t, s.UpdateAccount(ctx, &other), store.ErrNotFound, "another client's account is not found")
		assert.ErrorIs(t, s.DeleteAccount(ctx, "beta", "a1"), store.ErrNotFound)

		require.NoError(t, s.DeleteAccount(ctx, "acme", "a1"))
		_, err = s.GetAccount(ctx, "acme", "a1")
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.ErrorIs(t, s.DeleteAccount(ctx, "acme", "a1"), store.ErrNotFound)
	})
}
