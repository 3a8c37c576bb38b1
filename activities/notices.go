package activities

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/preview"
)

// An approval event (requested, reminded, escalated, decided, expired) is told
// to people by its own notice workflow: PlanNotice says who to tell and through
// which channels, in the order to try them; Deliver sends one message and
// records it under its idempotency key (approval, event, channel, person), so a
// retried or resumed attempt never sends twice; GiveUpDelivery records a
// delivery whose retries ran out, and the workflow tries that person's next
// channel. Addresses never enter workflow histories: a plan names channels by
// kind and position, and Deliver reads the address when it sends.

// NoticeEvent is one approval event to tell people about: the notice
// workflow's input.
type NoticeEvent struct {
	Key        string    `json:"key"` // the event's audit key: unique, stable across retries
	Kind       string    `json:"kind"`
	ApprovalID string    `json:"approval_id"`
	CampaignID string    `json:"campaign_id"`
	Client     string    `json:"client"`
	Seq        int       `json:"seq,omitempty"` // which reminder
	To         string    `json:"to,omitempty"`  // an escalation's role
	At         time.Time `json:"at,omitzero"`   // when it happened
}

// NoticePlan says who is told of an event, and how.
type NoticePlan struct {
	Skip    string         `json:"skip,omitempty"` // why nobody is told
	Targets []NoticeTarget `json:"targets,omitempty"`
}

// NoticeTarget is one person (or, with Person empty, one webhook
// subscription) and the channels to try, in order.
type NoticeTarget struct {
	Person   string          `json:"person,omitempty"`
	Channels []NoticeChannel `json:"channels"`
}

// NoticeChannel names a channel by kind and by its position among the
// target's channels of that kind, not by address.
type NoticeChannel struct {
	Kind  string `json:"kind"`
	Index int    `json:"index,omitempty"`
}

// DeliveryRequest asks for one message: the event, to one target, through one
// of its channels.
type DeliveryRequest struct {
	Event   NoticeEvent   `json:"event"`
	Person  string        `json:"person,omitempty"`
	Channel NoticeChannel `json:"channel"`
}

// Key is the delivery's idempotency key.
func (r DeliveryRequest) Key() string {
	about := r.Event.ApprovalID
	if r.Event.Kind == api.NoticeAlert {
		about = r.Event.Key // an alert is about no approval; its key is its own
	}
	return DeliveryKey(about, eventName(r.Event), r.Channel.Kind, r.Person, r.Channel.Index)
}

// DeliveryKey is the idempotency key of one message about approvalID: event
// (e.g. "requested", "reminded-2"), channel kind, person (or "" for a webhook
// subscription) and the channel's position among the target's of its kind.
func DeliveryKey(approvalID, event, channel, person string, index int) string {
	return notify.Key(approvalID, person, channel, event, index)
}

// eventName tells an event's deliveries from another's of the same approval:
// each reminder and each escalation is its own.
func eventName(e NoticeEvent) string {
	switch {
	case e.Kind == api.NoticeReminded:
		return fmt.Sprintf("%s-%d", e.Kind, e.Seq)
	case e.Kind == api.NoticeEscalated && e.To != "":
		return e.Kind + "-" + e.To
	}
	return e.Kind
}

// Person is someone the directory can tell: their id, name, the zone their
// deadlines read in, their approver roles, and their channels in the order to
// try them.
type Person struct {
	ID       string
	Name     string
	TimeZone string
	Roles    []string
	Clients  []string
	Channels []api.PersonChannel
	Team     string
}

// Directory is the people directory, as notices need it.
type Directory interface {
	// PeopleFor returns the people of client named by approvers (by id or
	// role); every person of the client when approvers is empty.
	PeopleFor(ctx context.Context, client string, approvers []api.Approver) ([]Person, error)
	// Person returns one person, or an error wrapping ErrNoPerson.
	Person(ctx context.Context, id string) (Person, error)
}

// ErrNoPerson says a person is not (or no longer) in the directory.
var ErrNoPerson = errors.New("no such person")

// DeliveryLog is the store's record of deliveries.
type DeliveryLog interface {
	// Approval returns an approval as it stands now.
	Approval(ctx context.Context, id string) (api.ApprovalView, error)
	// Begin records an attempt; sent says the delivery went out before, and
	// must not go out again.
	Begin(ctx context.Context, d DeliveryRecord) (sent bool, err error)
	Succeeded(ctx context.Context, key, ref string) error
	Failed(ctx context.Context, key, reason string, final bool) error
	Skipped(ctx context.Context, key, reason string) error
	// Ref returns where an earlier delivery went ("" when it did not).
	Ref(ctx context.Context, key string) (string, error)
	// Action returns the platform action recorded under key (what an alert
	// says), or an error wrapping ErrNoAction.
	Action(ctx context.Context, key string) (RecordedAction, error)
}

// DeliveryRecord is what the log keeps of a delivery.
type DeliveryRecord struct {
	Key, ApprovalID, CampaignID, Client, Kind, Person, Channel, Address string
	Seq                                                                 int
}

// Message is one message as a channel sends it: the notice (to one person,
// about one event, rendered in their zone, with their signed links), the
// approval as the API shows it (what a webhook carries), and where this
// person's request about it went on this channel (a Message-ID, a Slack
// channel/ts), for replies and updates.
type Message struct {
	notify.Notice
	Event  NoticeEvent
	View   api.ApprovalView
	Thread string
}

// Sender sends messages through one kind of channel and says where each went.
// An error marked notify.Permanent is not retried; one carrying
// notify.RetryAfterError is retried after it says.
type Sender interface {
	Send(ctx context.Context, m Message) (ref string, err error)
}

// Notices holds what telling people needs; Activities.Notices nil tells no one.
type Notices struct {
	People  Directory
	Log     DeliveryLog
	Senders map[string]Sender // by channel kind: email, slack, webhook
	// Webhooks are URLs told of every approval event and alert, signed with
	// the webhook sender's secret.
	Webhooks []string
	// Alerts records the alerts actions raise (alerts.go); nil raises none.
	Alerts Alerts
	// Hook, when set, runs at each stage of a delivery ("begun", "sent"); tests
	// use it to kill a worker mid-delivery.
	Hook func(ctx context.Context, stage, key string)
}

// PlanNotice says who is told of an event and through which channels.
func (a *Activities) PlanNotice(ctx context.Context, e NoticeEvent) (NoticePlan, error) {
	n := a.Notices
	if n == nil {
		return NoticePlan{Skip: "this worker tells no one (no notice channels configured)"}, nil
	}
	if e.Kind == api.NoticeAlert {
		return a.planAlert(ctx, e)
	}
	ap, err := n.Log.Approval(ctx, e.ApprovalID)
	if err != nil {
		return NoticePlan{}, fmt.Errorf("plan notice %s: %w", e.Key, err)
	}
	approvers := ap.Approvers
	if e.Kind == api.NoticeEscalated && e.To != "" {
		// The new tier is told; those asked before were told then.
		approvers = []api.Approver{{Role: e.To}}
	}
	people, err := n.People.PeopleFor(ctx, e.Client, approvers)
	if err != nil {
		return NoticePlan{}, fmt.Errorf("plan notice %s: %w", e.Key, err)
	}
	return n.planFor(people, e.Client), nil
}

// planFor tells people, each through the channels this deployment sends
// through in their order, and every webhook subscription.
func (n *Notices) planFor(people []Person, client string) NoticePlan {
	var plan NoticePlan
	for _, p := range people {
		t := NoticeTarget{Person: p.ID}
		seen := map[string]int{}
		for _, c := range p.Channels {
			if _, ok := n.Senders[c.Kind]; !ok {
				continue // a channel this deployment cannot send through
			}
			t.Channels = append(t.Channels, NoticeChannel{Kind: c.Kind, Index: seen[c.Kind]})
			seen[c.Kind]++
		}
		if len(t.Channels) > 0 {
			plan.Targets = append(plan.Targets, t)
		}
	}
	if _, ok := n.Senders[api.ChannelKindWebhook]; ok {
		for i := range n.Webhooks {
			plan.Targets = append(plan.Targets, NoticeTarget{Channels: []NoticeChannel{{Kind: api.ChannelKindWebhook, Index: i}}})
		}
	}
	if len(plan.Targets) == 0 {
		plan.Skip = fmt.Sprintf("nobody to tell: no person of client %q with a channel this deployment sends through", client)
	}
	return plan
}

// Deliver sends one message, at most once per key.
func (a *Activities) Deliver(ctx context.Context, r DeliveryRequest) error {
	n := a.Notices
	if n == nil {
		return temporal.NewNonRetryableApplicationError("this worker tells no one", "NoNotices", nil)
	}
	sender, ok := n.Senders[r.Channel.Kind]
	if !ok {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("this worker cannot send through %q", r.Channel.Kind), "UnknownChannel", nil)
	}
	// Heartbeats from the first read to the result: a worker that dies
	// anywhere in between is replaced after the heartbeat timeout.
	stop := a.keepAlive(ctx)
	defer stop()
	key := r.Key()
	person, address, err := a.addressOf(ctx, r)
	if err != nil {
		return err
	}
	rec := DeliveryRecord{
		Key: key, ApprovalID: r.Event.ApprovalID, CampaignID: r.Event.CampaignID, Client: r.Event.Client,
		Kind: r.Event.Kind, Seq: r.Event.Seq, Person: r.Person, Channel: r.Channel.Kind, Address: shown(r.Channel.Kind, address),
	}
	sent, err := n.Log.Begin(ctx, rec)
	if err != nil {
		return err
	}
	if sent {
		return nil
	}
	a.hook(ctx, "begun", key)
	if r.Event.Kind == api.NoticeAlert {
		m, err := a.alertMessage(ctx, r, key, person, address)
		if err != nil {
			return err
		}
		return a.send(ctx, r, sender, m)
	}
	ap, err := n.Log.Approval(ctx, r.Event.ApprovalID)
	if err != nil {
		return err
	}
	if asks(r.Event.Kind) && ap.Status != api.ApprovalPending {
		// Decided before its request or reminder went out: asking now would
		// only confuse; the decision's own notice says what happened.
		return n.Log.Skipped(ctx, key, fmt.Sprintf("approval already %s", ap.Status))
	}
	loc := time.UTC
	if person.TimeZone != "" {
		if l, err := time.LoadLocation(person.TimeZone); err == nil {
			loc = l
		}
	}
	m := Message{Event: r.Event, View: ap, Notice: notify.Notice{
		Key: key, Kind: r.Event.Kind, Seq: r.Event.Seq, Approval: preview.Of(ap, loc), ThreadKey: ap.ID,
		Recipient: notify.Recipient{PersonID: person.ID, Name: person.Name, Address: address, Location: loc},
	}}
	if r.Person != "" && asks(r.Event.Kind) && a.Links != nil {
		m.Links = a.personLinks(ctx, ap, person)
	}
	if r.Event.Kind != api.NoticeRequested {
		first := DeliveryKey(r.Event.ApprovalID, api.NoticeRequested, r.Channel.Kind, r.Person, r.Channel.Index)
		if m.Thread, err = n.Log.Ref(ctx, first); err != nil {
			return err
		}
	}
	return a.send(ctx, r, sender, m)
}

// send sends m, records the outcome under its key, and says what Temporal
// should do about a failure.
func (a *Activities) send(ctx context.Context, r DeliveryRequest, sender Sender, m Message) error {
	n, key := a.Notices, m.Key
	ref, err := sender.Send(ctx, m)
	if err != nil {
		if ferr := n.Log.Failed(ctx, key, err.Error(), false); ferr != nil {
			activity.GetLogger(ctx).Warn("could not record a failed delivery", "key", key, "err", ferr)
		}
		return deliveryError(r, err)
	}
	if err := n.Log.Succeeded(ctx, key, ref); err != nil {
		return err
	}
	a.hook(ctx, "sent", key)
	return nil
}

// GiveUpDelivery records that a delivery's retries ran out.
func (a *Activities) GiveUpDelivery(ctx context.Context, r DeliveryRequest, reason string) error {
	if a.Notices == nil {
		return nil
	}
	return a.Notices.Log.Failed(ctx, r.Key(), reason, true)
}

// shown is an address as the delivery record shows it: a webhook URL loses
// its credentials, query and fragment, where receivers put tokens.
func shown(kind, address string) string {
	if kind != api.ChannelKindWebhook {
		return address
	}
	u, err := url.Parse(address)
	if err != nil {
		return "(unreadable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// asks says whether an event asks people to decide (and so carries links).
func asks(kind string) bool {
	return kind == api.NoticeRequested || kind == api.NoticeReminded || kind == api.NoticeEscalated
}

// addressOf reads the address of the request's channel now, from the
// directory or the webhook subscriptions.
func (a *Activities) addressOf(ctx context.Context, r DeliveryRequest) (Person, string, error) {
	n := a.Notices
	if r.Person == "" {
		if r.Channel.Kind != api.ChannelKindWebhook || r.Channel.Index >= len(n.Webhooks) {
			return Person{}, "", temporal.NewNonRetryableApplicationError("no such webhook subscription", "NoSubscription", nil)
		}
		return Person{}, n.Webhooks[r.Channel.Index], nil
	}
	p, err := n.People.Person(ctx, r.Person)
	if errors.Is(err, ErrNoPerson) {
		return Person{}, "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s is no longer in the directory", r.Person), "NoPerson", err)
	}
	if err != nil {
		return Person{}, "", err
	}
	i := 0
	for _, c := range p.Channels {
		if c.Kind != r.Channel.Kind {
			continue
		}
		if i == r.Channel.Index {
			return p, c.Address, nil
		}
		i++
	}
	return Person{}, "", temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("%s no longer has that %s channel", r.Person, r.Channel.Kind), "NoChannel", nil)
}

// personLinks signs the approve and reject links of one person: as
// themselves when the approval names them, else in the first of their roles
// it names, else as one of the team it names (an owning team's approval).
func (a *Activities) personLinks(ctx context.Context, ap api.ApprovalView, p Person) notify.Links {
	who := api.Approver{ID: p.ID}
	if !slices.ContainsFunc(ap.Approvers, func(x api.Approver) bool { return x.ID == p.ID }) {
		for _, role := range p.Roles {
			if slices.ContainsFunc(ap.Approvers, func(x api.Approver) bool { return x.Role == role }) {
				who.Role = role
				break
			}
		}
		if who.Role == "" && p.Team != "" && slices.ContainsFunc(ap.Approvers, func(x api.Approver) bool { return x.Team == p.Team }) {
			who.Team = p.Team
		}
	}
	ttl := a.Links.TTL
	if ttl <= 0 {
		ttl = 72 * time.Hour
	}
	now := time.Now()
	claims := links.LinkClaims{ApprovalID: ap.ID, Approver: who}
	approve, reject, expires, err := links.URLs(a.Links.Secret, a.Links.BaseURL, claims, ttl, now)
	if err != nil {
		activity.GetLogger(ctx).Warn("could not sign links; the message goes without them", "approval", ap.ID, "err", err)
		return notify.Links{}
	}
	out := notify.Links{Approve: approve, Reject: reject}
	// The rest are conveniences: a message without one still decides.
	out.Open, _, _ = links.PageURL(a.Links.Secret, a.Links.BaseURL, claims, ttl, now)
	out.Inbox, _, _ = links.InboxURL(a.Links.Secret, a.Links.BaseURL,
		links.InboxClaims{Person: p.ID, Roles: p.Roles, Clients: p.Clients, RoleClients: p.Clients}, ttl, now)
	out.Timeline, _ = links.TimelineURL(a.Links.Secret, a.Links.BaseURL, links.TimelineClaims{CampaignID: ap.CampaignID, Person: p.ID}, expires)
	return out
}

// deliveryError maps a sender's error to what Temporal should do with it.
func deliveryError(r DeliveryRequest, err error) error {
	msg := fmt.Sprintf("%s to %s: %v", r.Channel.Kind, targetName(r), err)
	if notify.IsPermanent(err) {
		return temporal.NewNonRetryableApplicationError(msg, "DeliveryRefused", nil)
	}
	if after, ok := notify.RetryAfter(err); ok && after > 0 {
		return temporal.NewApplicationErrorWithOptions(msg, "DeliveryDeferred", temporal.ApplicationErrorOptions{NextRetryDelay: after})
	}
	return temporal.NewApplicationError(msg, "DeliveryFailed")
}

func targetName(r DeliveryRequest) string {
	if r.Person == "" {
		return fmt.Sprintf("webhook subscription %d", r.Channel.Index+1)
	}
	return r.Person
}

func (a *Activities) hook(ctx context.Context, stage, key string) {
	if a.Notices.Hook != nil {
		a.Notices.Hook(ctx, stage, key)
	}
}
