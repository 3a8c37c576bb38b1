package app_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/notify/email"
	"github.com/greenlight/greenlight/notify/email/smtptest"
	"github.com/greenlight/greenlight/notify/slack"
	"github.com/greenlight/greenlight/notify/slack/slacktest"
	"github.com/greenlight/greenlight/notify/webhook"
	"github.com/greenlight/greenlight/preview"
)

const (
	e2eSlackToken  = "xoxb-e2e-1111-t0k3n"
	e2eSlackSecret = "e2e-signing-secret-8f742231b10e8888"
	e2eFrom        = "Greenlight <approvals@agency.test>"
)

// TestNotifyEndToEnd: an approval reaches people where they are, on the real
// stack with every channel faked only at the wire: an SMTP relay, a fake
// Slack and a webhook receiver. Dana (email, then Slack), Sam (Slack only)
// and Lee (an email the relay refuses, then Slack) may decide acme's
// approval; Eve is another client's. The request goes out on each person's
// first channel that works and to the webhook; Slack clicks are taken only
// from a signed request by a known person of the approval's client; the
// decision is told in turn, threaded to the request; every delivery is on
// record.
func TestNotifyEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	n, _ := startNotifyE2E(t)
	n.relay.Refuse("lee@acme.example", smtptest.NoSuchMailbox)
	d := n.d

	for _, p := range []string{
		`{"id":"dana@acme","name":"Dana","clients":["acme"],"roles":["client-marketing-lead"],"time_zone":"Europe/Paris",
			"channels":[{"kind":"email","address":"dana@acme.example"},{"kind":"slack","address":"U0DANA"}]}`,
		`{"id":"sam@acme","name":"Sam","clients":["acme"],"roles":["client-marketing-lead"],"channels":[{"kind":"slack","address":"U0SAM"}]}`,
		`{"id":"lee@acme","name":"Lee","clients":["acme"],"roles":["client-marketing-lead"],
			"channels":[{"kind":"email","address":"lee@acme.example"},{"kind":"slack","address":"U0LEE"}]}`,
		`{"id":"eve@other","name":"Eve","clients":["other"],"roles":["client-marketing-lead"],"channels":[{"kind":"slack","address":"U0EVE"}]}`,
	} {
		code, _, body := as(t, d.APIURL, d.AdminToken, "POST", "/v1/people", p)
		require.Equal(t, http.StatusCreated, code, body)
	}
	code, _, body := as(t, d.APIURL, d.AdminToken, "POST", "/v1/playbooks?client=acme", peoplePlaybook)
	require.Equal(t, http.StatusCreated, code, body)
	_, n.approval = approvalsE2E{d: d}.pending(t, "e2e-people", "acme")

	// Each step builds on the one before: a failed step stops the rest.
	for _, step := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"the request goes out by email, Slack and webhook", n.request},
		{"a forged click is refused with 401 and changes nothing", n.forged},
		{"clicks by a stranger and by another client's person are refused", n.refused},
		{"a click by the mapped person decides as them", n.decide},
		{"the decision is told on every channel", n.decided},
		{"every delivery is on record", n.deliveries},
	} {
		if !t.Run(step.name, step.run) {
			t.FailNow()
		}
	}
}

// startNotifyE2E runs the dev stack with every channel faked only at the
// wire: an SMTP relay, a fake Slack and a webhook receiver.
func startNotifyE2E(t *testing.T) (notifyE2E, config.Config) {
	t.Helper()
	relay, _ := smtptest.Start(t, smtptest.Plain, nil)
	fake := slacktest.NewServer(t, e2eSlackToken)
	secret, err := webhook.NewSecret()
	require.NoError(t, err)
	receiver := newWebhookReceiver(t, secret)
	d, cfg := startDevWith(t, func(cfg *config.Config) {
		cfg.Notify = config.Notify{
			SMTPHost: relay.Host, SMTPPort: fmt.Sprint(relay.Port), SMTPTLS: email.TLSNone, SMTPFrom: e2eFrom, SMTPTimeout: "10s",
			SlackToken: e2eSlackToken, SlackSigningSecret: e2eSlackSecret, SlackAPIURL: fake.APIURL(),
			WebhookURLs: []string{receiver.URL + "/greenlight"}, WebhookSecret: secret,
		}
	})
	return notifyE2E{d: d, relay: relay, slack: fake, webhooks: receiver}, cfg
}

// notifyE2E is the stack, its channels' doubles, and the approval under test.
type notifyE2E struct {
	d        *app.DevInstance
	relay    *smtptest.Relay
	slack    *slacktest.Server
	webhooks *webhookReceiver
	approval string
}

func (n notifyE2E) request(t *testing.T) {
	v := approvalsE2E{d: n.d}.approval(t, n.approval)
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	want := preview.Of(v, paris)

	// Dana's email, as her mail client shows it.
	m := n.email(t, "dana@acme.example", api.NoticeRequested)
	assert.Equal(t, "Approval needed: Publish one post for Acme? (by "+want.Due+")", m.Subject(t))
	to, err := mail.ParseAddress(m.Header.Get("To"))
	require.NoError(t, err)
	assert.Equal(t, mail.Address{Name: "Dana", Address: "dana@acme.example"}, *to)
	assert.Equal(t, n.approval, m.Header.Get(email.HeaderApproval))
	assert.Contains(t, m.Text, want.Silence)
	assert.Contains(t, m.HTML, want.Silence)
	decision := n.d.APIURL + "/v1/approvals/" + url.PathEscape(n.approval) + "/decision?"
	for _, name := range []string{"Approve", "Reject"} {
		link := linkIn(t, m.Text, name)
		assert.True(t, strings.HasPrefix(link, decision), "%s link %s", name, link)
		assert.Contains(t, m.HTML, strings.ReplaceAll(link, "&", "&amp;"), "the HTML part has the %s link", name)
		page, status := get(t, link)
		assert.Equal(t, http.StatusOK, status, "the %s link opens a page", name)
		assert.Contains(t, page, "Deciding as <strong>dana@acme (client-marketing-lead)</strong>.")
	}

	// Sam's Slack DM, with buttons carrying the approval's id.
	post := n.slackCall(t, "chat.postMessage", slacktest.DM("U0SAM"))
	assert.NotEmpty(t, post.Auth, "the token went with the call")
	require.NotEmpty(t, post.Blocks)
	actions := post.Blocks[len(post.Blocks)-1]
	require.Equal(t, "actions", actions["type"])
	buttons := actions["elements"].([]any)
	require.GreaterOrEqual(t, len(buttons), 2)
	for i, id := range []string{slack.ActionApprove, slack.ActionReject} {
		b := buttons[i].(map[string]any)
		assert.Equal(t, id, b["action_id"])
		assert.Equal(t, n.approval, b["value"])
	}
	assert.Contains(t, post.Args.Get("text"), "Publish one post for Acme?")

	// The subscription's signed event carries the approval.
	e := n.webhooks.event(t, "approval.requested")
	assert.Equal(t, n.approval, e.Data.ID)
	assert.Equal(t, "acme", e.Data.Client)
	assert.Equal(t, api.ApprovalPending, e.Data.Status)
	assert.Equal(t, v.DueAt.Unix(), e.Data.DueAt.Unix())

	// Lee's email was refused for good, so Slack carried it; Dana's email
	// worked, so her Slack stayed quiet; Eve is not acme's.
	n.settled(t, 5)
	n.slackCall(t, "chat.postMessage", slacktest.DM("U0LEE"))
	for _, quiet := range []string{"U0DANA", "U0EVE"} {
		assert.Empty(t, n.slackCalls("chat.postMessage", slacktest.DM(quiet)), quiet)
	}
	for _, d := range n.relay.Deliveries() {
		assert.NotContains(t, d.To, "lee@acme.example")
	}
}

func (n notifyE2E) forged(t *testing.T) {
	for _, c := range []struct {
		name   string
		secret string
		at     time.Time
	}{
		{"wrong signing secret", "not-the-signing-secret", time.Now()},
		{"stale timestamp", e2eSlackSecret, time.Now().Add(-6 * time.Minute)},
	} {
		status, body := n.click(t, slacktest.Click{
			UserID: "U0SAM", ActionID: slack.ActionApprove, ApprovalID: n.approval,
			ResponseURL: n.responseURL("forged"), Secret: c.secret, At: c.at,
		})
		assert.Equal(t, http.StatusUnauthorized, status, "%s: %s", c.name, body)
	}
	// A refused request starts nothing, so nothing can arrive later.
	assert.Empty(t, n.slack.Hooks.Received())
	v := approvalsE2E{d: n.d}.approval(t, n.approval)
	assert.Equal(t, api.ApprovalPending, v.Status)
	assert.Empty(t, v.Votes)
}

func (n notifyE2E) refused(t *testing.T) {
	for _, c := range []struct{ user, says string }{
		{"U0STRANGER", "Greenlight does not know your Slack account"},
		{"U0EVE", "Not taken: "},
	} {
		at := n.responseURL(c.user)
		status, body := n.click(t, slacktest.Click{
			UserID: c.user, ActionID: slack.ActionApprove, ApprovalID: n.approval, ResponseURL: at, Secret: e2eSlackSecret, At: time.Now(),
		})
		require.Equal(t, http.StatusOK, status, body)
		got := n.answer(t, at)
		assert.Equal(t, "ephemeral", got["response_type"], c.user)
		assert.Equal(t, false, got["replace_original"], c.user)
		assert.Contains(t, got["text"], c.says)
		t.Logf("%s was told: %s", c.user, got["text"])
		assert.Equal(t, api.ApprovalPending, approvalsE2E{d: n.d}.approval(t, n.approval).Status, "%s decided nothing", c.user)
	}
}

func (n notifyE2E) decide(t *testing.T) {
	at := n.responseURL("U0SAM")
	status, body := n.click(t, slacktest.Click{
		UserID: "U0SAM", ActionID: slack.ActionApprove, ApprovalID: n.approval, ResponseURL: at, Secret: e2eSlackSecret, At: time.Now(),
	})
	require.Equal(t, http.StatusOK, status, body)
	got := n.answer(t, at)
	assert.Equal(t, true, got["replace_original"])
	assert.Nil(t, got["response_type"])
	assert.Contains(t, got["text"], "Approved by sam@acme")

	v := approvalsE2E{d: n.d}.approval(t, n.approval)
	assert.Equal(t, api.ApprovalApproved, v.Status)
	assert.Equal(t, "sam@acme", v.DecidedBy)
	assert.Equal(t, api.ChannelSlack, v.Channel)
	require.Len(t, v.Votes, 1)
	assert.Equal(t, "sam@acme", v.Votes[0].By)
	assert.Equal(t, "client-marketing-lead", v.Votes[0].Role)

	// On record as Sam's, through Slack, with the id of the click's request.
	var decided []api.AuditEventView
	for _, e := range (apiClient{t: t, base: n.d.APIURL}).allEvents("/v1/campaigns/"+v.CampaignID+"/events", nil) {
		if e.Type == "approval.decided" {
			decided = append(decided, e)
		}
	}
	require.Len(t, decided, 1)
	assert.Equal(t, "sam@acme", decided[0].Actor)
	assert.Equal(t, api.ChannelSlack, decided[0].Channel)
	assert.Equal(t, "click-U0SAM", decided[0].RequestID)
	assert.Equal(t, n.approval, decided[0].ApprovalID)
}

func (n notifyE2E) decided(t *testing.T) {
	// Sam's request message now shows the outcome, without buttons.
	ref := n.delivery(t, api.NoticeRequested, "sam@acme", api.ChannelKindSlack).Ref
	channel, ts, ok := strings.Cut(ref, "/")
	require.True(t, ok, ref)
	require.Equal(t, slacktest.DM("U0SAM"), channel)
	update := n.slackCall(t, "chat.update", channel)
	assert.Equal(t, ts, update.Args.Get("ts"))
	assert.Contains(t, update.Args.Get("text"), "Approved by sam@acme")
	for _, b := range update.Blocks {
		assert.NotEqual(t, "actions", b["type"], "a settled request has no buttons")
	}

	// Dana's email says so, in the thread of the request.
	request := n.email(t, "dana@acme.example", api.NoticeRequested)
	m := n.email(t, "dana@acme.example", api.NoticeDecided)
	assert.Equal(t, "Approved by sam@acme: Publish one post for Acme?", m.Subject(t))
	require.NotEmpty(t, request.Header.Get("Message-ID"))
	assert.Equal(t, request.Header.Get("Message-ID"), m.Header.Get("In-Reply-To"))
	assert.Equal(t, request.Header.Get("Message-ID"), m.Header.Get("References"))
	assert.NotContains(t, m.Text, "\nApprove: ", "a decided approval has no decision links")

	e := n.webhooks.event(t, "approval.decided")
	assert.Equal(t, n.approval, e.Data.ID)
	assert.Equal(t, api.ApprovalApproved, e.Data.Status)
	assert.Equal(t, "sam@acme", e.Data.DecidedBy)
	assert.Equal(t, api.ChannelSlack, e.Data.Channel)
	assert.NotEqual(t, n.webhooks.event(t, "approval.requested").ID, e.ID, "each event has its own id")
}

func (n notifyE2E) deliveries(t *testing.T) {
	list := n.settled(t, 10)
	var got []string
	for _, d := range list {
		got = append(got, strings.Join([]string{d.Kind, d.Person, d.Channel, d.Status}, " "))
		if d.Status == api.DeliverySent {
			assert.NotEmpty(t, d.Ref, "%+v", d)
			assert.NotNil(t, d.SentAt, "%+v", d)
		}
	}
	assert.ElementsMatch(t, []string{
		"requested dana@acme email sent", "requested sam@acme slack sent", "requested lee@acme email failed",
		"requested lee@acme slack sent", "requested  webhook sent",
		"decided dana@acme email sent", "decided sam@acme slack sent", "decided lee@acme email failed",
		"decided lee@acme slack sent", "decided  webhook sent",
	}, got)
	// The list, sent and failed rows alike, is as server/openapi.yaml describes it.
	_, router := loadOpenAPI(t)
	c := &conformance{t: t, router: router, base: n.d.APIURL, seen: map[string]bool{}}
	c.expect(c.call(true, "GET", "/v1/approvals/"+url.PathEscape(n.approval)+"/deliveries", "", "", nil), http.StatusOK)

	lee := n.delivery(t, api.NoticeRequested, "lee@acme", api.ChannelKindEmail)
	assert.Equal(t, 1, lee.Attempts, "a permanent refusal is not retried")
	assert.Contains(t, lee.Error, "550")
	assert.Equal(t, "lee@acme.example", lee.Address)
}

// settled waits until the approval has want deliveries, none still sending,
// and returns them as the API lists them.
func (n notifyE2E) settled(t *testing.T, want int) []api.DeliveryView {
	t.Helper()
	return poll(t, 20*time.Second, fmt.Sprintf("%d settled deliveries", want), func() ([]api.DeliveryView, bool) {
		list := n.listDeliveries(t)
		return list, len(list) == want && !slices.ContainsFunc(list, func(d api.DeliveryView) bool { return d.Status == api.DeliverySending })
	})
}

func (n notifyE2E) listDeliveries(t *testing.T) []api.DeliveryView {
	t.Helper()
	var out struct{ Items []api.DeliveryView }
	resp := apiClient{t: t, base: n.d.APIURL}.do("GET", "/v1/approvals/"+url.PathEscape(n.approval)+"/deliveries", nil, nil, &out)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return out.Items
}

// delivery is the one delivery of kind to person through channel.
func (n notifyE2E) delivery(t *testing.T, kind, person, channel string) api.DeliveryView {
	t.Helper()
	for _, d := range n.listDeliveries(t) {
		if d.Kind == kind && d.Person == person && d.Channel == channel {
			return d
		}
	}
	t.Fatalf("no %s delivery to %s through %s", kind, person, channel)
	return api.DeliveryView{}
}

// email waits for the message of kind to address at the relay.
func (n notifyE2E) email(t *testing.T, address, kind string) smtptest.Message {
	t.Helper()
	return poll(t, 20*time.Second, kind+" email to "+address, func() (smtptest.Message, bool) {
		for _, d := range n.relay.Deliveries() {
			if m := smtptest.Parse(t, d.Data); slices.Contains(d.To, address) && m.Header.Get(email.HeaderKind) == kind {
				return m, true
			}
		}
		return smtptest.Message{}, false
	})
}

// slackCall waits for a Web API call of method in channel.
func (n notifyE2E) slackCall(t *testing.T, method, channel string) slacktest.Call {
	t.Helper()
	return poll(t, 20*time.Second, method+" in "+channel, func() (slacktest.Call, bool) {
		calls := n.slackCalls(method, channel)
		if len(calls) == 0 {
			return slacktest.Call{}, false
		}
		return calls[0], true
	})
}

func (n notifyE2E) slackCalls(method, channel string) []slacktest.Call {
	var out []slacktest.Call
	for _, c := range n.slack.Calls() {
		if c.Method == method && c.Args.Get("channel") == channel {
			out = append(out, c)
		}
	}
	return out
}

// responseURL is a click's own response_url, on the fake Slack's origin.
func (n notifyE2E) responseURL(name string) string {
	return n.slack.URL + "/actions/" + slacktest.Team + "/" + name + "/e2e"
}

// click sends c to the API's interactivity URL, as Slack does: without a token.
func (n notifyE2E) click(t *testing.T, c slacktest.Click) (int, string) {
	t.Helper()
	req := c.Request(t, n.d.APIURL+"/v1/slack/interactions")
	// Slack signs the body only; the id ties the click to its audit event.
	req.Header.Set("X-Request-Id", "click-"+c.UserID)
	resp, err := (&http.Client{Transport: baseTransport}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// answer waits for what Greenlight sent a click's response_url.
func (n notifyE2E) answer(t *testing.T, responseURL string) map[string]any {
	t.Helper()
	u, err := url.Parse(responseURL)
	require.NoError(t, err)
	return poll(t, 20*time.Second, "an answer at "+u.Path, func() (map[string]any, bool) {
		for _, h := range n.slack.Hooks.Received() {
			if h.Path == u.Path {
				return h.Body, true
			}
		}
		return nil, false
	})
}

// webhookReceiver is a subscriber's endpoint: it checks every request with
// webhook.Verify, failing the test on one that does not pass, and records
// the events.
type webhookReceiver struct {
	*httptest.Server

	mu     sync.Mutex
	events []webhookEvent
}

type webhookEvent struct {
	ID   string           `json:"-"` // webhook-id
	Type string           `json:"type"`
	Data api.ApprovalView `json:"data"`
}

func newWebhookReceiver(t *testing.T, secret string) *webhookReceiver {
	w := &webhookReceiver{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = webhook.Verify(secret, r.Header, body, time.Now(), 0)
		}
		var e webhookEvent
		if err == nil {
			err = json.Unmarshal(body, &e)
		}
		if err != nil {
			t.Errorf("webhook receiver: %v", err)
			http.Error(rw, err.Error(), http.StatusUnauthorized)
			return
		}
		e.ID = r.Header.Get("webhook-id")
		w.mu.Lock()
		w.events = append(w.events, e)
		w.mu.Unlock()
		rw.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(w.Close)
	return w
}

// event waits for the first event of type typ.
func (w *webhookReceiver) event(t *testing.T, typ string) webhookEvent {
	t.Helper()
	return poll(t, 20*time.Second, "webhook "+typ, func() (webhookEvent, bool) {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, e := range w.events {
			if e.Type == typ {
				return e, true
			}
		}
		return webhookEvent{}, false
	})
}

// TestDevOutboxEndToEnd: in dev mode without a relay, a request for approval
// is an .eml in <data-dir>/outbox within 2 s, and its approve link works: it
// opens the approval page, and the page's button decides.
func TestDevOutboxEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, cfg := startDev(t)
	code, _, body := as(t, d.APIURL, d.AdminToken, "POST", "/v1/people",
		`{"id":"pat@bakery","name":"Pat","clients":["bakery"],"channels":[{"kind":"email","address":"pat@bakery.example"}]}`)
	require.Equal(t, http.StatusCreated, code, body)

	e := approvalsE2E{d: d}
	campaign, _ := e.pending(t, "reputation-repair", "bakery")
	id := api.ApprovalID(campaign, "approve_plan")
	v := e.approval(t, id)

	dir := app.OutboxDir(cfg)
	require.Equal(t, filepath.Join(cfg.DataDir, "outbox"), dir)
	file := poll(t, time.Until(v.RequestedAt.Add(2*time.Second)), "an .eml in the outbox within 2 s of the request", func() (string, bool) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(files) == 0 {
			return "", false
		}
		return files[0], true
	})
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	m := smtptest.Parse(t, raw)
	to, err := mail.ParseAddress(m.Header.Get("To"))
	require.NoError(t, err)
	assert.Equal(t, "pat@bakery.example", to.Address)
	assert.Equal(t, id, m.Header.Get(email.HeaderApproval))
	assert.Equal(t, "Approval needed: Approve the reputation repair plan for Acme (by "+preview.Of(v, time.UTC).Due+")", m.Subject(t))

	// The approve link opens the approval page, which decides nothing yet.
	link := linkIn(t, m.Text, "Approve")
	page, status := get(t, link)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "Approve the reputation repair plan for Acme")
	assert.Contains(t, page, `<form method="post">`)
	assert.Equal(t, api.ApprovalPending, e.approval(t, id).Status)

	// Its Approve button posts the page's form back to the link.
	form := hiddenFields(page)
	form.Set("decision", api.DecisionApprove)
	req, err := http.NewRequest(http.MethodPost, link, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := (&http.Client{Transport: baseTransport}).Do(req)
	require.NoError(t, err)
	done, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", done)
	assert.Contains(t, res.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, strings.ToLower(string(done)), "approved")
	decided := e.approval(t, id)
	assert.Equal(t, api.ApprovalApproved, decided.Status)
	assert.Equal(t, "pat@bakery", decided.DecidedBy)
	assert.Equal(t, api.ChannelLink, decided.Channel)
}

// linkIn is the URL on the line "<name>: <url>" of an email's text.
func linkIn(t *testing.T, text, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `: (\S+)$`).FindStringSubmatch(text)
	require.NotNil(t, m, "no %s link in:\n%s", name, text)
	return m[1]
}

var (
	inputTag  = regexp.MustCompile(`<input\b[^>]*>`)
	attribute = regexp.MustCompile(`\b(type|name|value)="([^"]*)"`)
)

// hiddenFields are the hidden inputs of a page's form, as a browser posts them.
func hiddenFields(page string) url.Values {
	out := url.Values{}
	for _, tag := range inputTag.FindAllString(page, -1) {
		attrs := map[string]string{}
		for _, a := range attribute.FindAllStringSubmatch(tag, -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		if attrs["type"] == "hidden" && attrs["name"] != "" {
			out.Set(attrs["name"], attrs["value"])
		}
	}
	return out
}

// get opens link as a browser does, without a token, and returns the page.
func get(t *testing.T, link string) (string, int) {
	t.Helper()
	resp, err := (&http.Client{Transport: baseTransport}).Get(link)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	return string(b), resp.StatusCode
}

// poll calls get every 50 ms until it reports ok and returns its value,
// failing the test with what once within has passed.
func poll[T any](t *testing.T, within time.Duration, what string, get func() (T, bool)) T {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		v, ok := get()
		if ok {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", within.Round(time.Millisecond), what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
