package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/store"
)

// devAdminToken returns dev mode's admin token, creating it on first start. The
// file is the only copy of the secret (the store keeps a hash), so it is made
// 0600 and kept across restarts.
func devAdminToken(ctx context.Context, st *store.Store, dataDir string) (string, error) {
	path := filepath.Join(dataDir, config.AdminTokenFile)
	if b, err := os.ReadFile(path); err == nil {
		if secret := strings.TrimSpace(string(b)); secret != "" {
			return secret, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read admin token %s: %w", path, err)
	}
	secret, err := createAdminToken(ctx, st, "dev-admin", api.ChannelSystem)
	if err != nil {
		return "", fmt.Errorf("create the dev admin token: %w", err)
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write admin token %s: %w", path, err)
	}
	return secret, nil
}

// BootstrapAdminToken creates the first admin token straight in the store, for
// a `greenlight server` deployment where no token exists yet to call the API
// with. It refuses once an admin token exists: from then on, tokens are made
// through the API, by an admin.
func BootstrapAdminToken(ctx context.Context, st *store.Store, name string) (string, error) {
	has, err := st.HasAdminToken(ctx, api.RoleAdmin)
	if err != nil {
		return "", err
	}
	if has {
		return "", errors.New("an admin token already exists: create more with `greenlight tokens create` using it")
	}
	secret, err := createAdminToken(ctx, st, name, api.ChannelCLI)
	if err != nil {
		return "", fmt.Errorf("create the admin token: %w", err)
	}
	return secret, nil
}

// createAdminToken makes an admin token of every client, on record in the
// audit log as made by greenlight itself through channel (no token made it),
// and returns its secret.
func createAdminToken(ctx context.Context, st *store.Store, name, channel string) (string, error) {
	var secret string
	err := st.Transaction(ctx, func(tx *store.Store) error {
		t, s, err := tx.CreateToken(ctx, store.TokenSpec{Name: name, Role: api.RoleAdmin})
		if err != nil {
			return err
		}
		secret = s
		return tx.AppendAudit(ctx, store.AuditEvent{
			DedupKey: api.AuditTokenCreated + "/" + t.ID, Kind: api.AuditTokenCreated,
			Actor: "greenlight", Channel: channel, Detail: string(t.AuditDetail()), At: t.CreatedAt,
		})
	})
	return secret, err
}
