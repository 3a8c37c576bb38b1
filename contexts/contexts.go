// Package contexts is the per-user record of the Greenlight APIs this user
// runs, so the CLI finds the token of the API it talks to without anything
// exported: `greenlight dev` records its API URL and where its admin token is,
// and the CLI looks the --api URL up. Like other CLIs' contexts, the record is
// one JSON file in the user's config directory.
//
// A context names the token's file rather than holding the secret: the data
// dir's admin-token stays the only copy (0600), a data dir recreated with a new
// token is still found, and this file holds nothing worth stealing. It is
// written 0600 all the same, as it says which folders hold admin tokens.
package contexts

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the record's name under the user's greenlight config directory.
const FileName = "contexts.json"

// Context is one API this user runs.
type Context struct {
	API       string    `json:"api"`        // the API's base URL, as Key spells it
	TokenFile string    `json:"token_file"` // absolute path of the file holding its token
	DataDir   string    `json:"data_dir,omitempty"`
	Recorded  time.Time `json:"recorded"`
}

// file is the record on disk.
type file struct {
	Contexts map[string]Context `json:"contexts"` // by Key(API)
}

// Path is where the record lives: greenlight/contexts.json under
// os.UserConfigDir ($XDG_CONFIG_HOME, else ~/.config, on Linux).
func Path() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user config directory: %w", err)
	}
	return filepath.Join(dir, "greenlight", FileName), nil
}

// Key spells an API URL the one way the record is keyed by, so
// "HTTP://127.0.0.1:8095/" finds what dev recorded as "http://127.0.0.1:8095".
func Key(api string) string {
	api = strings.TrimRight(strings.TrimSpace(api), "/")
	u, err := url.Parse(api)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return api
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return u.String()
}

// Lookup returns the context recorded at path for api, and whether there is one.
// A missing record is no error: nothing was recorded yet.
func Lookup(path, api string) (Context, bool, error) {
	f, err := read(path)
	if err != nil {
		return Context{}, false, err
	}
	c, ok := f.Contexts[Key(api)]
	return c, ok, nil
}

// All returns every context recorded at path, by key.
func All(path string) (map[string]Context, error) {
	f, err := read(path)
	if err != nil {
		return nil, err
	}
	return f.Contexts, nil
}

// Record adds cs to the record at path, replacing contexts of the same APIs.
// The file is replaced atomically (a reader sees the old record or the new,
// never half of one); two processes recording at the same moment may lose one
// of the two updates, which the next start of that process records again.
func Record(path string, cs ...Context) error {
	f, err := read(path)
	if err != nil {
		return err
	}
	if f.Contexts == nil {
		f.Contexts = map[string]Context{}
	}
	for _, c := range cs {
		c.API = Key(c.API)
		if c.TokenFile != "" {
			abs, err := filepath.Abs(c.TokenFile)
			if err != nil {
				return fmt.Errorf("resolve token file %s: %w", c.TokenFile, err)
			}
			c.TokenFile = abs
		}
		f.Contexts[c.API] = c
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode contexts: %w", err)
	}
	return writeAtomic(path, append(b, '\n'))
}

func read(path string) (file, error) {
	var f file
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("read contexts %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("read contexts %s: %w (delete the file; `greenlight dev` records it again)", path, err)
	}
	return f, nil
}

// writeAtomic writes b to a 0600 temporary file beside path and renames it
// over path.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes it 0600; said again so a changed default cannot widen it.
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	done = true
	return nil
}
