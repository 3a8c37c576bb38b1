package contexts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecordThenLookupBySpellingsOfTheSameURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "greenlight", FileName)
	_, ok, err := Lookup(path, "http://127.0.0.1:8095")
	require.NoError(t, err, "no record yet is no error")
	assert.False(t, ok)

	require.NoError(t, Record(path, Context{API: "http://127.0.0.1:8095", TokenFile: "/data/x/admin-token"}))
	require.NoError(t, Record(path, Context{API: "http://127.0.0.1:8096/", TokenFile: "/data/y/admin-token"}))

	for _, api := range []string{"http://127.0.0.1:8095", "HTTP://127.0.0.1:8095/", " http://127.0.0.1:8095 "} {
		c, ok, err := Lookup(path, api)
		require.NoError(t, err)
		require.True(t, ok, api)
		assert.Equal(t, "/data/x/admin-token", c.TokenFile, api)
	}
	c, ok, err := Lookup(path, "http://127.0.0.1:8096")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "/data/y/admin-token", c.TokenFile)
	_, ok, err = Lookup(path, "http://127.0.0.1:8080")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestRecordReplacesTheSameAPIAndKeepsTheFilePrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "greenlight", FileName)
	require.NoError(t, Record(path, Context{API: "http://127.0.0.1:8095", TokenFile: "/a/admin-token"}))
	require.NoError(t, Record(path, Context{API: "http://127.0.0.1:8095/", TokenFile: "rel/admin-token"}))

	all, err := All(path)
	require.NoError(t, err)
	require.Len(t, all, 1)
	c := all["http://127.0.0.1:8095"]
	assert.True(t, filepath.IsAbs(c.TokenFile), "a relative path is recorded absolute: %s", c.TokenFile)
	assert.Equal(t, "admin-token", filepath.Base(c.TokenFile))

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left beside the record")
}

func TestBrokenRecordSaysWhichFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	_, _, err := Lookup(path, "http://127.0.0.1:8095")
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Error(t, Record(path, Context{API: "http://x"}), "a broken record is not overwritten blindly")
}

func TestPathFollowsXDGConfigHome(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	p, err := Path()
	require.NoError(t, err)
	if filepath.Dir(filepath.Dir(p)) == dir { // os.UserConfigDir reads XDG on Unix but not on macOS/Windows
		assert.Equal(t, filepath.Join(dir, "greenlight", FileName), p)
	}
	assert.Equal(t, FileName, filepath.Base(p))
}
