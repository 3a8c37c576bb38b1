package server

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestPlanAccounts(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	for _, a := range []store.Account{
		{ID: "x-a", ClientID: "acme", Platform: "x", Handle: "acme", Connector: "sandbox", Team: "team-a"},
		{ID: "x-b", ClientID: "acme", Platform: "x", Handle: "acmeb", Connector: "sandbox", Team: "team-b"},
		{ID: "x-c", ClientID: "acme", Platform: "x", Handle: "acmec", Connector: "sandbox", Team: "team-b"},
		{ID: "li", ClientID: "acme", Platform: "linkedin", Handle: "company/acme", Connector: "webhook", Endpoint: "https://h.example", Credential: "h"},
	} {
		require.NoError(t, st.CreateAccount(ctx, &a))
	}
	pb, err := playbooks.Parse([]byte(`
name: p
version: 1
params:
  - {name: platforms, type: list, default: [x]}
steps:
  - id: publish
    action: publish_posts
    with: {brand: Acme, count: 1, platforms: "${params.platforms}"}
`))
	require.NoError(t, err)
	refuse := &Server{store: st, connector: "sandbox"}
	lend := &Server{store: st, connector: "sandbox", lendSandbox: true}
	plan := func(s *Server, team string, accounts []string, platforms ...any) (launchPlan, []playbooks.Problem) {
		t.Helper()
		p, probs, err := s.planAccounts(ctx, launchRequest{Client: "acme", Accounts: accounts}, pb, map[string]any{"platforms": platforms}, team)
		require.NoError(t, err)
		return p, probs
	}

	p, probs := plan(refuse, "team-a", nil, "x", "linkedin")
	require.Empty(t, probs)
	require.Len(t, p.accounts, 2)
	assert.Equal(t, "x-a", p.accounts[1].ID, "of several, the one the team owns")
	assert.Equal(t, "li", p.accounts[0].ID, "the only one there")

	_, probs = plan(refuse, "team-b", nil, "x")
	require.Len(t, probs, 1, "team b owns two on x: name one")
	assert.Contains(t, probs[0].Message, "the client has 3 accounts on x")
	p, probs = plan(refuse, "team-b", []string{"x-c"}, "x")
	require.Empty(t, probs)
	assert.Equal(t, "x-c", p.accounts[0].ID)
	_, probs = plan(refuse, "team-b", []string{"li"}, "x")
	require.NotEmpty(t, probs)
	assert.Equal(t, "accounts[0]", probs[len(probs)-1].Field, "an account on a platform the campaign does not act on")

	_, probs = plan(refuse, "team-a", nil, "mastodon")
	require.Len(t, probs, 1)
	assert.Equal(t, "params.platforms", probs[0].Field)
	assert.Contains(t, probs[0].Message, "client acme has no account on mastodon")
	_, probs = plan(refuse, "team-a", nil, "myspace")
	require.Len(t, probs, 1)
	assert.Contains(t, probs[0].Message, `"myspace" is not a platform`)

	p, probs = plan(lend, "team-a", nil, "mastodon")
	require.Empty(t, probs)
	assert.Nil(t, p.accounts, "the sandbox alone: the campaign runs as before accounts")
	p, probs = plan(lend, "team-a", nil, "mastodon", "linkedin")
	require.Empty(t, probs)
	require.Len(t, p.accounts, 2, "a lent platform beside a real account is routed to the sandbox")
	assert.Equal(t, "", p.accounts[1].ID)
	assert.Equal(t, "sandbox", p.accounts[1].Connector)

	many := make([]any, 0, 30)
	for i := range 30 {
		many = append(many, "p"+strings.Repeat("x", i))
	}
	_, probs = plan(lend, "team-a", nil, many...)
	require.Len(t, probs, 1)
	assert.Contains(t, probs[0].Message, "at most 20")
}
