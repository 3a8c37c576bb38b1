package slack

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/notify/slack/slacktest"
)

// responseURL is where Slack asks a click to be answered.
const responseURL = "https://hooks.slack.com/actions/T0ACME/1234567890/abcdefABCDEF"

func clickPayload(actionID, value string) map[string]any {
	return slacktest.ClickPayload("U0DANA", actionID, value, responseURL)
}

func form(t *testing.T, payload any) []byte { return []byte(slacktest.Form(t, payload)) }

func TestParseInteractionReadsAClick(t *testing.T) {
	in, err := ParseInteraction(form(t, clickPayload(ActionApprove, "c1.approve_batch[2]")))
	require.NoError(t, err)
	assert.Equal(t, Interaction{
		UserID: "U0DANA", TeamID: "T0ACME", ActionID: ActionApprove, Decision: "approve", ApprovalID: "c1.approve_batch[2]",
		ResponseURL: responseURL, ChannelID: "D0DANA", MessageTS: "1764750600.000002",
	}, in)

	in, err = ParseInteraction(form(t, clickPayload(ActionReject, "c1.approve_plan")))
	require.NoError(t, err)
	assert.Equal(t, "reject", in.Decision)
	assert.Equal(t, "c1.approve_plan", in.ApprovalID)
}

func TestParseInteractionTellsTheOpenButtonApart(t *testing.T) {
	in, err := ParseInteraction(form(t, clickPayload(ActionOpen, "")))
	assert.ErrorIs(t, err, ErrNotADecision)
	assert.Equal(t, "U0DANA", in.UserID)
}

func TestParseInteractionRefusesAnythingElse(t *testing.T) {
	with := func(change func(p map[string]any)) []byte {
		p := clickPayload(ActionApprove, "c1.approve_plan")
		change(p)
		return form(t, p)
	}
	for _, tc := range []struct {
		name string
		body []byte
		says string
	}{
		{"no payload", []byte("foo=bar"), "one payload field"},
		{"two payloads", []byte("payload=%7B%7D&payload=%7B%7D"), "one payload field"},
		{"not a form", []byte("payload=%zz"), "not a form"},
		{"payload not JSON", []byte("payload=not+json"), "not valid JSON"},
		{"a modal submission", with(func(p map[string]any) { p["type"] = "view_submission" }), `"view_submission" is not block_actions`},
		{"a shortcut", with(func(p map[string]any) { p["type"] = "shortcut" }), "not block_actions"},
		{"no action", with(func(p map[string]any) { p["actions"] = []any{} }), "carries 0"},
		{"two actions", with(func(p map[string]any) {
			a := p["actions"].([]any)
			p["actions"] = append(a, a[0])
		}), "carries 2"},
		{"another app's button", with(func(p map[string]any) {
			p["actions"].([]any)[0].(map[string]any)["action_id"] = "delete_everything"
		}), `"delete_everything" is not one of Greenlight's buttons`},
		{"no approval id", with(func(p map[string]any) { p["actions"].([]any)[0].(map[string]any)["value"] = "" }), "no approval id"},
		{"no user", with(func(p map[string]any) { p["user"] = map[string]any{} }), "no user"},
		{"no team", with(func(p map[string]any) {
			p["team"] = map[string]any{}
			p["user"] = map[string]any{"id": "U0DANA"}
		}), "no team"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := ParseInteraction(tc.body)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.says)
			assert.Equal(t, Interaction{}, in)
			assert.True(t, strings.HasPrefix(err.Error(), "slack: "))
		})
	}
}
