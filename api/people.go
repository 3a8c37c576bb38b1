package api

import "time"

// Kinds of channel a person is reached through (PersonChannel.Kind). They are
// not the Channel… constants above, which say through which channel a
// decision arrived.
const (
	ChannelKindEmail   = "email"   // Address: a bare email address
	ChannelKindSlack   = "slack"   // Address: a Slack user id (U… or W…)
	ChannelKindWebhook = "webhook" // Address: an https URL
)

// ChannelKinds lists the channel kinds, for validation and messages.
var ChannelKinds = []string{ChannelKindEmail, ChannelKindSlack, ChannelKindWebhook}

// PersonChannel is one way to reach a person.
type PersonChannel struct {
	Kind    string `json:"kind"`
	Address string `json:"address"`
}

// PersonRequest is the body of POST /v1/people and PUT /v1/people/{id}: a
// person of the directory, whole (PUT replaces every field).
type PersonRequest struct {
	// ID names the person wherever people are named: approvers in playbooks,
	// deciders, the name of the person's tokens. On PUT it may be left out (the
	// path says it) but may not differ.
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// Clients are the clients the person approves for or is told about.
	Clients []string `json:"clients"`
	// Roles are the approver roles the person decides in (e.g.
	// "client-marketing-lead"), on approvals of its clients.
	Roles []string `json:"roles,omitempty"`
	// Channels are tried in this order when the person is to be reached.
	Channels []PersonChannel `json:"channels,omitempty"`
	// TimeZone is an IANA name ("Europe/Paris"); messages show deadlines in it.
	// Empty means UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// Team is the team whose accounts the person's campaigns may act on (e.g.
	// team-x); empty for none. Only an admin sets or changes it; the person's
	// tokens take it.
	Team string `json:"team,omitempty"`
}

// PersonView is a person of the directory as the API shows it.
type PersonView struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Clients   []string        `json:"clients"`
	Roles     []string        `json:"roles"`
	Channels  []PersonChannel `json:"channels"`
	TimeZone  string          `json:"time_zone"`
	Team      string          `json:"team"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Request is the body that replaces the person with itself, for a client that
// changes a few fields and sends the rest back.
func (v PersonView) Request() PersonRequest {
	return PersonRequest{ID: v.ID, Name: v.Name, Clients: v.Clients, Roles: v.Roles, Channels: v.Channels, TimeZone: v.TimeZone, Team: v.Team}
}
