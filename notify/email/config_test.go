package email

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{Host: "smtp.agency.test", User: "u", Password: "p", From: "a@b.test"}
	require.NoError(t, c.Validate())
	assert.Equal(t, 587, c.port(), "STARTTLS on the submission port by default")
	assert.Equal(t, TLSStartTLS, c.tlsMode())
	assert.False(t, Config{}.Enabled(), "no host: email is off")
}

func TestConfigNamesEveryBadSetting(t *testing.T) {
	err := Config{Port: 70000, TLS: "ssl", From: "not an address", Password: "pw-9137", Timeout: -time.Second}.Validate()
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
