package api

import "time"

// AccountRequest is the body of POST /v1/clients/{client}/accounts and PUT
// /v1/clients/{client}/accounts/{id}: a client's account, whole (PUT replaces
// every field).
type AccountRequest struct {
	// Platform is one of x, mastodon, bluesky, linkedin, instagram, facebook,
	// tiktok, youtube.
	Platform string `json:"platform"`
	// Handle is the account as the platform writes it ("@acme",
	// "@acme@mastodon.social", "company/acme") or its profile URL; it is
	// stored in the platform's normal form.
	Handle string `json:"handle"`
	// Connector names the connector that acts on the account: sandbox,
	// webhook, mastodon or bluesky.
	Connector string `json:"connector"`
	// Team is the id of the team that owns the account (e.g. team-x); empty
	// for none.
	Team string `json:"team,omitempty"`
	// Credential is the name of the account's credential (see docs/connectors.md
	// "Credentials"), never the secret itself; empty for none.
	Credential string `json:"credential,omitempty"`
	// Endpoint is where the connector reaches the account: the webhook
	// receiver's URL, the Mastodon instance (default: the handle's) or the
	// Bluesky PDS; https, or plain http on a loopback host.
	Endpoint string `json:"endpoint,omitempty"`
}

// AccountView is a client's account as the API shows it.
type AccountView struct {
	ID         string    `json:"id"`
	Client     string    `json:"client"`
	Platform   string    `json:"platform"`
	Handle     string    `json:"handle"` // the platform's normal form
	Connector  string    `json:"connector"`
	Team       string    `json:"team"`
	Credential string    `json:"credential"` // a name; the secret is never shown
	Endpoint   string    `json:"endpoint,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Request is the body that writes the account back as it is.
func (a AccountView) Request() AccountRequest {
	return AccountRequest{Platform: a.Platform, Handle: a.Handle, Connector: a.Connector, Team: a.Team, Credential: a.Credential, Endpoint: a.Endpoint}
}

// Hold states of a campaign's account.
const (
	HoldHeld          = "held"           // the campaign acts on the account
	HoldAwaitingOwner = "awaiting_owner" // the owning team has not approved yet
)

// CampaignAccountView is an account a campaign holds.
type CampaignAccountView struct {
	ID        string `json:"id"`
	Platform  string `json:"platform"`
	Handle    string `json:"handle"`
	Connector string `json:"connector"`
	Team      string `json:"team"` // the owning team
	State     string `json:"state"`
}

// HoldConflict is the body's `conflict` of a 409 launch: the account, its
// owning team, the team that asked, and the campaigns holding it now.
type HoldConflict struct {
	Account   string   `json:"account"`
	Platform  string   `json:"platform"`
	Handle    string   `json:"handle"`
	Owner     string   `json:"owner"`
	Team      string   `json:"team"`
	Campaigns []string `json:"campaigns"`
}
