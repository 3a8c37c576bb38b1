package email

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
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func TestConfigFromEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "smtp-password")
	require.NoError(t, os.WriteFile(file, []byte("from-the-file\n"), 0o600))

	c, err := ConfigFromEnv(env(map[string]string{
		EnvHost: "smtp.agency.test", EnvPort: "2525", EnvTLS: "tls", EnvUser: "greenlight",
		EnvPasswordFile: file, EnvFrom: "Greenlight <greenlight@agency.test>", EnvTimeout: "10s",
	}))
	require.NoError(t, err)
	assert.Equal(t, Config{
		Host: "smtp.agency.test", Port: 2525, TLS: TLSImplicit, User: "greenlight", Password: "from-the-file",
		From: "Greenlight <greenlight@agency.test>", Timeout: 10 * time.Second,
	}, c)
	require.NoError(t, c.Validate())

	c, err = ConfigFromEnv(env(map[string]string{EnvHost: "smtp.agency.test", EnvPassword: "from-the-env", EnvUser: "u", EnvFrom: "a@b.test"}))
	require.NoError(t, err)
	assert.Equal(t, "from-the-env", c.Password)
	assert.Equal(t, 587, c.port(), "STARTTLS on the submission port by default")
	assert.Equal(t, TLSStartTLS, c.tlsMode())

	c, err = ConfigFromEnv(env(nil))
	require.NoError(t, err)
	assert.False(t, c.Enabled(), "no host: email is off")
}

func TestConfigFromEnvNamesEveryBadSetting(t *testing.T) {
	_, err := ConfigFromEnv(env(map[string]string{
		EnvPort: "smtp", EnvTimeout: "soon", EnvPassword: "x", EnvPasswordFile: "/nonexistent/password",
	}))
	require.Error(t, err)
	for _, name := range []string{EnvPort, EnvTimeout, "not both", "/nonexistent/password"} {
		assert.ErrorContains(t, err, name)
	}
	assert.NotContains(t, err.Error(), `"x"`)

	err = Config{Port: 70000, TLS: "ssl", From: "not an address", Password: "pw-9137", Timeout: -time.Second}.Validate()
	require.Error(t, err)
	for _, name := range []string{EnvHost, EnvPort, EnvTLS, EnvFrom, EnvUser, EnvTimeout} {
		assert.ErrorContains(t, err, name)
	}
	assert.NotContains(t, err.Error(), "pw-9137")
}

func TestConfigNeverPrintsThePassword(t *testing.T) {
	const password = "s3cret-Pa55word"
	c := Config{Host: "smtp.agency.test", User: "greenlight", Password: password, From: "a@b.test"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("relay", "smtp", c)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("relay", "smtp", c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), logged.String()} {
		assert.NotContains(t, s, password)
		assert.Contains(t, s, "smtp.agency.test")
	}
	assert.Contains(t, logged.String(), `"password_set":true`)
}
