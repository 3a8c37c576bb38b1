package app

import "context"

// Option adjusts how a process is wired, beyond its config: seams that tests
// reach and operators never set.
type Option func(*options)

type options struct {
	afterCampaignRow func(ctx context.Context, campaignID string)
	deliveryHook     func(ctx context.Context, stage, key string)
}

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithAfterCampaignRow calls f once a launch has written its campaign row and
// before it starts the workflow (server.Deps.AfterCampaignRow), so a crash test
// can stop the process at exactly that point.
func WithAfterCampaignRow(f func(ctx context.Context, campaignID string)) Option {
	return func(o *options) { o.afterCampaignRow = f }
}

// WithDeliveryHook calls f at each stage of a message's delivery ("begun":
// recorded, not yet sent; "sent": sent and recorded), so a crash test can kill
// the worker mid-delivery.
func WithDeliveryHook(f func(ctx context.Context, stage, key string)) Option {
	return func(o *options) { o.deliveryHook = f }
}
