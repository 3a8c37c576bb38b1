package server

import "github.com/greenlight/greenlight/links"

// The link token lives in package links so the worker can sign links for
// reminders; these names keep the API's code and tests reading naturally.
type (
	LinkClaims   = links.LinkClaims
	LinkApprover = links.Approver
)

var (
	SignLink         = links.SignLink
	VerifyLink       = links.VerifyLink
	NewLinkID        = links.NewLinkID
	ErrLinkMalformed = links.ErrLinkMalformed
	ErrLinkSignature = links.ErrLinkSignature
	ErrLinkExpired   = links.ErrLinkExpired
)
