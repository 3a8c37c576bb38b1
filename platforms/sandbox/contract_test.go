package sandbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/connectortest"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// The sandbox keeps the contract with its store as both the platform and the
// log: what reached the platform is what its log holds for a key.
func TestSandboxKeepsTheConnectorContract(t *testing.T) {
	var st *store.Store
	connectortest.Run(t, connectortest.Harness{
		Connector: func(*testing.T, platforms.ActionLog) platforms.Connector { return sandbox.New(st) },
		OwnLog:    true,
		Reset:     func(t *testing.T) { st = storetest.SQLite(t) },
		Reached: func(t *testing.T, key string) int {
			_, err := st.GetPlatformAction(context.Background(), key)
			if errors.Is(err, store.ErrNotFound) {
				return 0
			}
			require.NoError(t, err)
			return 1
		},
	})
}
