package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// The audit log reads back what every layer records: a campaign's trail at
// GET /v1/campaigns/{id}/events (whoever may read the campaign), and every
// event, campaigns' or not, at GET /v1/audit (the audit right: admins and
// operators), narrowed to the token's clients. An event of no single client
// (a shared playbook, a token or person of several clients) is seen only by
// tokens of every client.

// auditTypePattern is an event type (approval.decided) or a prefix of types
// ending in a dot (approval.).
var auditTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?$`)

// maxAuditActor is the longest actor the store holds.
const maxAuditActor = 200

// listCampaignEvents answers a campaign's audit events in the order they were
// recorded; another client's campaign is absent, as everywhere.
func (s *Server) listCampaignEvents(c *gin.Context) {
	if !onlyQuery(c, "limit", "page_token") {
		return
	}
	camp, ok := s.campaignOr404(c)
	if !ok {
		return
	}
	f := store.AuditFilter{CampaignID: camp.ID, OldestFirst: true, PageToken: c.Query("page_token")}
	if f.Limit, ok = pageLimit(c); !ok {
		return
	}
	s.answerAudit(c, f)
}

// listAudit answers audit events newest first, filtered and narrowed to the
// caller's clients.
func (s *Server) listAudit(c *gin.Context) {
	if !onlyQuery(c, "client", "type", "actor", "since", "until", "limit", "page_token") {
		return
	}
	ctx := c.Request.Context()
	f := store.AuditFilter{
		ClientID: c.Query("client"), Kind: c.Query("type"), Actor: c.Query("actor"),
		PageToken: c.Query("page_token"), ClientIDs: scopeFilter(ctx, c.Query("client")),
	}
	if f.Kind != "" && (len(f.Kind) > 64 || !auditTypePattern.MatchString(f.Kind)) {
		badParam(c, "type", fmt.Sprintf("%q is neither an event type (approval.decided) nor a prefix of types ending in a dot (approval.)", f.Kind))
		return
	}
	if utf8.RuneCountInString(f.Actor) > maxAuditActor {
		badParam(c, "actor", fmt.Sprintf("is longer than %d characters, so no event has it", maxAuditActor))
		return
	}
	now := time.Now().UTC()
	var ok bool
	if f.Since, ok = reportBound(c, "since", time.Time{}, now); !ok {
		return
	}
	if f.Until, ok = reportBound(c, "until", time.Time{}, now); !ok {
		return
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		badParam(c, "since", fmt.Sprintf("since (%s) must be before until (%s)", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339)))
		return
	}
	if f.Limit, ok = pageLimit(c); !ok {
		return
	}
	s.answerAudit(c, f)
}

func (s *Server) answerAudit(c *gin.Context, f store.AuditFilter) {
	page, err := s.store.ListAudit(c.Request.Context(), f)
	if err != nil {
		s.listFailed(c, "audit events", err)
		return
	}
	out := api.AuditEventList{Items: make([]api.AuditEventView, 0, len(page.Items)), NextPageToken: page.NextPageToken}
	for i := range page.Items {
		out.Items = append(out.Items, auditView(&page.Items[i]))
	}
	c.JSON(http.StatusOK, out)
}

func auditView(e *store.AuditEvent) api.AuditEventView {
	return api.AuditEventView{
		ID: e.ID, Type: e.Kind, At: e.At, Actor: e.Actor, Channel: e.Channel, Client: e.ClientID,
		CampaignID: e.CampaignID, ApprovalID: e.ApprovalID, RequestID: e.RequestID, Detail: auditDetail(e.Detail),
	}
}

// auditDetail is a stored detail as a JSON object: {} for none, and text that
// is not an object (which no writer makes) kept as {"text": …} rather than
// breaking the answer.
func auditDetail(stored string) json.RawMessage {
	if stored == "" {
		return json.RawMessage(`{}`)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(stored), &obj) == nil && obj != nil {
		return json.RawMessage(stored)
	}
	b, _ := json.Marshal(map[string]string{"text": stored})
	return b
}

// badParam answers 400 naming the query parameter at fault.
func badParam(c *gin.Context, name, msg string) {
	problem(c, http.StatusBadRequest, probBadRequest, "Bad request", name+": "+msg, playbooks.Problem{Field: name, Message: msg})
}

// auditOf is an event the request c records: by the token's holder, through
// c's channel, with c's request id, now. client scopes it ("" for none);
// detail is its JSON object. Its dedup key is new: each request that records
// one records its own (a launch, which must record once per campaign, sets
// its own key).
func auditOf(c *gin.Context, kind, client string, detail any) store.AuditEvent {
	b, err := json.Marshal(detail)
	if err != nil || detail == nil {
		b = []byte(`{}`)
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	return store.AuditEvent{
		DedupKey: kind + "/" + requestIDOf(c) + "/" + hex.EncodeToString(nonce[:]),
		Kind:     kind, ClientID: client, Actor: actor(c.Request.Context(), "", "api"), Channel: channelOf(c),
		RequestID: requestIDOf(c), Detail: string(b), At: time.Now().UTC(),
	}
}

// soleClient scopes an event about something of the clients given (a token's,
// a person's before and after a change): their one client, or "" when they
// are several or none (every client), which only tokens of every client see.
func soleClient(lists ...[]string) string {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.Sort(all)
	if all = slices.Compact(all); len(all) == 1 {
		return all[0]
	}
	return ""
}
