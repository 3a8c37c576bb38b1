// Package credentials resolves the secrets connectors act with (API tokens,
// webhook signing keys) by name, so accounts, playbooks and workflow histories
// only ever name them. A secret comes from the environment
// (GREENLIGHT_CREDENTIAL_<NAME>) or from a secrets file: one JSON object of
// name to value, read again whenever it changes on disk, so rotating a secret
// needs no restart of running campaigns. Values never appear in errors, logs
// or formatted output.
package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// EnvPrefix starts the environment variable that holds a credential.
const EnvPrefix = "GREENLIGHT_CREDENTIAL_"

// maxFile bounds the secrets file read: it holds names and tokens, not data.
const maxFile = 1 << 20

// ErrUnknown says no source holds a credential of that name.
var ErrUnknown = errors.New("credentials: no such credential")

// namePattern is what a credential may be called: it becomes part of an
// environment variable's name.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// ValidName says whether name may name a credential: lower-case letters,
// digits, . _ -, starting with a letter or digit, at most 64.
func ValidName(name string) bool { return namePattern.MatchString(name) }

// Secret is one resolved credential. Its value is only read through Value.
type Secret struct {
	name  string
	value string
}

// Value is the secret itself, for the one call that sends it.
func (s Secret) Value() string { return s.value }

// Name is what the secret is called.
func (s Secret) Name() string { return s.name }

// String, GoString and LogValue name the secret and never show it.
func (s Secret) String() string             { return "credential " + s.name }
func (s Secret) GoString() string           { return "credentials.Secret{" + s.name + "}" }
func (s Secret) LogValue() slog.Value       { return slog.StringValue(s.String()) }
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// Source resolves credentials: the environment first, then the file.
type Source struct {
	// File is the secrets file (GREENLIGHT_CREDENTIALS_FILE); "" reads none.
	File string
	// Lookup reads the environment; os.LookupEnv when nil.
	Lookup func(string) (string, bool)

	mu      sync.Mutex
	modTime time.Time
	size    int64
	values  map[string]string
}

// EnvName is the environment variable that holds the credential name.
func EnvName(name string) string {
	return EnvPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(name))
}

// Get resolves name. The file is read again when it changed since the last
// read, so a rotated secret is used from the next call on.
func (s *Source) Get(name string) (Secret, error) {
	if !ValidName(name) {
		return Secret{}, fmt.Errorf("credentials: %q is not a credential name (lower-case letters, digits, . _ -; at most 64)", name)
	}
	lookup := s.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if v, ok := lookup(EnvName(name)); ok && v != "" {
		return Secret{name: name, value: v}, nil
	}
	if s.File == "" {
		return Secret{}, fmt.Errorf("%w %q: set %s or a secrets file", ErrUnknown, name, EnvName(name))
	}
	values, err := s.read()
	if err != nil {
		return Secret{}, err
	}
	v, ok := values[name]
	if !ok || v == "" {
		return Secret{}, fmt.Errorf("%w %q: not in %s, and %s is not set", ErrUnknown, name, s.File, EnvName(name))
	}
	return Secret{name: name, value: v}, nil
}

// read returns the file's values, reading it again when its size or time
// changed.
func (s *Source) read() (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info, err := os.Stat(s.File)
	if err != nil {
		return nil, fmt.Errorf("credentials: secrets file: %w", err)
	}
	if s.values != nil && info.ModTime().Equal(s.modTime) && info.Size() == s.size {
		return s.values, nil
	}
	if info.Size() > maxFile {
		return nil, fmt.Errorf("credentials: secrets file %s is larger than %d bytes", s.File, maxFile)
	}
	b, err := os.ReadFile(s.File)
	if err != nil {
		return nil, fmt.Errorf("credentials: secrets file: %w", err)
	}
	var values map[string]string
	if err := json.Unmarshal(b, &values); err != nil {
		// The decoder's message may quote the file's contents: name the file only.
		return nil, fmt.Errorf("credentials: secrets file %s is not one JSON object of names to strings", s.File)
	}
	for name := range values {
		if !namePattern.MatchString(name) {
			return nil, fmt.Errorf("credentials: secrets file %s: %q is not a credential name", s.File, name)
		}
	}
	s.values, s.modTime, s.size = values, info.ModTime(), info.Size()
	return values, nil
}
