package worker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/credentials"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/bluesky"
	"github.com/greenlight/greenlight/platforms/mastodon"
	"github.com/greenlight/greenlight/platforms/webhook"
	"github.com/greenlight/greenlight/store"
)

// AccountConnectors gives the connector of a client's account, reading its
// credential at each action: a secret rotated in the environment or the file
// is used from the next action on, with no restart. A connector is kept while
// its account and secret stay the same, so a Bluesky session is not signed in
// again for every action (its logins are tightly rate limited).
type AccountConnectors struct {
	Sandbox     platforms.Connector
	Log         platforms.ActionLog
	Credentials *credentials.Source
	// HTTP is the client connectors call platforms with; nil: each
	// connector's own default (bounded timeouts).
	HTTP *http.Client

	mu    sync.Mutex
	built map[string]builtConnector
}

// maxBuilt bounds the kept connectors: one per account acted on.
const maxBuilt = 4096

type builtConnector struct {
	secret string // the secret it was built with
	conn   platforms.Connector
}

var _ activities.AccountConnectors = (*AccountConnectors)(nil)

// ConnectorFor returns the connector acting as acc.
func (c *AccountConnectors) ConnectorFor(_ context.Context, acc platforms.Account) (platforms.Connector, error) {
	if acc.Connector == "sandbox" {
		return c.Sandbox, nil
	}
	secret, err := c.secret(acc)
	if err != nil {
		return nil, err
	}
	key := strings.Join([]string{acc.Connector, acc.Endpoint, acc.Handle, acc.Credential}, "\x00")
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.built[key]; ok && b.secret == secret.Value() {
		return b.conn, nil
	}
	conn, err := c.build(acc, secret)
	if err != nil {
		return nil, err
	}
	if c.built == nil || len(c.built) >= maxBuilt {
		c.built = map[string]builtConnector{}
	}
	c.built[key] = builtConnector{secret: secret.Value(), conn: conn}
	return conn, nil
}

func (c *AccountConnectors) build(acc platforms.Account, secret credentials.Secret) (platforms.Connector, error) {
	switch acc.Connector {
	case webhook.Name:
		return webhook.New(webhook.Config{URL: acc.Endpoint, Secret: secret.Value(), Client: c.HTTP}, c.Log)
	case mastodon.Name:
		server := acc.Endpoint
		if server == "" {
			server = mastodonServer(acc.Handle)
		}
		return mastodon.New(mastodon.Config{Server: server, AccessToken: secret.Value(), Client: c.HTTP}, c.Log)
	case bluesky.Name:
		service := acc.Endpoint
		if service == "" {
			service = bluesky.DefaultService
		}
		return bluesky.New(bluesky.Config{Service: service, Identifier: strings.TrimPrefix(acc.Handle, "@"),
			AppPassword: secret.Value(), Client: c.HTTP}, c.Log)
	}
	return nil, fmt.Errorf("no connector is called %q", acc.Connector)
}

func (c *AccountConnectors) secret(acc platforms.Account) (credentials.Secret, error) {
	if acc.Credential == "" {
		return credentials.Secret{}, fmt.Errorf("account %s names no credential", acc.ID)
	}
	if c.Credentials == nil {
		return credentials.Secret{}, errors.New("this worker has no credentials configured")
	}
	return c.Credentials.Get(acc.Credential)
}

// mastodonServer is the home instance a Mastodon handle names
// (@acme@mastodon.example → https://mastodon.example).
func mastodonServer(handle string) string {
	h := strings.TrimPrefix(handle, "@")
	if _, domain, ok := strings.Cut(h, "@"); ok && domain != "" {
		return "https://" + domain
	}
	return ""
}

// StoreHolds checks account holds in the store (store.ClaimHold).
func StoreHolds(st *store.Store) activities.Holds { return storeHolds{st} }

type storeHolds struct{ st *store.Store }

func (h storeHolds) Claim(ctx context.Context, campaignID, accountID string, granted bool) error {
	err := h.st.ClaimHold(ctx, campaignID, accountID, granted)
	if hc, ok := store.IsHoldConflict(err); ok {
		return fmt.Errorf("%w: %s", activities.ErrAccountHeld, hc.Error())
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: campaign %s holds no account %s", activities.ErrAccountHeld, campaignID, accountID)
	}
	return err
}
