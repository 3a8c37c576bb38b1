package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify/email"
	"github.com/greenlight/greenlight/notify/slack/slacktest"
	"github.com/greenlight/greenlight/notify/webhook"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// TestSpamWaveAlertEndToEnd: a campaign follows accounts that turn out to be
// bots, its classify_followers finds a wave, and the client's account owners
// hear of it on the real stack, each through their first channel (Olga by
// email at an SMTP relay, Sam on a fake Slack), with the list of accounts;
// the webhook subscription gets followers.spam_wave. Pat, of the client but
// not an owner, and Eve, another client's owner, hear nothing.
func TestSpamWaveAlertEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	n, cfg := startNotifyE2E(t)
	d := n.d
	for _, p := range []string{
		`{"id":"olga@acme","name":"Olga","clients":["acme"],"roles":["account-owner"],"channels":[{"kind":"email","address":"olga@acme.example"},{"kind":"slack","address":"U0OLGA"}]}`,
		`{"id":"sam@acme","name":"Sam","clients":["acme"],"roles":["account-owner","client-marketing-lead"],"channels":[{"kind":"slack","address":"U0SAM"}]}`,
		`{"id":"pat@acme","name":"Pat","clients":["acme"],"roles":["client-marketing-lead"],"channels":[{"kind":"email","address":"pat@acme.example"}]}`,
		`{"id":"eve@other","name":"Eve","clients":["other"],"roles":["account-owner"],"channels":[{"kind":"email","address":"eve@other.example"}]}`,
	} {
		code, _, body := as(t, d.APIURL, d.AdminToken, "POST", "/v1/people", p)
		require.Equal(t, http.StatusCreated, code, body)
	}

	// Twelve bots and two people: every bot follows back, so the first
	// check finds a wave.
	accounts := []any{"@the_sourdough_fan1", "@daily_bread_club2"}
	for i := range 12 {
		accounts = append(accounts, fmt.Sprintf("@bakery%08d", 31000000+i))
	}
	gl := apiClient{t: t, base: d.APIURL}
	var c api.CampaignView
	resp := gl.do("POST", "/v1/campaigns", map[string]any{
		"playbook": "e2e-followers", "client": "acme", "params": map[string]any{"brand": "Acme Bakery", "accounts": accounts},
	}, nil, &c)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	c = gl.waitFor(c.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })
	var found struct {
		Total, Spam, Bot int
		SpamWave         bool `json:"spam_wave"`
		Followers        []struct{ Handle, Class string }
	}
	for _, s := range c.Steps {
		if s.Key == "classify" {
			require.NoError(t, json.Unmarshal(s.Output, &found))
		}
	}
	require.True(t, found.SpamWave, "the sandbox reports a wave: %+v", found)
	suspicious := found.Spam + found.Bot
	subject := fmt.Sprintf("Spam wave on Acme Bakery's new followers: %d of %d look like spam or bots", suspicious, found.Total)

	// Olga's email, as her mail client shows it: the subject, what it means,
	// the list, and nothing to click.
	m := n.email(t, "olga@acme.example", api.NoticeAlert)
	assert.Equal(t, subject, m.Subject(t))
	to, err := mail.ParseAddress(m.Header.Get("To"))
	require.NoError(t, err)
	assert.Equal(t, mail.Address{Name: "Olga", Address: "olga@acme.example"}, *to)
	assert.Equal(t, api.AlertSpamWave, m.Header.Get(email.HeaderAlert))
	assert.Empty(t, m.Header.Get(email.HeaderApproval))
	assert.Contains(t, m.Text, fmt.Sprintf("%d of the %d accounts that followed Acme Bakery since the last check look like spam or bots", suspicious, found.Total))
	assert.Contains(t, m.Text, "block them and slow the outreach down")
	page := html.UnescapeString(m.HTML)
	listed := 0
	for _, f := range found.Followers {
		if f.Class == "genuine" {
			assert.NotContains(t, m.Text, f.Handle+" (", "only spam and bots are listed")
			continue
		}
		listed++
		assert.Contains(t, m.Text, "- "+f.Handle+" ("+f.Class+"): ")
		assert.Contains(t, page, f.Handle)
	}
	assert.Equal(t, suspicious, listed)
	assert.Contains(t, m.Text, "drawn by follow")
	for _, never := range []string{"Approve", "Reject", "Open:", "http://", "https://"} {
		assert.NotContains(t, m.Text, never)
	}
	assert.NotContains(t, strings.ToLower(m.HTML), "href=")

	// Sam's Slack DM: the same alert, without buttons.
	post := n.slackCall(t, "chat.postMessage", slacktest.DM("U0SAM"))
	assert.Equal(t, subject, post.Args.Get("text"))
	require.NotEmpty(t, post.Blocks)
	for _, b := range post.Blocks {
		assert.NotEqual(t, "actions", b["type"], "an alert asks nothing")
	}

	// The subscription's signed event.
	e := n.webhooks.event(t, webhook.TypeSpamWave)
	assert.Equal(t, subject, e.Data.Title)
	assert.Equal(t, "acme", e.Data.Client)

	// The notice workflow told exactly those three, and the deliveries are on
	// record under the campaign, with no approval.
	tc, err := client.Dial(client.Options{HostPort: d.TemporalAddr, Namespace: cfg.Namespace})
	require.NoError(t, err)
	defer tc.Close()
	var res workflows.NoticeResult
	key := activities.AlertKey(c.ID + "/classify")
	require.NoError(t, tc.GetWorkflow(context.Background(), workflows.NoticeWorkflowID(key), "").Get(context.Background(), &res))
	assert.Equal(t, workflows.NoticeResult{Sent: 3}, res)
	var rows []store.Delivery
	require.NoError(t, d.Store.DB().Where("campaign_id = ?", c.ID).Order("key").Find(&rows).Error)
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r.Kind, r.PersonID, r.Channel, r.Status, r.ApprovalID}, " "))
	}
	assert.ElementsMatch(t, []string{"alert olga@acme email sent ", "alert sam@acme slack sent ", "alert  webhook sent "}, got)
	for _, d := range n.relay.Deliveries() {
		assert.NotContains(t, d.To, "pat@acme.example")
		assert.NotContains(t, d.To, "eve@other.example")
	}
	assert.Empty(t, n.slackCalls("chat.postMessage", slacktest.DM("U0OLGA")), "Olga's email worked")
}
