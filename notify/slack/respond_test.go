package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/notify/slack/slacktest"
)

func responder(t *testing.T, hosts ...string) *Client {
	t.Helper()
	c, err := New(Config{Token: testToken, ResponseHosts: hosts})
	require.NoError(t, err)
	return c
}

func TestRespondRefusesAClickEphemerally(t *testing.T) {
	h := slacktest.NewHooks(t)
	c := responder(t, h.URL)
	err := c.Respond(context.Background(), h.URL+"/actions/T0ACME/1/abc", Response{Text: "You may not decide this: <@U0BOSS> asked for it", Ephemeral: true})
	require.NoError(t, err)
	got := h.Received()
	require.Len(t, got, 1)
	assert.Equal(t, map[string]any{"text": "You may not decide this: &lt;@U0BOSS&gt; asked for it", "response_type": "ephemeral",
		"replace_original": false, "delete_original": false}, got[0].Body)
	assert.Equal(t, "/actions/T0ACME/1/abc", got[0].Path)
}

func TestRespondReplacesTheMessageAfterADecision(t *testing.T) {
	h := slacktest.NewHooks(t)
	c := responder(t, h.URL)
	a := approval(t, weekPreview)
	a.Status, a.DecidedBy, a.Decided = "approved", "dana@acme", "Thu 3 Dec 08:30 CET"
	require.NoError(t, c.Respond(context.Background(), h.URL+"/actions/x", Response{Text: DecidedText(a), Blocks: Decided(a), ReplaceOriginal: true}))
	got := h.Received()[0].Body
	assert.Equal(t, true, got["replace_original"])
	assert.Nil(t, got["response_type"])
	blocks := got["blocks"].([]any)
	assert.Equal(t, "header", blocks[0].(map[string]any)["type"])
	assert.Contains(t, got["text"], "Approved by dana@acme, Thu 3 Dec 08:30 CET")
}

func TestRespondGoesOnlyToAllowedHosts(t *testing.T) {
	h := slacktest.NewHooks(t)
	other := slacktest.NewHooks(t)
	c := responder(t, h.URL)
	for _, u := range []string{
		other.URL + "/actions/x",                 // another host, on another port
		"https://evil.example/actions/x",         // another host
		"https://" + h.URL + "@evil.example/x",   // the allowed host as a user name
		"http://user:pw@" + h.URL + "/actions/x", // credentials
		"/actions/x",                             // not absolute
		"ftp://" + h.URL + "/x",                  // another scheme
	} {
		err := c.Respond(context.Background(), u, Response{Text: "hi", Ephemeral: true})
		require.Error(t, err, u)
		assert.True(t, IsPermanent(err), u)
	}
	assert.Empty(t, h.Received())
	assert.Empty(t, other.Received())

	// By default only Slack's hooks host, over https, is allowed.
	def := responder(t)
	err := def.Respond(context.Background(), h.URL+"/actions/x", Response{Text: "hi", Ephemeral: true})
	assert.ErrorContains(t, err, "not one of the allowed hosts [hooks.slack.com]")
	assert.True(t, IsPermanent(err))
	// A bare host means https: plain http to it is refused.
	err = responder(t, "hooks.example", strings.TrimPrefix(h.URL, "http://")).Respond(context.Background(), "http://"+strings.TrimPrefix(h.URL, "http://")+"/actions/x", Response{Text: "hi"})
	assert.ErrorContains(t, err, "not one of the allowed hosts")
	assert.Empty(t, h.Received())
}

func TestRespondSaysWhetherToTryAgain(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		retryAfter string
		permanent  bool
		wait       time.Duration
	}{
		{"expired url", 404, "expired_url", "", true, 0},
		{"ok:false", 200, `{"ok":false,"error":"used_url"}`, "", true, 0},
		{"rate limited", 429, "", "3", false, 3 * time.Second},
		{"server error", 502, "", "", false, 0},
		{"plain ok", 200, "ok", "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := slacktest.NewHooks(t)
			h.Answer(tc.status, tc.body, tc.retryAfter)
			err := responder(t, h.URL).Respond(context.Background(), h.URL+"/actions/s3cret", Response{Text: "hi", Ephemeral: true})
			if tc.name == "plain ok" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.permanent, IsPermanent(err), err.Error())
			d, _ := RetryAfter(err)
			assert.Equal(t, tc.wait, d)
			assert.NotContains(t, err.Error(), "s3cret", "the response_url's path stays out of errors")
		})
	}
}

func TestRespondIsEitherEphemeralOrAReplacement(t *testing.T) {
	h := slacktest.NewHooks(t)
	err := responder(t, h.URL).Respond(context.Background(), h.URL+"/x", Response{Text: "hi", Ephemeral: true, ReplaceOriginal: true})
	assert.True(t, IsPermanent(err))
	assert.Empty(t, h.Received())
}

func TestRespondOverADeadConnectionIsTransient(t *testing.T) {
	h := slacktest.NewHooks(t)
	c := responder(t, h.URL)
	h.Close()
	err := c.Respond(context.Background(), h.URL+"/actions/s3cret", Response{Text: "hi", Ephemeral: true})
	require.Error(t, err)
	assert.False(t, IsPermanent(err))
	assert.NotContains(t, err.Error(), "s3cret")
}
