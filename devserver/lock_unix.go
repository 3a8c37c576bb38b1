//go:build unix

package devserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock so that two dev servers, in one process
// or two, never run on the same SQLite file: each would believe it owns the
// history shard. The kernel drops the lock when the process dies, SIGKILL
// included, so a crash never leaves a stale lock behind.
func lockDataDir(dir string) (unlock func() error, err error) {
	path := filepath.Join(dir, "temporal.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devserver: lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("devserver: data dir %s is already used by another running dev server", dir)
		}
		return nil, fmt.Errorf("devserver: lock data dir %s: %w", dir, err)
	}
	return f.Close, nil
}
