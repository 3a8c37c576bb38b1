package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// RegisterPlaybooks records the built-in playbooks, and those in dir when it is not
// empty, in the store. Versions are immutable: a playbook whose YAML changed without
// a new version number stops the start, naming the file.
func RegisterPlaybooks(ctx context.Context, st *store.Store, dir string) error {
	srcs, err := playbooks.Builtins()
	if err != nil {
		return err
	}
	if err := register(ctx, st, srcs, true); err != nil {
		return err
	}
	if dir == "" {
		return nil
	}
	extra, err := playbooks.LoadDir(dir)
	if err != nil {
		return err
	}
	return register(ctx, st, extra, false)
}

func register(ctx context.Context, st *store.Store, srcs []playbooks.Source, builtin bool) error {
	for _, s := range srcs {
		sum := sha256.Sum256(s.YAML)
		_, err := st.RegisterPlaybook(ctx, store.Playbook{
			Name: s.Playbook.Name, Version: s.Playbook.Version, Description: s.Playbook.Description,
			Source: string(s.YAML), Digest: hex.EncodeToString(sum[:]), Builtin: builtin,
			CreatedAt: time.Now().UTC(),
		})
		if err != nil {
			return fmt.Errorf("register playbook %s v%d (%s): %w", s.Playbook.Name, s.Playbook.Version, s.Origin, err)
		}
	}
	return nil
}
