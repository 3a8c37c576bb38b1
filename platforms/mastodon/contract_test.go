package mastodon

import (
	"testing"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/connectortest"
)

// TestContract runs the contract every connector keeps against a fake
// instance that knows the suite's sample post. Each action here does one
// thing on the platform (a status or a boost), so "reached once" counts it;
// publish_posts (one status per post) and follow or engage (one per account)
// are covered by this package's own tests.
func TestContract(t *testing.T) {
	var f *fakeMastodon
	connectortest.Run(t, connectortest.Harness{
		Connector: func(t *testing.T, log platforms.ActionLog) platforms.Connector {
			c, err := New(f.config(), log)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Reset: func(t *testing.T) {
			f = newFake(t)
			fan := Account{ID: "201", Username: "fan1", Acct: "fan1@x.example", URL: "https://x.example/@fan1"}
			f.accounts = append(f.accounts, fan)
			f.add(Status{ID: "9100", URL: connectortest.SampleInputs["url"].(string), Content: "<p>Where can I buy your bread?</p>", Account: fan, Visibility: "public"})
		},
		// What reached the instance: the brand's new statuses and boosts, each
		// once however often its key was sent.
		Reached: func(_ *testing.T, _ string) int {
			f.mu.Lock()
			defer f.mu.Unlock()
			return len(f.own) + len(f.reblogs)
		},
		Actions: []string{"respond_to_mention", "repost", "quote", "share"},
	})
}
