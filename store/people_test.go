package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func person(id string, clients, roles []string, channels ...api.PersonChannel) *store.Person {
	return &store.Person{ID: id, Name: "Name of " + id, Clients: clients, Roles: roles, Channels: channels}
}

func email(addr string) api.PersonChannel {
	return api.PersonChannel{Kind: api.ChannelKindEmail, Address: addr}
}

func slack(user string) api.PersonChannel {
	return api.PersonChannel{Kind: api.ChannelKindSlack, Address: user}
}

func personIDs(people []store.Person) []string {
	out := []string{}
	for _, p := range people {
		out = append(out, p.ID)
	}
	return out
}

// seedPeople writes a directory over three clients; multi@agency has two.
func seedPeople(t *testing.T, s *store.Store) {
	t.Helper()
	for _, p := range []*store.Person{
		person("sam@acme", []string{"acme"}, []string{"agency-lead"}),
		person("dana@acme", []string{"acme"}, []string{"client-marketing-lead"}, email("dana@acme.example"), slack("U024BE7LH")),
		person("lee@a_c", []string{"a_c"}, []string{`odd "role"`}),
		person("kim@abc", []string{"abc"}, []string{"odd"}),
		person("multi@agency", []string{"acme", "abc"}, nil),
	} {
		if p.ID == "multi@agency" {
			p.Team = "team-x"
		}
		require.NoError(t, s.CreatePerson(ctxT(t), p), p.ID)
	}
}

func TestPeopleCreateAndGet(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		p := person("dana@acme", []string{"acme"}, []string{"client-marketing-lead"}, email("dana@acme.example"), slack("U024BE7LH"))
		require.NoError(t, s.CreatePerson(ctx, p))
		assert.Equal(t, store.DefaultTimeZone, p.TimeZone, "the time zone defaults to UTC")
		assert.False(t, p.CreatedAt.IsZero())

		got, err := s.GetPerson(ctx, "dana@acme")
		require.NoError(t, err)
		assert.Equal(t, p, got, "read back as written, channels in order")

		bare := person("bare@acme", []string{"acme"}, nil)
		bare.TimeZone = "Europe/Paris"
		require.NoError(t, s.CreatePerson(ctx, bare))
		got, err = s.GetPerson(ctx, "bare@acme")
		require.NoError(t, err)
		assert.Equal(t, []string{}, got.Roles)
		assert.Equal(t, []api.PersonChannel{}, got.Channels)
		assert.Equal(t, "Europe/Paris", got.TimeZone)

		err = s.CreatePerson(ctx, person("dana@acme", []string{"beta"}, nil))
		var conflict *store.PersonConflictError
		require.ErrorAs(t, err, &conflict)
		assert.Equal(t, "id", conflict.Field)
		assert.ErrorIs(t, err, store.ErrConflict)

		_, err = s.GetPerson(ctx, "nobody@acme")
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.ErrorIs(t, s.CreatePerson(ctx, person("nobody@acme", nil, nil)), store.ErrInvalid, "a person has a client")
	})
}

func TestListPeopleFiltersAndPages(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		seedPeople(t, s)
		list := func(f store.PeopleFilter) []string {
			t.Helper()
			page, err := s.ListPeople(ctx, f)
			require.NoError(t, err)
			return personIDs(page.Items)
		}
		assert.Equal(t, []string{"dana@acme", "kim@abc", "lee@a_c", "multi@agency", "sam@acme"}, list(store.PeopleFilter{}))
		assert.Equal(t, []string{"dana@acme", "multi@agency", "sam@acme"}, list(store.PeopleFilter{ClientID: "acme"}))
		assert.Equal(t, []string{"lee@a_c"}, list(store.PeopleFilter{ClientID: "a_c"}), "client ids match exactly, _ is no wildcard")

		// A scoped caller sees the people all of whose clients are in its scope.
		assert.Equal(t, []string{"dana@acme", "sam@acme"}, list(store.PeopleFilter{ClientIDs: []string{"acme"}}))
		assert.Equal(t, []string{"dana@acme", "kim@abc", "multi@agency", "sam@acme"}, list(store.PeopleFilter{ClientIDs: []string{"acme", "abc"}}))
		assert.Equal(t, []string{}, list(store.PeopleFilter{ClientIDs: []string{}}), "an empty scope sees nobody")
		assert.Equal(t, []string{}, list(store.PeopleFilter{ClientID: "abc", ClientIDs: []string{"acme"}}))

		assert.Equal(t, []string{"sam@acme"}, list(store.PeopleFilter{Role: "agency-lead"}))
		assert.Equal(t, []string{"lee@a_c"}, list(store.PeopleFilter{Role: `odd "role"`}), "roles match exactly, quotes and all")
		assert.Equal(t, []string{"kim@abc"}, list(store.PeopleFilter{Role: "odd"}))
		assert.Equal(t, []string{}, list(store.PeopleFilter{Role: "role"}))

		var seen []string
		token := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 5)
			page, err := s.ListPeople(ctx, store.PeopleFilter{Limit: 2, PageToken: token})
			require.NoError(t, err)
			require.LessOrEqual(t, len(page.Items), 2)
			seen = append(seen, personIDs(page.Items)...)
			if token = page.NextPageToken; token == "" {
				break
			}
		}
		assert.Equal(t, list(store.PeopleFilter{}), seen, "pages cover the list once, in order")

		_, err := s.ListPeople(ctx, store.PeopleFilter{PageToken: "garbage"})
		assert.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.ListPeople(ctx, store.PeopleFilter{Limit: 201})
		assert.ErrorIs(t, err, store.ErrInvalid)
	})
}

func TestCampaignPageTokensAreNotPeoplePageTokens(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("c1", "acme", "launch", "running", t0))
		mustCreate(t, s, newCampaign("c2", "acme", "launch", "running", t0.Add(time.Second)))
		page, err := s.ListCampaigns(ctx, store.CampaignFilter{Limit: 1})
		require.NoError(t, err)
		require.NotEmpty(t, page.NextPageToken)
		_, err = s.ListPeople(ctx, store.PeopleFilter{PageToken: page.NextPageToken})
		assert.ErrorIs(t, err, store.ErrInvalid)

		seedPeople(t, s)
		people, err := s.ListPeople(ctx, store.PeopleFilter{Limit: 1})
		require.NoError(t, err)
		_, err = s.ListCampaigns(ctx, store.CampaignFilter{PageToken: people.NextPageToken})
		assert.ErrorIs(t, err, store.ErrInvalid)
	})
}

func TestUpdatePersonReplacesWithinScope(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		seedPeople(t, s)
		before, err := s.GetPerson(ctx, "dana@acme")
		require.NoError(t, err)

		moved := person("dana@acme", []string{"abc"}, []string{"agency-lead"})
		_, err = s.UpdatePerson(ctx, moved, []string{"abc"})
		assert.ErrorIs(t, err, store.ErrNotFound, "acme's person is not abc's to change")
		_, err = s.UpdatePerson(ctx, person("nobody@acme", []string{"acme"}, nil), nil)
		assert.ErrorIs(t, err, store.ErrNotFound)

		replaced := person("dana@acme", []string{"acme"}, []string{"agency-lead"}, slack("U024BE7LH"))
		replaced.TimeZone = "America/New_York"
		old, err := s.UpdatePerson(ctx, replaced, []string{"acme"})
		require.NoError(t, err, "keeping one's own Slack user is no conflict")
		assert.Equal(t, before, old, "the person as it was")
		got, err := s.GetPerson(ctx, "dana@acme")
		require.NoError(t, err)
		assert.Equal(t, replaced, got)
		assert.Equal(t, before.CreatedAt, got.CreatedAt)
		assert.False(t, got.UpdatedAt.Before(before.UpdatedAt))
		assert.Equal(t, []api.PersonChannel{slack("U024BE7LH")}, got.Channels, "a full replace: the email channel is gone")

		// Clearing the lists stores empty lists, not nulls.
		_, err = s.UpdatePerson(ctx, person("dana@acme", []string{"acme"}, nil), nil)
		require.NoError(t, err)
		got, err = s.GetPerson(ctx, "dana@acme")
		require.NoError(t, err)
		assert.Equal(t, []string{}, got.Roles)
		assert.Equal(t, []api.PersonChannel{}, got.Channels)
		assert.Equal(t, store.DefaultTimeZone, got.TimeZone)
	})
}

func TestSlackUserBelongsToOnePerson(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		seedPeople(t, s)

		got, err := s.PersonBySlackUser(ctx, "U024BE7LH")
		require.NoError(t, err)
		assert.Equal(t, "dana@acme", got.ID)
		_, err = s.PersonBySlackUser(ctx, "U999")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.PersonBySlackUser(ctx, "dana@acme.example")
		assert.ErrorIs(t, err, store.ErrNotFound, "an email address is no Slack user")

		var conflict *store.PersonConflictError
		err = s.CreatePerson(ctx, person("mallory@abc", []string{"abc"}, nil, slack("U024BE7LH")))
		require.ErrorAs(t, err, &conflict)
		assert.Equal(t, "channels", conflict.Field)
		_, err = s.UpdatePerson(ctx, person("kim@abc", []string{"abc"}, nil, email("kim@abc.example"), slack("U024BE7LH")), nil)
		require.ErrorAs(t, err, &conflict)
		_, err = s.GetPerson(ctx, "mallory@abc")
		assert.ErrorIs(t, err, store.ErrNotFound, "nothing half-written")
		kim, err := s.GetPerson(ctx, "kim@abc")
		require.NoError(t, err)
		assert.Empty(t, kim.Channels)

		// Once dana lets the Slack user go, it is free.
		_, err = s.UpdatePerson(ctx, person("dana@acme", []string{"acme"}, nil, email("dana@acme.example")), nil)
		require.NoError(t, err)
		_, err = s.UpdatePerson(ctx, person("kim@abc", []string{"abc"}, nil, slack("U024BE7LH")), nil)
		require.NoError(t, err)
		got, err = s.PersonBySlackUser(ctx, "U024BE7LH")
		require.NoError(t, err)
		assert.Equal(t, "kim@abc", got.ID)
	})
}

func TestPeopleForAnApproval(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		seedPeople(t, s)
		for _, tc := range []struct {
			name      string
			client    string
			approvers []api.Approver
			want      []string
		}{
			{"no approvers: every person of the client", "acme", nil, []string{"dana@acme", "multi@agency", "sam@acme"}},
			{"by id", "acme", []api.Approver{{ID: "dana@acme"}}, []string{"dana@acme"}},
			{"by role", "acme", []api.Approver{{Role: "agency-lead"}}, []string{"sam@acme"}},
			{"by id or role", "acme", []api.Approver{{Role: "agency-lead"}, {ID: "dana@acme"}}, []string{"dana@acme", "sam@acme"}},
			{"an approver with id and role counts either", "acme", []api.Approver{{ID: "multi@agency", Role: "client-marketing-lead"}}, []string{"dana@acme", "multi@agency"}},
			{"only the client's people", "acme", []api.Approver{{ID: "kim@abc"}, {Role: "odd"}}, []string{}},
			{"a role matches exactly", "a_c", []api.Approver{{Role: `odd "role"`}}, []string{"lee@a_c"}},
			{"nobody matches", "abc", []api.Approver{{Role: "agency-lead"}}, []string{}},
			{"by team", "acme", []api.Approver{{Team: "team-x"}}, []string{"multi@agency"}},
			{"a team of nobody", "acme", []api.Approver{{Team: "team-y"}}, []string{}},
			{"unknown client", "nobody", nil, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.PeopleFor(ctx, tc.client, tc.approvers)
				require.NoError(t, err)
				assert.Equal(t, tc.want, personIDs(got))
			})
		}
		got, err := s.PeopleFor(ctx, "acme", []api.Approver{{ID: "dana@acme"}})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, []api.PersonChannel{email("dana@acme.example"), slack("U024BE7LH")}, got[0].Channels, "channels in the order to try them")
	})
}

func TestDeletePersonRefusesWhileTokensLive(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		seedPeople(t, s)

		_, _, err := s.CreateTokenFor(ctx, "nobody@acme", store.TokenSpec{Role: "approver"})
		assert.ErrorIs(t, err, store.ErrNotFound)
		tok, secret, err := s.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Role: "approver", Clients: []string{"acme"}})
		require.NoError(t, err)
		got, err := s.TokenByHash(ctx, store.HashToken(secret))
		require.NoError(t, err)
		assert.Equal(t, "dana@acme", got.Name)
		require.NotNil(t, got.PersonID)
		assert.Equal(t, "dana@acme", *got.PersonID)
		assert.Empty(t, got.ApprovalRoleList())
		revokedTok, _, err := s.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Role: "viewer"})
		require.NoError(t, err)
		_, err = s.RevokeToken(ctx, revokedTok.ID)
		require.NoError(t, err)
		other, _, err := s.CreateToken(ctx, store.TokenSpec{Name: "dana@acme", Role: "approver"})
		require.NoError(t, err)
		assert.Nil(t, other.PersonID, "a token named like a person does not belong to it")

		assert.ErrorIs(t, s.DeletePerson(ctx, "dana@acme", []string{"abc"}), store.ErrNotFound)
		err = s.DeletePerson(ctx, "dana@acme", nil)
		var live *store.PersonHasTokensError
		require.ErrorAs(t, err, &live)
		assert.ErrorIs(t, err, store.ErrConflict)
		assert.Equal(t, []string{tok.ID}, live.Tokens, "only the live token; revoked ones and namesakes do not count")
		assert.Contains(t, err.Error(), tok.ID)
		_, err = s.GetPerson(ctx, "dana@acme")
		require.NoError(t, err)

		_, err = s.RevokeToken(ctx, tok.ID)
		require.NoError(t, err)
		require.NoError(t, s.DeletePerson(ctx, "dana@acme", []string{"acme"}))
		_, err = s.GetPerson(ctx, "dana@acme")
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.ErrorIs(t, s.DeletePerson(ctx, "dana@acme", nil), store.ErrNotFound)
		_, err = s.PersonBySlackUser(ctx, "U024BE7LH")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}

// TestMigratingTokensToPeople upgrades a database at version 4 that holds
// tokens: they keep working as before, belonging to nobody.
func TestMigratingTokensToPeople(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		old, err := store.Open(ctx, freshDatabase(t, s))
		require.NoError(t, err)
		t.Cleanup(func() { _ = old.Close() })
		require.NoError(t, old.MigrateUpTo(ctx, 4))
		// Written as release 4 wrote them: its columns only.
		for i, name := range []string{"dana@acme", "ops"} {
			require.NoError(t, old.DB().WithContext(ctx).Exec(
				`INSERT INTO api_tokens (id, name, hash, role, clients, approval_roles, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				"tok_"+name, name, store.HashToken("glt_secret"+name), "approver", `["acme"]`, `["client-marketing-lead"]`, t0.Add(time.Duration(i)*time.Second)).Error)
		}

		require.NoError(t, old.Migrate(ctx))
		versions := appliedMigrations(t, old)
		require.GreaterOrEqual(t, len(versions), 5)
		assert.Equal(t, 5, versions[4].Version)
		assert.Equal(t, "people, and tokens that belong to a person", versions[4].Name)

		tok, err := old.TokenByHash(ctx, store.HashToken("glt_secretdana@acme"))
		require.NoError(t, err)
		assert.Nil(t, tok.PersonID)
		assert.Equal(t, "dana@acme", tok.Name)
		assert.Equal(t, []string{"client-marketing-lead"}, tok.ApprovalRoleList())
		list, err := old.ListTokens(ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)

		require.NoError(t, old.CreatePerson(ctx, person("dana@acme", []string{"acme"}, []string{"client-marketing-lead"})))
		require.NoError(t, old.DeletePerson(ctx, "dana@acme", nil), "a token made before people belongs to nobody")
	})
}

func TestPersonErrorsSayWhat(t *testing.T) {
	err := &store.PersonHasTokensError{PersonID: "dana@acme", Tokens: []string{"tok_1", "tok_2"}}
	assert.Equal(t, "person dana@acme still has 2 live token(s) (tok_1, tok_2): revoke them first", err.Error())
	assert.True(t, errors.Is(err, store.ErrConflict))
}
