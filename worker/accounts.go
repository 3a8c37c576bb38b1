package worker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/credentials"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/bluesky"
	"github.com/greenlight/greenlight/platforms/mastodon"
	"github.com/greenlight/greenlight/platforms/webhook"
	"github.com/greenlight/greenlight/store"
)

// AccountConnectors builds the connector of a client's account for each
// action, reading its credential then: a secret rotated in the environment's
// file is used from the next action on, with no restart.
type AccountConnectors struct {
	Sandbox     platforms.Connector
	Log         platforms.ActionLog
	Credentials *credentials.Source
	// HTTP is the client connectors call platforms with; nil: each
	// connector's own default (bounded timeouts).
	HTTP *http.Client
}

var _ activities.AccountConnectors = (*AccountConnectors)(nil)

// ConnectorFor returns the connector acting as acc.
func (c *AccountConnectors) ConnectorFor(_ context.Context, acc platforms.Account) (platforms.Connector, error) {
	switch acc.Connector {
	case "sandbox":
		return c.Sandbox, nil
	case webhook.Name:
		secret, err := c.secret(acc)
		if err != nil {
			return nil, err
		}
		return webhook.New(webhook.Config{URL: acc.Endpoint, Secret: secret.Value(), Client: c.HTTP}, c.Log)
	case mastodon.Name:
		secret, err := c.secret(acc)
		if err != nil {
			return nil, err
		}
		server := acc.Endpoint
		if server == "" {
			server = mastodonServer(acc.Handle)
		}
		return mastodon.New(mastodon.Config{Server: server, AccessToken: secret.Value(), Client: c.HTTP}, c.Log)
	case bluesky.Name:
		secret, err := c.secret(acc)
		if err != nil {
			return nil, err
		}
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
