package notify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
)

func TestAnAlertIsANoticeThatAsksNothing(t *testing.T) {
	n := Notice{
		Key: Key("c1/week/1/classify/spam-wave", "olga", "email", api.NoticeAlert, 0), Kind: api.NoticeAlert,
		ThreadKey: "c1/week/1/classify/spam-wave", Recipient: Recipient{PersonID: "olga", Address: "olga@acme.test"},
		Alert: &Alert{
			Type: api.AlertSpamWave, Client: "acme", CampaignID: "c1", Step: "week/1/classify",
			Title: "Spam wave on Acme's new followers:\n14 of 20 look like spam or bots",
			Text:  "Block them.",
			Items: []AlertItem{{Handle: "@x\r\n", Class: "bot", Reason: "no posts", DrivenBy: "week/1/follow"}, {Handle: "@y"}},
			More:  3,
		},
	}
	require.NoError(t, n.Check())
	assert.Equal(t, "Spam wave on Acme's new followers: 14 of 20 look like spam or bots", n.Subject(), "one line")
	assert.Equal(t, "Block them.", n.Lead())
	assert.False(t, n.Actionable())
	assert.Equal(t, "Block them.\n\n- @x (bot): no posts; drawn by week/1/follow\n- @y\n- and 3 more\n\nClient acme, campaign c1, step week/1/classify.\n",
		n.Alert.PlainText())

	n.Alert.Title = " "
	assert.ErrorContains(t, n.Check(), "an alert without its content")
	n.Alert = nil
	assert.True(t, IsPermanent(n.Check()))
}
