package worker

import (
	"context"
	"strings"
	"time"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/notify/email"
	"github.com/greenlight/greenlight/notify/slack"
	"github.com/greenlight/greenlight/notify/webhook"
)

// The senders adapt each channel's library to activities.Sender: what the
// message is (a request, a reminder, a decision) decides what the channel does,
// and each library's verdict on an error becomes notify's, which the Deliver
// activity turns into Temporal's retry or give-up.

// EmailSender sends through an SMTP relay, or dev mode's outbox.
func EmailSender(s email.Sender) activities.Sender { return emailSender{s} }

type emailSender struct{ s email.Sender }

func (e emailSender) Send(ctx context.Context, m activities.Message) (string, error) {
	r, err := e.s.Send(ctx, m.Notice)
	return r.MessageID, err
}

// SlackSender posts requests to a person's Slack DM (or a channel), and turns
// the request's message into its outcome once the approval is decided.
func SlackSender(c *slack.Client) activities.Sender { return slackSender{c} }

type slackSender struct{ c *slack.Client }

func (s slackSender) Send(ctx context.Context, m activities.Message) (string, error) {
	a := m.Approval
	switch {
	case m.Alert != nil:
		r, err := s.c.Post(ctx, m.Recipient.Address, slack.AlertBlocks(*m.Alert), slack.AlertText(*m.Alert))
		return r.Channel + "/" + r.TS, slackVerdict(err)
	case m.Kind == api.NoticeDecided, m.Kind == api.NoticeExpired:
		blocks, text := slack.Decided(a), slack.DecidedText(a)
		if channel, ts, ok := strings.Cut(m.Thread, "/"); ok {
			// The request's message shows the outcome, without its buttons.
			return m.Thread, slackVerdict(s.c.Update(ctx, channel, ts, blocks, text))
		}
		r, err := s.c.Post(ctx, m.Recipient.Address, blocks, text)
		return r.Channel + "/" + r.TS, slackVerdict(err)
	}
	r, err := s.c.Post(ctx, m.Recipient.Address, slack.Blocks(a, slack.Links{Open: m.Links.Timeline}, m.Kind, m.Seq), slack.Text(a, m.Kind, m.Seq))
	if err != nil {
		return "", slackVerdict(err)
	}
	return r.Channel + "/" + r.TS, nil
}

func slackVerdict(err error) error {
	if err == nil {
		return nil
	}
	if slack.IsPermanent(err) {
		return notify.Permanent(err)
	}
	if d, ok := slack.RetryAfter(err); ok {
		return &notify.RetryAfterError{Err: err, After: d}
	}
	return err
}

// WebhookSender posts every event to a subscription, signed with secret: the
// approval as the API shows it (or an alert, as notify.Alert), under the
// delivery's key as the event id.
func WebhookSender(secret string) activities.Sender { return webhookSender{secret: secret} }

type webhookSender struct {
	s      webhook.Sender
	secret string
}

func (w webhookSender) Send(ctx context.Context, m activities.Message) (string, error) {
	at := m.Event.At
	if at.IsZero() {
		at = time.Now()
	}
	e := webhook.Event{ID: eventID(m.Key), Type: "approval." + m.Kind, Timestamp: at, Data: m.View}
	if m.Alert != nil {
		e.Type, e.Data = m.Alert.Type, m.Alert
	}
	err := w.s.Send(ctx, m.Recipient.Address, w.secret, e)
	if err == nil {
		return e.ID, nil
	}
	if webhook.IsPermanent(err) {
		return "", notify.Permanent(err)
	}
	if d, ok := webhook.RetryAfter(err); ok {
		return "", &notify.RetryAfterError{Err: err, After: d}
	}
	return "", err
}

// eventID is the webhook id of a delivery: its key, which is stable across
// retries, with the characters receivers log awkwardly replaced.
func eventID(key string) string {
	return "evt_" + strings.NewReplacer("/", "_", "%", "").Replace(key)
}
