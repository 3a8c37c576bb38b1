package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// TestCallerTeamComesFromTheTokenOrItsPerson: the caller's team is read at
// each request, from the token, or from the token's person, so moving a
// person moves every token of the person at once.
func TestCallerTeamComesFromTheTokenOrItsPerson(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	s := New(Deps{Store: st, Auth: true})
	s.engine.GET("/test/team", s.authenticate(), func(c *gin.Context) {
		c.String(http.StatusOK, "team=%s", callerOf(c.Request.Context()).teamOf())
	})
	teamOf := func(secret string) string {
		t.Helper()
		req := httptest.NewRequest("GET", "/test/team", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		return rec.Body.String()
	}

	_, own, err := st.CreateToken(ctx, store.TokenSpec{Name: "bot", Role: api.RoleOperator, Team: "team-z"})
	require.NoError(t, err)
	_, none, err := st.CreateToken(ctx, store.TokenSpec{Name: "vic", Role: api.RoleViewer})
	require.NoError(t, err)
	dana := &store.Person{ID: "dana@acme", Name: "Dana", Clients: []string{"acme"}, Team: "team-x"}
	require.NoError(t, st.CreatePerson(ctx, dana))
	_, danas, err := st.CreateTokenFor(ctx, "dana@acme", store.TokenSpec{Role: api.RoleApprover})
	require.NoError(t, err)

	assert.Equal(t, "team=team-z", teamOf(own))
	assert.Equal(t, "team=", teamOf(none))
	assert.Equal(t, "team=team-x", teamOf(danas))

	// Written behind the API's back, so only the person's row says team-y:
	// the caller follows the person, not the token's copy.
	require.NoError(t, st.DB().Exec("UPDATE people SET team = ? WHERE id = ?", "team-y", "dana@acme").Error)
	assert.Equal(t, "team=team-y", teamOf(danas))

	var nobody *caller
	assert.Equal(t, "", nobody.teamOf(), "no auth, no team")
}
