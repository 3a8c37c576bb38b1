package platforms

import "context"

// Action is one move on a platform. Key is its idempotency key: performing the
// same key twice must act once and return the first result.
type Action struct {
	Key        string
	Name       string // a Catalog name
	CampaignID string
	Client     string
	Input      map[string]any
	// Account is the client's account the action acts as; nil for a
	// connector that acts for every platform (the sandbox of older campaigns).
	Account *Account
}

// Result is what a connector reports back.
type Result struct {
	Output map[string]any
	// Simulated is true for the sandbox; people must never mistake it for real reach.
	Simulated bool
	// Replayed is true when the key had been performed before and nothing new happened.
	Replayed bool
}

// Connector acts on social platforms for campaigns.
type Connector interface {
	Name() string
	Perform(ctx context.Context, a Action) (Result, error)
}
