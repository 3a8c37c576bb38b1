package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/notify/email"
	"github.com/greenlight/greenlight/notify/slack"
	"github.com/greenlight/greenlight/notify/webhook"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/worker"
)

// OutboxDir is where dev mode writes emails when no relay is set.
func OutboxDir(cfg config.Config) string {
	if cfg.Notify.Outbox != "" {
		return cfg.Notify.Outbox
	}
	return filepath.Join(cfg.DataDir, "outbox")
}

// noticeDeps builds what tells people of approvals from cfg.Notify: email
// through the relay (or, in dev mode without one, the outbox folder), Slack,
// and webhooks. nil when no channel is set up: nobody can be told.
func noticeDeps(cfg config.Config, st *store.Store, dev bool) (*activities.Notices, error) {
	n := cfg.Notify
	senders := map[string]activities.Sender{}
	switch {
	case n.SMTPHost != "":
		ec := email.Config{
			Host: n.SMTPHost, TLS: n.SMTPTLS, User: n.SMTPUser, Password: n.SMTPPassword, From: n.SMTPFrom,
			HeloName: n.SMTPHelo, CAFile: n.SMTPCAFile,
		}
		if n.SMTPPort != "" {
			ec.Port, _ = strconv.Atoi(n.SMTPPort) // config.Validate checked it
		}
		if n.SMTPTimeout != "" {
			ec.Timeout, _ = time.ParseDuration(n.SMTPTimeout)
		}
		relay, err := email.NewSMTP(ec)
		if err != nil {
			return nil, fmt.Errorf("email: %w", err)
		}
		senders[api.ChannelKindEmail] = worker.EmailSender(relay)
	case dev || n.Outbox != "":
		senders[api.ChannelKindEmail] = worker.EmailSender(email.NewOutbox(OutboxDir(cfg), n.SMTPFrom))
	}
	if n.SlackToken != "" {
		c, err := slackClient(cfg)
		if err != nil {
			return nil, err
		}
		senders[api.ChannelKindSlack] = worker.SlackSender(c)
	}
	if n.WebhookSecret != "" {
		// A malformed secret would fail every delivery; say so at start.
		if _, err := webhook.Sign(n.WebhookSecret, "check", time.Now(), nil); err != nil {
			return nil, fmt.Errorf("GREENLIGHT_WEBHOOK_SECRET: %w", err)
		}
		senders[api.ChannelKindWebhook] = worker.WebhookSender(n.WebhookSecret)
	}
	if len(senders) == 0 {
		return nil, nil
	}
	return &activities.Notices{
		People: worker.StoreDirectory(st), Log: worker.StoreDeliveries(st), Senders: senders, Webhooks: n.WebhookURLs,
	}, nil
}

// slackClient is the Slack Web API client of cfg. A Web API base set for a
// proxy or a test double is also where click answers may go.
func slackClient(cfg config.Config) (*slack.Client, error) {
	n := cfg.Notify
	sc := slack.Config{Token: n.SlackToken, APIURL: n.SlackAPIURL}
	if n.SlackAPIURL != "" {
		if u, err := url.Parse(n.SlackAPIURL); err == nil {
			sc.ResponseHosts = []string{slack.DefaultResponseHost, u.Scheme + "://" + u.Host}
		}
	}
	c, err := slack.New(sc)
	if err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	return c, nil
}

// slackDeps is what the API needs to take decisions from Slack's buttons; nil
// when Slack is not set up.
func slackDeps(cfg config.Config) (*server.Slack, error) {
	if cfg.Notify.SlackToken == "" {
		return nil, nil
	}
	c, err := slackClient(cfg)
	if err != nil {
		return nil, err
	}
	return &server.Slack{Client: c, SigningSecret: cfg.Notify.SlackSigningSecret}, nil
}

// startDispatcher runs the notice dispatcher until the returned stop is
// called. Without notices it still empties the outbox table, telling no one.
func startDispatcher(st *store.Store, c client.Client, taskQueue string, logger *slog.Logger, tell bool) (*worker.NoticeDispatcher, func()) {
	d := worker.NewNoticeDispatcher(st, c, taskQueue, logger)
	d.Discard = !tell
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	return d, func() {
		cancel()
		<-done
	}
}

// describeNotices says, for the ready line, how people are told.
func describeNotices(n *activities.Notices) string {
	if n == nil {
		return "nobody (no email, Slack or webhook configured)"
	}
	var kinds []string
	for _, k := range api.ChannelKinds {
		if _, ok := n.Senders[k]; ok {
			kinds = append(kinds, k)
		}
	}
	return fmt.Sprint(kinds)
}
