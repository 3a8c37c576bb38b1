package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/credentials"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/store/storetest"
	"github.com/greenlight/greenlight/worker"
)

// An account's connector is kept while its secret stays, and built again
// once the secret is rotated in the file: no restart, no sign-in per action.
func TestAccountConnectorsFollowTheSecret(t *testing.T) {
	st := storetest.SQLite(t)
	file := filepath.Join(t.TempDir(), "secrets.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"acme.hook":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`), 0o600))
	ac := &worker.AccountConnectors{Sandbox: sandbox.New(st), Log: worker.StoreActionLog(st),
		Credentials: &credentials.Source{File: file, Lookup: func(string) (string, bool) { return "", false }}}
	ctx := context.Background()
	hook := platforms.Account{ID: "a1", Platform: "linkedin", Handle: "company/acme", Connector: "webhook",
		Endpoint: "https://hooks.acme.example/gl", Credential: "acme.hook"}

	first, err := ac.ConnectorFor(ctx, hook)
	require.NoError(t, err)
	again, err := ac.ConnectorFor(ctx, hook)
	require.NoError(t, err)
	assert.Same(t, first, again, "kept while the secret is the same")

	require.NoError(t, os.WriteFile(file, []byte(`{"acme.hook":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}`), 0o600))
	rotated, err := ac.ConnectorFor(ctx, hook)
	require.NoError(t, err)
	assert.NotSame(t, first, rotated, "a rotated secret builds a new connector")

	sb, err := ac.ConnectorFor(ctx, platforms.Account{ID: "a2", Platform: "x", Connector: "sandbox"})
	require.NoError(t, err)
	assert.Equal(t, "sandbox", sb.Name())

	_, err = ac.ConnectorFor(ctx, platforms.Account{ID: "a3", Platform: "x", Connector: "webhook", Endpoint: hook.Endpoint})
	assert.ErrorContains(t, err, "names no credential")
	_, err = ac.ConnectorFor(ctx, platforms.Account{ID: "a4", Platform: "x", Connector: "webhook", Endpoint: hook.Endpoint, Credential: "acme.gone"})
	assert.ErrorIs(t, err, credentials.ErrUnknown)
	assert.NotContains(t, err.Error(), "whsec_")
	_, err = ac.ConnectorFor(ctx, platforms.Account{ID: "a5", Platform: "x", Connector: "carrier-pigeon", Credential: "acme.hook"})
	assert.ErrorContains(t, err, `no connector is called "carrier-pigeon"`)
}
