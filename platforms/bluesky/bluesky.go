// Package bluesky is the Bluesky connector: campaign actions become posts,
// replies, reposts, likes and follows in one account's repository, written
// through its PDS with XRPC (github.com/bluesky-social/indigo's client and
// generated lexicon types).
package bluesky

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/platforms"
)

// Name is the connector's name in the action log.
const Name = "bluesky"

// DefaultService is the PDS entryway accounts hosted by Bluesky sign in at.
const DefaultService = "https://bsky.social"

// Config says which account on which PDS the connector acts as.
type Config struct {
	Service     string       // https://pds, the account's PDS (or the entryway that fronts it)
	Identifier  string       // the account's handle or DID
	AppPassword string       // an app password, never the account's own password
	Client      *http.Client // optional: a client with a 30s timeout otherwise
}

// Connector performs campaign actions on Bluesky.
type Connector struct {
	service    string
	identifier string
	password   string
	http       *http.Client
	log        platforms.ActionLog

	// mu guards the session, which every call shares: createSession is rate
	// limited far more tightly than anything else, so one login serves
	// until its tokens expire.
	mu   sync.Mutex
	sess *session
}

var _ platforms.Connector = (*Connector)(nil)

// New checks cfg and returns a connector that records what it does in log.
// It does not log in until the first action.
func New(cfg Config, log platforms.ActionLog) (*Connector, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Service, "/"))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" {
		return nil, errors.New("bluesky: service must be the https:// URL of the account's PDS")
	}
	if strings.TrimSpace(cfg.Identifier) == "" {
		return nil, errors.New("bluesky: identifier (handle or DID) is required")
	}
	if cfg.AppPassword == "" {
		return nil, errors.New("bluesky: an app password is required")
	}
	if log == nil {
		return nil, errors.New("bluesky: an action log is required")
	}
	hc := cfg.Client
	if hc == nil {
		// Bounded even when the caller's context is not, so a stalled PDS
		// cannot hold an activity forever.
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	bounded := *hc
	bounded.Transport = boundedBodies{next: hc.Transport}
	return &Connector{service: u.String(), identifier: strings.TrimPrefix(strings.TrimSpace(cfg.Identifier), "@"),
		password: cfg.AppPassword, http: &bounded, log: log}, nil
}

// Name returns "bluesky".
func (c *Connector) Name() string { return Name }

// Perform acts once per key. The action log answers a key already performed;
// every record is created under a record key derived from the action key, so
// a retry after the PDS accepted a record but before its result was recorded
// finds that record instead of creating a second one.
func (c *Connector) Perform(ctx context.Context, a platforms.Action) (platforms.Result, error) {
	if a.Key == "" {
		return platforms.Result{}, notify.Permanent(errors.New("bluesky: action has no idempotency key"))
	}
	return platforms.PerformOnce(ctx, c.log, Name, a, c.act)
}

// maxBody bounds what is read of any response: indigo's client reads bodies
// whole, and a hostile or broken server must not make one call cost
// unbounded memory. A body cut short fails to decode, as a transient error.
const maxBody = 4 << 20

// boundedBodies cuts every response body at maxBody.
type boundedBodies struct{ next http.RoundTripper }

func (b boundedBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	next := b.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, maxBody), resp.Body}
	return resp, nil
}

func (c *Connector) act(ctx context.Context, a platforms.Action) (map[string]any, error) {
	switch a.Name {
	case "publish_posts":
		return c.publish(ctx, a)
	case "respond_to_mention":
		return c.respond(ctx, a)
	case "repost":
		return c.repost(ctx, a)
	case "quote", "share":
		return c.quote(ctx, a)
	case "follow_accounts":
		return c.follow(ctx, a)
	case "engage_posts":
		return c.engage(ctx, a)
	}
	return nil, notify.Permanent(fmt.Errorf("bluesky: action %q is not supported", a.Name))
}
