package credentials

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func writeSecrets(t *testing.T, path, body string, at time.Time) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	require.NoError(t, os.Chtimes(path, at, at))
}

func TestTheEnvironmentComesFirst(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secrets.json")
	writeSecrets(t, file, `{"acme.mastodon": "from-the-file"}`, time.Now())
	s := &Source{File: file, Lookup: env(map[string]string{"GREENLIGHT_CREDENTIAL_ACME_MASTODON": "from-the-env"})}
	got, err := s.Get("acme.mastodon")
	require.NoError(t, err)
	assert.Equal(t, "from-the-env", got.Value())
	assert.Equal(t, "GREENLIGHT_CREDENTIAL_ACME_MASTODON", EnvName("acme.mastodon"))
}

func TestARotatedSecretIsUsedWithoutARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secrets.json")
	t0 := time.Now().Add(-time.Hour)
	writeSecrets(t, file, `{"acme.webhook": "whsec_old"}`, t0)
	s := &Source{File: file, Lookup: env(nil)}
	got, err := s.Get("acme.webhook")
	require.NoError(t, err)
	assert.Equal(t, "whsec_old", got.Value())

	writeSecrets(t, file, `{"acme.webhook": "whsec_new"}`, t0.Add(time.Minute))
	got, err = s.Get("acme.webhook")
	require.NoError(t, err)
	assert.Equal(t, "whsec_new", got.Value(), "read again once the file changed")
}

func TestUnknownAndBadNamesSayWhereTheyWereLookedFor(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secrets.json")
	writeSecrets(t, file, `{"acme.mastodon": "s3cret-value"}`, time.Now())
	s := &Source{File: file, Lookup: env(nil)}

	_, err := s.Get("globex.mastodon")
	require.ErrorIs(t, err, ErrUnknown)
	assert.Contains(t, err.Error(), file)
	assert.Contains(t, err.Error(), "GREENLIGHT_CREDENTIAL_GLOBEX_MASTODON")

	_, err = s.Get("../etc/passwd")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a credential name")

	_, err = (&Source{Lookup: env(nil)}).Get("acme.mastodon")
	require.ErrorIs(t, err, ErrUnknown)
}

func TestABrokenFileNeverQuotesItsContents(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secrets.json")
	writeSecrets(t, file, `{"acme.mastodon": "s3cret-value", oops}`, time.Now())
	_, err := (&Source{File: file, Lookup: env(nil)}).Get("acme.mastodon")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")
	assert.Contains(t, err.Error(), "is not one JSON object")
}

func TestASecretNeverPrintsItsValue(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secrets.json")
	writeSecrets(t, file, `{"acme.mastodon": "s3cret-value"}`, time.Now())
	got, err := (&Source{File: file, Lookup: env(nil)}).Get("acme.mastodon")
	require.NoError(t, err)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("using", "token", got)
	for _, out := range []string{fmt.Sprint(got), fmt.Sprintf("%v %+v %#v %s %q", got, got, got, got, got), logged.String()} {
		assert.NotContains(t, out, "s3cret")
		assert.Contains(t, out, "acme.mastodon")
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"acme.x-token": true, "a": true, "0_a": true, string(bytes.Repeat([]byte("a"), 64)): true,
		"": false, "-a": false, "Acme": false, "a/b": false, "a b": false, string(bytes.Repeat([]byte("a"), 65)): false,
	} {
		assert.Equal(t, want, ValidName(name), name)
	}
}
