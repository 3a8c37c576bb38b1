package api

import "time"

// Roles an API token can have, from most to least powerful.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleApprover = "approver"
	RoleViewer   = "viewer"
)

// Roles lists the valid roles, for validation and messages.
var Roles = []string{RoleAdmin, RoleOperator, RoleApprover, RoleViewer}

// TokenView is an API token as the API shows it: never its secret or hash.
type TokenView struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Role    string   `json:"role"`
	Clients []string `json:"clients"`
	// ApprovalRoles are the approver roles the holder decides in.
	ApprovalRoles []string   `json:"approval_roles"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt    *time.Time `json:"last_used_at,omitempty"`
	// Person is the directory's person the token belongs to: its holder acts
	// as that person, in that person's approver roles (ApprovalRoles is empty).
	Person string `json:"person,omitempty"`
	// Team is the team whose accounts the holder's campaigns may act on; ""
	// for none. A person's token has the person's team.
	Team string `json:"team"`
	// Token is the secret, present only in the answer that created it.
	Token string `json:"token,omitempty"`
}
