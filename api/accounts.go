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
	// webhook or mastodon.
	Connector string `json:"connector"`
	// Team is the id of the team that owns the account (e.g. team-x); empty
	// for none.
	Team string `json:"team,omitempty"`
	// Credential is the name of the account's credential (see docs/connectors.md
	// "Credentials"), never the secret itself; empty for none.
	Credential string `json:"credential,omitempty"`
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
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Request is the body that writes the account back as it is.
func (a AccountView) Request() AccountRequest {
	return AccountRequest{Platform: a.Platform, Handle: a.Handle, Connector: a.Connector, Team: a.Team, Credential: a.Credential}
}
