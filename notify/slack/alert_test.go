package slack

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/notify/slack/slacktest"
)

func spamWave() notify.Alert {
	return notify.Alert{
		Type: api.AlertSpamWave, Client: "acme", CampaignID: "c1", Step: "week/1/classify",
		Title: "Spam wave on Acme's new followers: 14 of 20 look like spam or bots",
		Text:  "14 of the 20 accounts that followed Acme since the last check look like spam or bots.",
		Total: 20, Suspicious: 14,
		Items: []notify.AlertItem{
			{Handle: "@cheap_deals_000123", Class: "spam", Reason: "links to a shop in every reply", DrivenBy: "week/1/follow"},
			{Handle: "<!channel>", Class: "bot", Reason: "<https://evil.example|click here>", DrivenBy: "week/1/follow"},
		},
		More: 12,
	}
}

func TestAlertBlocksListTheAccountsWithoutButtons(t *testing.T) {
	a := spamWave()
	b := blocksJSON(t, AlertBlocks(a))

	var types []string
	for _, blk := range b {
		types = append(types, blk["type"].(string))
	}
	assert.Equal(t, []string{"header", "section", "section", "section", "context"}, types, "no actions block: an alert asks nothing")
	assert.Equal(t, a.Title, text(b[0]["text"]))
	assert.Equal(t, a.Text, text(b[1]["text"]))
	list := b[2]["text"].(map[string]any)
	assert.Equal(t, "plain_text", list["type"], "a handle like @cheap_deals_1 stays as written, never italic, never a ping")
	assert.Equal(t, "• @cheap_deals_000123 (spam): links to a shop in every reply; drawn by week/1/follow\n"+
		"• <!channel> (bot): <https://evil.example|click here>; drawn by week/1/follow", list["text"])
	assert.Equal(t, "…and 12 more", text(b[3]["text"]))
	assert.Contains(t, allText(b), "Client acme · campaign c1 · step week/1/classify")
	assert.Equal(t, a.Title, AlertText(a))
}

// TestAlertBlocksFitSlacksLimits: a list far beyond one message keeps to 50
// blocks of at most 3,000 characters, and every account left out is counted.
func TestAlertBlocksFitSlacksLimits(t *testing.T) {
	a := spamWave()
	a.Title = strings.Repeat("Spam wave ", 40)
	a.Items = nil
	for i := range 2000 {
		a.Items = append(a.Items, notify.AlertItem{Handle: fmt.Sprintf("@bot%08d", i), Class: "bot", Reason: strings.Repeat("no posts 🤖 ", 30)})
	}
	a.More = 7
	b := blocksJSON(t, AlertBlocks(a))
	require.LessOrEqual(t, len(b), 50)
	walkText(b, func(kind, s string, limit int) {
		assert.LessOrEqual(t, utf16Len(s), limit, "%s text of %d characters", kind, utf16Len(s))
		assert.NotEmpty(t, s)
	})
	listed := strings.Count(allText(b), "• @bot")
	m := regexp.MustCompile(`…and (\d+) more`).FindStringSubmatch(allText(b))
	require.NotNil(t, m)
	more, _ := strconv.Atoi(m[1])
	assert.Equal(t, 2000+7, listed+more, "every account is listed or counted")
	assert.Greater(t, listed, 100)
	for _, blk := range b {
		assert.NotEqual(t, "actions", blk["type"])
	}
}

func TestAnAlertPostsToTheOwnersDM(t *testing.T) {
	f := slacktest.NewServer(t, testToken)
	c := newClient(t, f)
	_, err := c.Post(context.Background(), "U0OLGA", AlertBlocks(spamWave()), AlertText(spamWave()))
	require.NoError(t, err)
	calls := f.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, "chat.postMessage", calls[1].Method)
	assert.Equal(t, slacktest.DM("U0OLGA"), calls[1].Args.Get("channel"))
	assert.Contains(t, calls[1].Args.Get("text"), "Spam wave on Acme's new followers")
	require.NotEmpty(t, calls[1].Blocks)
	assert.Equal(t, "header", calls[1].Blocks[0]["type"])
}
