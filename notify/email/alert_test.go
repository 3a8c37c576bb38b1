package email

import (
	"html"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
)

// alertNotice is a spam-wave alert for Olga, its list cut after three
// accounts, one of them with a hostile handle.
func alertNotice() notify.Notice {
	key := notify.Key("c1/week/1/classify/spam-wave", "olga", Channel, api.NoticeAlert, 0)
	return notify.Notice{
		Key: key, Kind: api.NoticeAlert, ThreadKey: "c1/week/1/classify/spam-wave",
		Recipient: notify.Recipient{PersonID: "olga", Name: "Olga Owner", Address: "olga@acme.test"},
		Alert: &notify.Alert{
			Type: api.AlertSpamWave, Client: "acme", CampaignID: "c1", Step: "week/1/classify",
			Title: "Spam wave on Acme's new followers: 14 of 20 look like spam or bots",
			Text:  "14 of the 20 accounts that followed Acme since the last check look like spam or bots.",
			Total: 20, Suspicious: 14,
			Items: []notify.AlertItem{
				{Handle: "@cheap_deals_000123", Class: "spam", Reason: "links to a shop in every reply", DrivenBy: "week/1/follow"},
				{Handle: "@sourdough00012345", Class: "bot", Reason: "numbered handle, no posts", DrivenBy: "week/1/follow"},
				{Handle: hostilePost, Class: "bot", Reason: "no profile picture"},
			},
			More: 11,
		},
	}
}

func TestAnAlertTellsWhatHappenedWithTheListAndAsksNothing(t *testing.T) {
	r := render(t, alertNotice())

	assert.Equal(t, "Spam wave on Acme's new followers: 14 of 20 look like spam or bots", r.Subject(t))
	assert.Equal(t, api.NoticeAlert, r.Header.Get(HeaderKind))
	assert.Equal(t, api.AlertSpamWave, r.Header.Get(HeaderAlert))
	assert.Empty(t, r.Header.Get(HeaderApproval), "an alert is about no approval")
	assert.Empty(t, r.Header.Get("In-Reply-To"), "an alert answers no request")
	assert.Regexp(t, `^<notice\.[0-9a-f]{32}@greenlight\.test>$`, r.Header.Get("Message-ID"))
	assert.Equal(t, "auto-generated", r.Header.Get("Auto-Submitted"))

	for _, want := range []string{
		"14 of the 20 accounts that followed Acme since the last check look like spam or bots.\n\n",
		"- @cheap_deals_000123 (spam): links to a shop in every reply; drawn by week/1/follow\n",
		"- @sourdough00012345 (bot): numbered handle, no posts; drawn by week/1/follow\n",
		"- " + hostilePost + " (bot): no profile picture\n",
		"- and 11 more\n",
		"Client acme, campaign c1, step week/1/classify.",
	} {
		assert.Contains(t, r.Text, want)
	}
	page := html.UnescapeString(r.HTML)
	for _, want := range []string{
		"Spam wave on Acme's new followers", "14 of the 20 accounts", "@cheap_deals_000123", "links to a shop in every reply",
		"Drawn by week/1/follow", "@sourdough00012345", "…and 11 more", "Client acme · campaign c1 · step week/1/classify",
	} {
		assert.Contains(t, page, want)
	}
	assert.Contains(t, r.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "a handle is text, not markup")

	lower := strings.ToLower(r.HTML)
	for _, never := range []string{"<script", "<img", "<a ", "href=", "approve", "reject", "answer by"} {
		assert.NotContains(t, lower, never, "an alert has no buttons, links or deadline")
	}
	for _, never := range []string{"Approve:", "Reject:", "Open:", "do not forward"} {
		assert.NotContains(t, r.Text, never)
	}
}

func TestAnAlertWithoutItsContentIsNeverSent(t *testing.T) {
	n := alertNotice()
	n.Alert = nil
	_, err := Message(n, testFrom, "")
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err))
	assert.Contains(t, err.Error(), "an alert without its content")
}
