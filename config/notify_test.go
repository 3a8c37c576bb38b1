package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lookupOf(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestNotifySecretsComeFromFiles(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "smtp-password")
	require.NoError(t, os.WriteFile(pw, []byte("hunter2-from-file\n"), 0o600))
	c := Defaults()
	c.FromEnv(lookupOf(map[string]string{
		"GREENLIGHT_SMTP_HOST": "smtp.agency.example", "GREENLIGHT_SMTP_USER": "greenlight",
		"GREENLIGHT_SMTP_PASSWORD": "from-env", "GREENLIGHT_SMTP_PASSWORD_FILE": pw,
		"GREENLIGHT_SMTP_FROM":    "Greenlight <approvals@agency.example>",
		"GREENLIGHT_WEBHOOK_URLS": " https://a.example/hook , https://b.example/hook?token=x ", "GREENLIGHT_WEBHOOK_SECRET": "whsec_dGVzdA==",
	}))
	require.NoError(t, c.Validate())
	assert.Equal(t, "hunter2-from-file", c.Notify.SMTPPassword, "the file wins over the variable")
	assert.Equal(t, []string{"https://a.example/hook", "https://b.example/hook?token=x"}, c.Notify.WebhookURLs)
}

func TestNotifySettingsAreValidated(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad port", map[string]string{"GREENLIGHT_SMTP_HOST": "smtp.example", "GREENLIGHT_SMTP_FROM": "a@b.example", "GREENLIGHT_SMTP_PORT": "99999"}, "GREENLIGHT_SMTP_PORT \"99999\" is not a port"},
		{"user without password", map[string]string{"GREENLIGHT_SMTP_HOST": "smtp.example", "GREENLIGHT_SMTP_FROM": "a@b.example", "GREENLIGHT_SMTP_USER": "u"}, "without GREENLIGHT_SMTP_PASSWORD"},
		{"slack without signing secret", map[string]string{"GREENLIGHT_SLACK_TOKEN": "xoxb-1"}, "without GREENLIGHT_SLACK_SIGNING_SECRET"},
		{"webhooks without secret", map[string]string{"GREENLIGHT_WEBHOOK_URLS": "https://a.example/h"}, "without GREENLIGHT_WEBHOOK_SECRET"},
		{"webhook not a URL", map[string]string{"GREENLIGHT_WEBHOOK_URLS": "ftp://a.example/h?token=s3cret", "GREENLIGHT_WEBHOOK_SECRET": "whsec_x"}, `"ftp://a.example/h" is not an http(s) URL`},
		{"unreadable secret file", map[string]string{"GREENLIGHT_SLACK_TOKEN_FILE": "/nonexistent/slack-token", "GREENLIGHT_SLACK_SIGNING_SECRET": "x"}, "GREENLIGHT_SLACK_TOKEN_FILE /nonexistent/slack-token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			c.FromEnv(lookupOf(tc.env))
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.False(t, strings.Contains(err.Error(), "s3cret"), "a URL's token never shows in an error")
		})
	}
}
