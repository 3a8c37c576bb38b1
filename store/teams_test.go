package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// tokenTeam is the team of the token whose secret is secret, as authentication reads it.
func tokenTeam(t *testing.T, s *store.Store, secret string) string {
	t.Helper()
	tok, err := s.TokenByHash(ctxT(t), store.HashToken(secret))
	require.NoError(t, err)
	return tok.Team
}

func TestAPersonsTokensTakeThePersonsTeam(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		dana := person("dana@acme", []string{"acme"}, nil)
		dana.Team = "team-x"
		require.NoError(t, s.CreatePerson(ctx, dana))
		got, err := s.GetPerson(ctx, "dana@acme")
		require.NoError(t, err)
		assert.Equal(t, "team-x", got.Team)

		tok, secret, err := s.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Role: "approver"})
		require.NoError(t, err)
		assert.Equal(t, "team-x", tok.Team, "no team given: the person's")
		assert.Equal(t, "team-x", tokenTeam(t, s, secret))
		_, same, err := s.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Role: "viewer", Team: "team-x"})
		require.NoError(t, err, "naming the person's own team is fine")

		_, _, err = s.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Role: "approver", Team: "team-y"})
		var mismatch *store.TokenTeamError
		require.ErrorAs(t, err, &mismatch)
		assert.ErrorIs(t, err, store.ErrInvalid)
		assert.Equal(t, store.TokenTeamError{PersonID: "dana@acme", PersonTeam: "team-x", Team: "team-y"}, *mismatch)
		list, err := s.ListTokens(ctx)
		require.NoError(t, err)
		assert.Len(t, list, 2, "the refused token was not written")

		_, _, err = s.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Role: "approver", ApprovalRoles: []string{"lead"}})
		assert.ErrorIs(t, err, store.ErrInvalid, "a person's token has no approval roles of its own")
		_, _, err = s.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Name: "someone", Role: "approver"})
		assert.ErrorIs(t, err, store.ErrInvalid, "a person's token is named after the person")

		_, own, err := s.CreateToken(ctx, store.TokenSpec{Name: "bot", Role: "operator", Team: "team-z"})
		require.NoError(t, err)

		// Moving the person moves the person's tokens, and no one else's.
		moved := person("dana@acme", []string{"acme"}, nil)
		moved.Team = "team-y"
		old, err := s.UpdatePerson(ctx, moved, nil)
		require.NoError(t, err)
		assert.Equal(t, "team-x", old.Team, "the person as it was")
		assert.Equal(t, "team-y", tokenTeam(t, s, secret))
		assert.Equal(t, "team-y", tokenTeam(t, s, same))
		assert.Equal(t, "team-z", tokenTeam(t, s, own))

		// A PUT that leaves the team out takes the person out of every team.
		_, err = s.UpdatePerson(ctx, person("dana@acme", []string{"acme"}, nil), nil)
		require.NoError(t, err)
		got, err = s.GetPerson(ctx, "dana@acme")
		require.NoError(t, err)
		assert.Equal(t, "", got.Team)
		assert.Equal(t, "", tokenTeam(t, s, secret))
		_, _, err = s.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Role: "approver", Team: "team-y"})
		require.ErrorAs(t, err, &mismatch)
		assert.Equal(t, "", mismatch.PersonTeam)
		assert.Contains(t, err.Error(), "the person's team (none), not team-y")

		page, err := s.ListPeople(ctx, store.PeopleFilter{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, "", page.Items[0].Team)
	})
}

// TestMigratingTeams upgrades a database at version 8 that holds a token and a
// person: both belong to no team, and work as before.
func TestMigratingTeams(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		old, err := store.Open(ctx, freshDatabase(t, s))
		require.NoError(t, err)
		t.Cleanup(func() { _ = old.Close() })
		require.NoError(t, old.MigrateUpTo(ctx, 8))
		// Written as release 8 wrote them: its columns only.
		db := old.DB().WithContext(ctx)
		require.NoError(t, db.Exec(`INSERT INTO people (id, name, clients, roles, channels, time_zone, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, "dana@acme", "Dana", `["acme"]`, `[]`, `[]`, "UTC", t0, t0).Error)
		require.NoError(t, db.Exec(
			`INSERT INTO api_tokens (id, name, hash, role, clients, approval_roles, created_at, person_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			"tok_dana", "dana@acme", store.HashToken("glt_dana"), "approver", `["acme"]`, `[]`, t0.Add(time.Second), "dana@acme").Error)

		require.NoError(t, old.Migrate(ctx))
		versions := appliedMigrations(t, old)
		require.GreaterOrEqual(t, len(versions), 9)
		assert.Equal(t, 9, versions[8].Version)
		assert.Equal(t, "teams of tokens and people", versions[8].Name)

		assert.Equal(t, "", tokenTeam(t, old, "glt_dana"))
		p, err := old.GetPerson(ctx, "dana@acme")
		require.NoError(t, err)
		assert.Equal(t, "", p.Team)

		p.Team = "team-x"
		_, err = old.UpdatePerson(ctx, p, nil)
		require.NoError(t, err)
		assert.Equal(t, "team-x", tokenTeam(t, old, "glt_dana"), "a token made before teams follows its person")
	})
}
