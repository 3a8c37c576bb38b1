package slacktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Team is the workspace every click comes from.
const Team = "T0ACME"

// Click is a member's click on a button of an approval message, as Slack
// sends it to the app's interactivity URL.
type Click struct {
	UserID      string // the member who clicked, e.g. U0DANA
	ActionID    string // the button, e.g. greenlight_approve
	ApprovalID  string // the button's value
	ResponseURL string // where the app may answer the click
	Secret      string // the app's signing secret
	At          time.Time
}

// Request is c as an HTTP request to target (the interactivity URL): its
// payload in a form, signed with c.Secret at c.At.
func (c Click) Request(t testing.TB, target string) *http.Request {
	t.Helper()
	return Signed(t, target, c.Secret, c.At, Form(t, ClickPayload(c.UserID, c.ActionID, c.ApprovalID, c.ResponseURL)))
}

// ClickPayload is a block_actions payload in the shape Slack sends when
// member userID clicks button actionID, carrying value, on a message the app
// posted to the member's DM. Tests change it to make it wrong.
func ClickPayload(userID, actionID, value, responseURL string) map[string]any {
	name := strings.ToLower(strings.TrimLeft(userID, "UW0"))
	return map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": userID, "username": name, "name": name, "team_id": Team},
		"api_app_id": "A0GREEN",
		"token":      "verification-token-not-used",
		"container":  map[string]any{"type": "message", "message_ts": "1764750600.000002", "channel_id": DM(userID), "is_ephemeral": false},
		"trigger_id": "12466734323.1395872398",
		"team":       map[string]any{"id": Team, "domain": "acme"},
		"enterprise": nil,
		"channel":    map[string]any{"id": DM(userID), "name": "directmessage"},
		"message": map[string]any{"type": "message", "user": "U0BOT", "ts": "1764750600.000002", "bot_id": "B0GREEN", "text": "Week 2's posts",
			"blocks": []any{map[string]any{"type": "header", "block_id": "h", "text": map[string]any{"type": "plain_text", "text": "Week 2's posts"}}}},
		"state":        map[string]any{"values": map[string]any{}},
		"response_url": responseURL,
		"actions": []any{map[string]any{"action_id": actionID, "block_id": "greenlight_decision", "value": value, "type": "button",
			"text": map[string]any{"type": "plain_text", "text": "Approve", "emoji": false}, "style": "primary", "action_ts": "1764750612.840180"}},
	}
}

// Form is the body Slack sends a payload in: one form field, payload, holding
// it as JSON.
func Form(t testing.TB, payload any) string {
	t.Helper()
	b, err := json.Marshal(payload)
	require.NoError(t, err)
	return url.Values{"payload": {string(b)}}.Encode()
}

// Signed is a POST of body to target as Slack signs it: the timestamp in
// seconds and v0= HMAC-SHA256 with secret over "v0:<ts>:<body>", in hex.
func Signed(t testing.TB, target, secret string, at time.Time, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	require.NoError(t, err)
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}
