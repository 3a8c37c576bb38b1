package api

// Channels through which a decision or launch arrived, for the audit log.
const (
	ChannelAPI    = "api"
	ChannelCLI    = "cli"
	ChannelSignal = "signal"
	ChannelLink   = "link"
	ChannelPolicy = "policy"
	ChannelSystem = "system"
	// ChannelSlack marks a decision taken with a Slack message's button.
	ChannelSlack = "slack"
	// ChannelGrant marks approvals decided by an earlier approval's grant.
	ChannelGrant = "grant"
)
