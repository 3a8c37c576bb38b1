package platforms

// Account is a client's account on a platform as a campaign acts on it: which
// connector acts, where it reaches the account, and the name (never the
// value) of the credential it acts with. A launch resolves a playbook's
// platforms to these, and workflow histories carry them, which is why a
// credential is only ever named here.
type Account struct {
	ID         string `json:"id,omitempty"` // "" for the sandbox a dev stack lends a platform without an account
	Platform   string `json:"platform"`
	Handle     string `json:"handle,omitempty"`
	Connector  string `json:"connector"`
	Endpoint   string `json:"endpoint,omitempty"`
	Credential string `json:"credential,omitempty"`
	Team       string `json:"team,omitempty"` // the owning team
	// AwaitStep names the approval by which the owning team lends the
	// account to a campaign of another team; "" when none is needed.
	AwaitStep string `json:"await_step,omitempty"`
}
