package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// spamWaveHarness is the notice harness with campaign c2 of Acme Bakery, whose
// weekly.1.classify found 14 spam and bot accounts among 20 new followers
// (30 of them listed, to show the cap) and raised an alert.
func spamWaveHarness(t *testing.T) (*noticeHarness, activities.NoticeEvent) {
	h := newNoticeHarness(t, "")
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, h.st.CreateCampaign(ctx, &store.Campaign{
		ID: "c2", WorkflowID: api.CampaignWorkflowID("c2"), ClientID: "acme", Playbook: "audience-expansion", PlaybookVersion: 1,
		Params: `{"brand":"Acme Bakery"}`, Status: api.StatusRunning, CreatedAt: now, UpdatedAt: now,
	}))
	followers := []any{map[string]any{"handle": "@real_person", "class": "genuine", "reason": "posts regularly", "driven_by": "weekly.1.follow"}}
	for i := range 30 {
		class := "bot"
		if i%2 == 0 {
			class = "spam"
		}
		followers = append(followers, map[string]any{"handle": fmt.Sprintf("@acct%02d", i), "class": class, "reason": "no posts", "driven_by": "weekly.1.follow"})
	}
	out, err := json.Marshal(map[string]any{
		"total": 40, "genuine": 10, "spam": 15, "bot": 15, "spam_wave": true, "followers": followers,
		"answer": "Yes: 30 of 40 new followers (75%) look like spam or bots; block them and slow the outreach down.",
	})
	require.NoError(t, err)
	_, _, err = h.st.RecordPlatformAction(ctx, store.PlatformAction{
		IdempotencyKey: "c2/weekly.1.classify", Platform: "sandbox", ClientID: "acme", CampaignID: "c2",
		Action: "classify_followers", Input: "{}", Output: string(out),
	})
	require.NoError(t, err)
	return h, activities.NoticeEvent{
		Key: activities.AlertKey("c2/weekly.1.classify"), Kind: api.NoticeAlert, CampaignID: "c2", Client: "acme", At: now,
	}
}

func (h *noticeHarness) alertDelivery(t *testing.T, e activities.NoticeEvent, person, channel string) *store.Delivery {
	t.Helper()
	d, err := h.st.GetDelivery(context.Background(), activities.DeliveryRequest{Event: e, Person: person, Channel: activities.NoticeChannel{Kind: channel}}.Key())
	require.NoError(t, err)
	return d
}

func TestAnAlertGoesToTheAccountOwner(t *testing.T) {
	h, e := spamWaveHarness(t)
	h.dir["olga@acme"] = activities.Person{ID: "olga@acme", Name: "Olga", Roles: []string{api.RoleAccountOwner}, Channels: []api.PersonChannel{
		{Kind: api.ChannelKindSlack, Address: "U0OLGA"}, {Kind: api.ChannelKindEmail, Address: "olga@acme.example"},
	}}

	res := h.tell(t, e)
	assert.Equal(t, workflows.NoticeResult{Sent: 2}, res, "the owner, and the webhook subscription")
	assert.Empty(t, h.box.to("dana@acme.example"), "not the owner")
	assert.Empty(t, h.box.to("lee@agency.example"), "not the owner")
	assert.Empty(t, h.box.to("olga@acme.example"), "her first channel carried it")
	got := h.box.to("U0OLGA")
	require.Len(t, got, 1)
	m := got[0]
	assert.Equal(t, api.NoticeAlert, m.Kind)
	require.NotNil(t, m.Alert)
	assert.Equal(t, "Spam wave on Acme Bakery's new followers: 30 of 40 look like spam or bots", m.Subject())
	assert.Contains(t, m.Lead(), "30 of the 40 accounts that followed Acme Bakery since the last check look like spam or bots")
	assert.Contains(t, m.Lead(), "block them and slow the outreach down", "the check's own advice")
	assert.Equal(t, api.AlertSpamWave, m.Alert.Type)
	assert.Equal(t, "weekly.1.classify", m.Alert.Step)
	require.Len(t, m.Alert.Items, 25, "the list is capped")
	assert.Equal(t, 5, m.Alert.More)
	assert.Equal(t, "@acct00", m.Alert.Items[0].Handle, "genuine followers are not listed")
	assert.Equal(t, "spam", m.Alert.Items[0].Class)
	assert.Equal(t, "weekly.1.follow", m.Alert.Items[0].DrivenBy)
	assert.False(t, m.Actionable())
	assert.Empty(t, m.Links, "an alert decides nothing")
	require.NoError(t, m.Check())

	hook := h.box.to("https://hooks.example/greenlight?token=s3cret")
	require.Len(t, hook, 1)
	assert.Equal(t, m.Alert.Title, hook[0].Alert.Title)

	d := h.alertDelivery(t, e, "olga@acme", api.ChannelKindSlack)
	assert.Equal(t, api.DeliverySent, d.Status)
	assert.Equal(t, api.NoticeAlert, d.Kind)
	assert.Empty(t, d.ApprovalID, "an alert belongs to no approval")
	assert.Equal(t, "c2", d.CampaignID)
	assert.Equal(t, "acme", d.ClientID)

	// Told again (a second dispatcher), it sends nothing.
	h.tell(t, e)
	assert.Len(t, h.box.to("U0OLGA"), 1)
}

func TestAnAlertGoesToEveryoneOfTheClientWithoutAnOwner(t *testing.T) {
	h, e := spamWaveHarness(t)
	res := h.tell(t, e)
	assert.Equal(t, workflows.NoticeResult{Sent: 3}, res, "dana, lee and the webhook subscription")
	for _, address := range []string{"dana@acme.example", "lee@agency.example"} {
		got := h.box.to(address)
		require.Len(t, got, 1, address)
		assert.Equal(t, "Spam wave on Acme Bakery's new followers: 30 of 40 look like spam or bots", got[0].Subject())
	}
	assert.Empty(t, h.box.to("U0DANA"), "dana's email worked")
}

func TestAnAlertWhoseActionIsNotOnRecordTellsNobody(t *testing.T) {
	h, e := spamWaveHarness(t)
	e.Key = activities.AlertKey("c2/weekly.9.classify")
	res := h.tell(t, e)
	assert.Equal(t, 0, res.Sent)
	assert.Contains(t, res.Skipped, "c2/weekly.9.classify")
	assert.Contains(t, res.Skipped, "not on record")
}
