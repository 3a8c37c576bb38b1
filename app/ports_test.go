package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
)

// TestDevNamesTheFlagOfATakenAddress: each address dev listens on, when taken,
// fails the start at once with the flag that moves it, as a newcomer with a
// Temporal of their own on 7233 meets it.
func TestDevNamesTheFlagOfATakenAddress(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(cfg *config.Config, addr string)
		want string
	}{
		{"API", func(cfg *config.Config, a string) { cfg.HTTPAddr = a }, "pick another with --http or GREENLIGHT_HTTP"},
		{"Temporal", func(cfg *config.Config, a string) { cfg.TemporalAddr = a }, "pick another with --temporal or GREENLIGHT_TEMPORAL_ADDRESS"},
		{"Web UI", func(cfg *config.Config, a string) { cfg.UIAddr = a }, "pick another with --ui or GREENLIGHT_UI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer taken.Close()
			cfg := config.Defaults()
			cfg.DataDir = filepath.Join(t.TempDir(), "data")
			for _, a := range []*string{&cfg.HTTPAddr, &cfg.TemporalAddr, &cfg.UIAddr} {
				*a, err = devserver.FreeAddr()
				require.NoError(t, err)
			}
			tc.set(&cfg, taken.Addr().String())

			d, err := app.StartDev(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil {
				d.Stop()
				t.Fatal("dev started on a taken address")
			}
			require.Contains(t, err.Error(), taken.Addr().String())
			require.Contains(t, err.Error(), tc.want)
			require.False(t, strings.Contains(err.Error(), "devserver:"), "the package's prefix is for the log: %v", err)
		})
	}
}
