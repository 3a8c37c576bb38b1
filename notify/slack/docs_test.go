package slack

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var manifestExample = regexp.MustCompile("(?s)<!-- slack-manifest:start -->\n```yaml\n(.*?)```\n<!-- slack-manifest:end -->")

// TestDocumentedManifest keeps the Slack app manifest in docs/notifications.md
// to what this package needs: the scopes its calls use, and interactivity
// pointed at the endpoint that takes the clicks.
func TestDocumentedManifest(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "notifications.md"))
	require.NoError(t, err)
	m := manifestExample.FindSubmatch(doc)
	require.NotNil(t, m, "docs/notifications.md has no manifest between its markers")
	var manifest struct {
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	require.NoError(t, yaml.Unmarshal(m[1], &manifest))
	// chat.postMessage and chat.update need chat:write; conversations.open im:write.
	assert.Equal(t, []string{"chat:write", "im:write"}, manifest.OAuth.Scopes.Bot)
	assert.True(t, manifest.Settings.Interactivity.Enabled)
	assert.Equal(t, "https://<greenlight>/v1/slack/interactions", manifest.Settings.Interactivity.RequestURL)
	for _, env := range []string{"GREENLIGHT_SLACK_TOKEN_FILE", "GREENLIGHT_SLACK_TOKEN", "GREENLIGHT_SLACK_SIGNING_SECRET_FILE", "GREENLIGHT_SLACK_SIGNING_SECRET"} {
		assert.Contains(t, string(doc), "`"+env+"`")
	}
}
