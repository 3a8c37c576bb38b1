package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/platforms"
)

// An alert tells a client's account owner of something a campaign found on the
// client's accounts: a spam wave among the new followers. RunAction raises it
// when the action that found it completes, as a row of the same outbox as
// approval events (Alerts, which the worker wires to the notices table), keyed
// by the action's idempotency key, so a retried action raises nothing twice
// and a crash after the action loses no alert: the retry raises it. The notice
// workflow then tells the owner like any event; what it says is read from the
// action's record when each message goes out, so no follower list enters a
// workflow history.

// Alert is one alert to raise.
type Alert struct {
	Key        string // the notice's key (AlertKey of Action): unique, stable across retries
	Type       string // api.AlertSpamWave
	Action     string // the idempotency key of the action that found it
	CampaignID string
	Client     string
	At         time.Time
}

// Alerts records alerts for the notice dispatcher, each key once.
type Alerts interface {
	Raise(ctx context.Context, a Alert) error
}

// RecordedAction is a platform action as the store's action log holds it,
// with the brand of its campaign ("" when the campaign has no brand
// parameter), which is how the alert names the client's account.
type RecordedAction struct {
	Key, Action, CampaignID, Client string
	Output                          map[string]any
	Brand                           string
}

// ErrNoAction says an action is not in the store's action log.
var ErrNoAction = errors.New("no such action on record")

// maxAlertItems is how many accounts an alert lists; the rest are counted
// ("and N more"), so a message stays one a person reads.
const maxAlertItems = 25

// spamWaveSuffix ends the key of a spam-wave alert. Action keys are
// "<campaign>/<step key>" and audit keys "<campaign>/<n>/<n>", so the key of
// an alert is never the key of an approval event's notice.
const spamWaveSuffix = "/spam-wave"

// AlertKey is the key of the spam-wave alert raised by the action under
// actionKey.
func AlertKey(actionKey string) string { return actionKey + spamWaveSuffix }

// alertAction is the key of the action that raised the alert under key.
func alertAction(key string) (string, bool) { return strings.CutSuffix(key, spamWaveSuffix) }

// raiseAlerts raises the alerts a completed action calls for: a
// classify_followers whose counts make a spam wave by platforms.SpamWave (the
// connector's own spam_wave flag is not trusted, so the rule is the same for
// every connector). A retried or replayed action raises again, and the
// store keeps the first.
func (a *Activities) raiseAlerts(ctx context.Context, req ActionRequest, out map[string]any) error {
	if req.Action != "classify_followers" {
		return nil
	}
	total, suspicious, ok := followerCounts(out)
	if !ok || !platforms.SpamWave(total, suspicious) {
		return nil
	}
	if a.Notices == nil || a.Notices.Alerts == nil {
		activity.GetLogger(ctx).Info("spam wave found; this worker tells no one", "key", req.Key)
		return nil
	}
	err := a.Notices.Alerts.Raise(ctx, Alert{
		Key: AlertKey(req.Key), Type: api.AlertSpamWave, Action: req.Key, CampaignID: req.CampaignID, Client: req.Client, At: time.Now(),
	})
	if err != nil {
		return fmt.Errorf("raise the spam-wave alert of %s: %w", req.Key, err)
	}
	return nil
}

// followerCounts reads classify_followers' counts: the new followers, and how
// many of them are spam or bots.
func followerCounts(out map[string]any) (total, suspicious int, ok bool) {
	total, ok = count(out["total"])
	spam, _ := count(out["spam"])
	bot, _ := count(out["bot"])
	return total, spam + bot, ok
}

// count is a number of an action's output: float64 once it has been through
// JSON, an int from a connector that returns it directly.
func count(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}

// planAlert tells the client's account owner: the people of the client with
// the role api.RoleAccountOwner, or every person of the client when nobody
// holds it; and the webhook subscriptions.
func (a *Activities) planAlert(ctx context.Context, e NoticeEvent) (NoticePlan, error) {
	n := a.Notices
	if _, err := a.recordedAlert(ctx, e); err != nil {
		var skip skipError
		if errors.As(err, &skip) {
			return NoticePlan{Skip: skip.reason}, nil
		}
		return NoticePlan{}, fmt.Errorf("plan notice %s: %w", e.Key, err)
	}
	people, err := n.People.PeopleFor(ctx, e.Client, []api.Approver{{Role: api.RoleAccountOwner}})
	if err == nil && len(people) == 0 {
		people, err = n.People.PeopleFor(ctx, e.Client, nil)
	}
	if err != nil {
		return NoticePlan{}, fmt.Errorf("plan notice %s: %w", e.Key, err)
	}
	return n.planFor(people, e.Client), nil
}

// skipError is why an alert cannot be told at all.
type skipError struct{ reason string }

func (s skipError) Error() string { return s.reason }

// recordedAlert reads the action an alert was raised for.
func (a *Activities) recordedAlert(ctx context.Context, e NoticeEvent) (RecordedAction, error) {
	key, ok := alertAction(e.Key)
	if !ok {
		return RecordedAction{}, skipError{fmt.Sprintf("alert %q names no action", e.Key)}
	}
	rec, err := a.Notices.Log.Action(ctx, key)
	if errors.Is(err, ErrNoAction) {
		// A connector that keeps no record in the store's action log.
		return RecordedAction{}, skipError{fmt.Sprintf("the action %s that raised the alert is not on record", key)}
	}
	return rec, err
}

// alertMessage is the alert of a delivery, for one person (or webhook
// subscription), read from the action's record.
func (a *Activities) alertMessage(ctx context.Context, r DeliveryRequest, key string, person Person, address string) (Message, error) {
	rec, err := a.recordedAlert(ctx, r.Event)
	var skip skipError
	if errors.As(err, &skip) {
		return Message{}, temporal.NewNonRetryableApplicationError(skip.reason, "NoAlert", nil)
	}
	if err != nil {
		return Message{}, err
	}
	alert := spamWaveAlert(rec)
	return Message{Event: r.Event, Notice: notify.Notice{
		Key: key, Kind: api.NoticeAlert, ThreadKey: r.Event.Key, Alert: &alert,
		Recipient: notify.Recipient{PersonID: person.ID, Name: person.Name, Address: address},
	}}, nil
}

// spamWaveAlert says in plain language what classify_followers found: how
// many of the new followers look like spam or bots, what that means and
// what to do (the check's own answer), and the accounts, each with why and
// the step that drew it.
func spamWaveAlert(rec RecordedAction) notify.Alert {
	total, suspicious, _ := followerCounts(rec.Output)
	name := rec.Brand
	if name == "" {
		name = rec.Client
	}
	advice, _ := rec.Output["answer"].(string)
	if advice == "" {
		advice = "Block them, and slow the outreach down."
	}
	a := notify.Alert{
		Type: api.AlertSpamWave, Client: rec.Client, CampaignID: rec.CampaignID, Step: strings.TrimPrefix(rec.Key, rec.CampaignID+"/"),
		Title: fmt.Sprintf("Spam wave on %s's new followers: %d of %d look like spam or bots", name, suspicious, total),
		Text: fmt.Sprintf("%d of the %d accounts that followed %s since the last check look like spam or bots rather than people. "+
			"They inflate the follower count, never see the posts and can make the account look bought. The check says: %s",
			suspicious, total, name, advice),
		Total: total, Suspicious: suspicious, Items: []notify.AlertItem{},
	}
	followers, _ := rec.Output["followers"].([]any)
	for _, raw := range followers {
		f, _ := raw.(map[string]any)
		class, _ := f["class"].(string)
		if class == "genuine" || class == "" {
			continue
		}
		if len(a.Items) == maxAlertItems {
			a.More++
			continue
		}
		it := notify.AlertItem{Class: class}
		it.Handle, _ = f["handle"].(string)
		it.Reason, _ = f["reason"].(string)
		it.DrivenBy, _ = f["driven_by"].(string)
		a.Items = append(a.Items, it)
	}
	// Accounts counted but not listed in the output are still counted here.
	a.More = max(a.More, suspicious-len(a.Items))
	return a
}
