package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestPlaybookVersionsAreImmutable(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		v1 := store.Playbook{Name: "launch", Version: 1, Description: "Launch", Source: "steps: [a]", Builtin: true, CreatedAt: t0}
		created, err := s.RegisterPlaybook(ctx, v1)
		require.NoError(t, err)
		assert.True(t, created)

		created, err = s.RegisterPlaybook(ctx, v1)
		require.NoError(t, err, "registering the same version again is a no-op")
		assert.False(t, created)

		changed := v1
		changed.Source = "steps: [b]"
		created, err = s.RegisterPlaybook(ctx, changed)
		assert.ErrorIs(t, err, store.ErrConflict, "a version cannot change")
		assert.False(t, created)

		got, err := s.GetPlaybook(ctx, "launch", 1)
		require.NoError(t, err)
		sum := sha256.Sum256([]byte("steps: [a]"))
		assert.Equal(t, hex.EncodeToString(sum[:]), got.Digest, "an empty Digest is computed from Source")
		assert.Equal(t, "steps: [a]", got.Source)
		assert.True(t, got.Builtin)

		for _, p := range []store.Playbook{
			{Name: "launch", Version: 3, Source: "v3"},
			{Name: "launch", Version: 2, Source: "v2"},
			{Name: "aaa", Version: 1, Source: "x"},
		} {
			created, err := s.RegisterPlaybook(ctx, p)
			require.NoError(t, err)
			assert.True(t, created)
		}
		latest, err := s.GetPlaybook(ctx, "launch", 0)
		require.NoError(t, err)
		assert.Equal(t, 3, latest.Version)
		assert.Equal(t, "v3", latest.Source)
		assert.False(t, latest.Builtin)

		all, err := s.ListPlaybooks(ctx)
		require.NoError(t, err)
		var keys []string
		for _, p := range all {
			keys = append(keys, fmt.Sprintf("%s@%d", p.Name, p.Version))
		}
		assert.Equal(t, []string{"aaa@1", "launch@1", "launch@2", "launch@3"}, keys)

		_, err = s.GetPlaybook(ctx, "launch", 9)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.GetPlaybook(ctx, "nope", 0)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.RegisterPlaybook(ctx, store.Playbook{Name: "x", Version: 0})
		assert.ErrorIs(t, err, store.ErrInvalid)
	})
}

// TestPlaybookNamesHaveOneOwner: the first registration of a name makes its
// client the owner; another client, or a shared registration, cannot add a
// version under it, and reads say who owns each version.
func TestPlaybookNamesHaveOneOwner(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		_, err := s.RegisterPlaybook(ctx, store.Playbook{Name: "quick", Version: 1, Source: "a", Client: "clienta", CreatedAt: t0})
		require.NoError(t, err)
		_, err = s.RegisterPlaybook(ctx, store.Playbook{Name: "quick", Version: 2, Source: "b", Client: "clientb", CreatedAt: t0})
		require.ErrorIs(t, err, store.ErrOwned)
		assert.Contains(t, err.Error(), "belongs to client clienta")
		_, err = s.RegisterPlaybook(ctx, store.Playbook{Name: "quick", Version: 2, Source: "b", CreatedAt: t0})
		require.ErrorIs(t, err, store.ErrOwned, "a shared registration cannot take a client's name")
		_, err = s.RegisterPlaybook(ctx, store.Playbook{Name: "quick", Version: 2, Source: "b", Client: "clienta", CreatedAt: t0})
		require.NoError(t, err, "the owner adds versions")

		_, err = s.RegisterPlaybook(ctx, store.Playbook{Name: "shared", Version: 1, Source: "s", CreatedAt: t0})
		require.NoError(t, err)
		_, err = s.RegisterPlaybook(ctx, store.Playbook{Name: "shared", Version: 2, Source: "t", Client: "clienta", CreatedAt: t0})
		require.ErrorIs(t, err, store.ErrOwned, "a client cannot add a version to a shared playbook")
		assert.Contains(t, err.Error(), "shared by every client")

		got, err := s.GetPlaybook(ctx, "quick", 0)
		require.NoError(t, err)
		assert.Equal(t, 2, got.Version)
		assert.Equal(t, "clienta", got.Client)
		list, err := s.ListPlaybooks(ctx)
		require.NoError(t, err)
		owners := map[string]string{}
		for _, p := range list {
			owners[fmt.Sprintf("%s v%d", p.Name, p.Version)] = p.Client
		}
		assert.Equal(t, map[string]string{"quick v1": "clienta", "quick v2": "clienta", "shared v1": ""}, owners)
	})
}
