package bluesky

import (
	"context"
	"maps"
	"testing"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/connectortest"
)

// TestContract runs the contract every connector keeps against a fake PDS.
// Each action here writes one record (a reply, a repost, a quote), so
// "reached once" counts the brand's records; publish_posts (one per post),
// follow and engage (one per account) are covered by this package's tests.
// The suite's "after a lost record" is the crash after the PDS accepted a
// record: only the record key derived from the action key keeps the retry
// from writing a second one.
func TestContract(t *testing.T) {
	var f *fakePDS
	connectortest.Run(t, connectortest.Harness{
		Connector: func(t *testing.T, log platforms.ActionLog) platforms.Connector {
			c, err := New(f.config(), log)
			if err != nil {
				t.Fatal(err)
			}
			return onBluesky{c, f}
		},
		Reset: func(t *testing.T) { f = newFake(t) },
		Reached: func(_ *testing.T, _ string) int {
			f.mu.Lock()
			defer f.mu.Unlock()
			return len(f.created)
		},
		Actions: []string{"respond_to_mention", "repost", "quote", "share"},
		Where:   []string{"uri", "cid", "url"},
	})
}

// onBluesky points the suite's sample post, which lives on another
// platform, at the same post on the fake PDS (fan1.test's), so a reply or
// repost has a Bluesky post to act on.
type onBluesky struct {
	*Connector
	f *fakePDS
}

func (c onBluesky) Perform(ctx context.Context, a platforms.Action) (platforms.Result, error) {
	if a.Input["url"] == connectortest.SampleInputs["url"] {
		a.Input = maps.Clone(a.Input)
		c.f.mu.Lock()
		a.Input["url"] = c.f.webURL(c.f.records["at://did:plc:fan1/"+collPost+"/"+tid(5)])
		c.f.mu.Unlock()
	}
	return c.Connector.Perform(ctx, a)
}
