// Package mastodon is the Mastodon connector: campaign actions become
// statuses, boosts, favourites and follows on one account of one instance,
// through Mastodon's REST API.
package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/greenlight/greenlight/notify"
	hook "github.com/greenlight/greenlight/notify/webhook"
	"github.com/greenlight/greenlight/platforms"
)

// Name is the connector's name in the action log.
const Name = "mastodon"

// Config says which account on which instance the connector acts as.
type Config struct {
	Server      string       // https://instance, the account's home server
	AccessToken string       // a user token with the read, write and follow scopes
	Client      *http.Client // optional: a client with a 30s timeout otherwise
}

// Connector performs campaign actions on Mastodon.
type Connector struct {
	server string
	token  string
	http   *http.Client
	log    platforms.ActionLog
}

var _ platforms.Connector = (*Connector)(nil)

// New checks cfg and returns a connector that records what it does in log.
func New(cfg Config, log platforms.ActionLog) (*Connector, error) {
	u, err := hook.CheckURL(strings.TrimRight(cfg.Server, "/"))
	if err != nil {
		// A local instance for development may speak plain http on loopback.
		return nil, errors.New("mastodon: server must be an https:// URL of the instance (plain http only on a loopback host)")
	}
	if cfg.AccessToken == "" {
		return nil, errors.New("mastodon: access token is required")
	}
	if log == nil {
		return nil, errors.New("mastodon: an action log is required")
	}
	hc := cfg.Client
	if hc == nil {
		// Bounded even when the caller's context is not, so a stalled
		// instance cannot hold an activity forever.
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Connector{server: u.String(), token: cfg.AccessToken, http: hc, log: log}, nil
}

// Name returns "mastodon".
func (c *Connector) Name() string { return Name }

// Perform acts once per key. The action log answers a key already performed;
// statuses carry the key to Mastodon as Idempotency-Key, so a retry after the
// instance accepted a status but before its record (a crash, a failed write)
// gets the same status back instead of a second one.
func (c *Connector) Perform(ctx context.Context, a platforms.Action) (platforms.Result, error) {
	if a.Key == "" {
		return platforms.Result{}, notify.Permanent(errors.New("mastodon: action has no idempotency key"))
	}
	return platforms.PerformOnce(ctx, c.log, Name, a, c.act)
}

func (c *Connector) act(ctx context.Context, a platforms.Action) (map[string]any, error) {
	switch a.Name {
	case "publish_posts":
		return c.publish(ctx, a)
	case "respond_to_mention":
		return c.respond(ctx, a)
	case "repost":
		return c.boost(ctx, a)
	case "quote", "share":
		return c.quote(ctx, a)
	case "follow_accounts":
		return c.follow(ctx, a)
	case "engage_posts":
		return c.engage(ctx, a)
	case "optimize_profile":
		return c.checkProfile(ctx, a)
	}
	return nil, notify.Permanent(fmt.Errorf("mastodon: action %q is not supported", a.Name))
}
