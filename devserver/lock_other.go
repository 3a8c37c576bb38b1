//go:build !unix

package devserver

// lockDataDir is a no-op where flock is unavailable: running two dev servers
// on one data dir there is the user's responsibility.
func lockDataDir(string) (func() error, error) {
	return func() error { return nil }, nil
}
