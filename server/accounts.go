package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/credentials"
	"github.com/greenlight/greenlight/guardrails/competitors"
	hook "github.com/greenlight/greenlight/notify/webhook"
	"github.com/greenlight/greenlight/platforms/bluesky"
	"github.com/greenlight/greenlight/platforms/mastodon"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/platforms/webhook"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// A client's accounts (/v1/clients/{client}/accounts): on which platforms it
// acts, as which handle, through which connector, owned by which team, with
// which credential (by name; the secret never passes through the API). A
// caller scoped to other clients finds neither the client's accounts nor its
// account ids (404).

// accountConnectors are the connectors an account may name.
var accountConnectors = []string{sandbox.Name, webhook.Name, mastodon.Name, bluesky.Name}

// teamPattern: a team id has the shape of a client id (e.g. team-x).
var teamPattern = clientPattern

// maxHandle bounds a handle as sent, before it is read: a profile URL at most.
const maxHandle = 300

func accountView(a *store.Account) api.AccountView {
	return api.AccountView{
		ID: a.ID, Client: a.ClientID, Platform: a.Platform, Handle: a.Handle, Connector: a.Connector,
		Team: a.Team, Credential: a.Credential, Endpoint: a.Endpoint, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

// accountRow checks every field of req and returns the row it describes,
// its handle in the platform's normal form, or the problems.
func accountRow(client, id string, req api.AccountRequest) (*store.Account, []playbooks.Problem) {
	var probs []playbooks.Problem
	add := func(field, format string, a ...any) {
		probs = append(probs, playbooks.Problem{Field: field, Message: fmt.Sprintf(format, a...)})
	}
	handle := ""
	switch {
	case !slices.Contains(competitors.Platforms, req.Platform):
		add("platform", "%q is not a platform: one of %s", req.Platform, strings.Join(competitors.Platforms, ", "))
	case len(req.Handle) > maxHandle:
		add("handle", "at most %d bytes", maxHandle)
	default:
		var msg string
		if handle, msg = competitors.AccountKey(req.Platform, req.Handle); msg != "" {
			add("handle", "%s", msg)
		}
	}
	if !slices.Contains(accountConnectors, req.Connector) {
		add("connector", "%q is not a connector: one of %s", req.Connector, strings.Join(accountConnectors, ", "))
	}
	if req.Team != "" && !teamPattern.MatchString(req.Team) {
		add("team", "%s", teamProblem(req.Team))
	}
	if req.Credential != "" && !credentials.ValidName(req.Credential) {
		// The value is not echoed: someone may have pasted the secret itself here.
		add("credential", "is not a credential name: 1-64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit; give the name of the credential, never the secret")
	}
	if msg := endpointProblem(req); msg != "" {
		add("endpoint", "%s", msg)
	}
	if req.Connector != sandbox.Name && slices.Contains(accountConnectors, req.Connector) && req.Credential == "" {
		add("credential", "the %s connector acts with a secret: name its credential (docs/connectors.md, \"Credentials\")", req.Connector)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return &store.Account{ID: id, ClientID: client, Platform: req.Platform, Handle: handle,
		Connector: req.Connector, Team: req.Team, Credential: req.Credential, Endpoint: req.Endpoint}, nil
}

// maxEndpoint bounds an account's endpoint URL.
const maxEndpoint = 500

// endpointProblem checks where the account's connector reaches it: a webhook
// needs its receiver's URL; a Mastodon account's defaults to its handle's
// instance; the sandbox reaches none.
func endpointProblem(req api.AccountRequest) string {
	if req.Endpoint == "" {
		// A Mastodon handle always names its instance, the default endpoint.
		if req.Connector == webhook.Name {
			return "the webhook connector needs the receiver's URL here"
		}
		return ""
	}
	if req.Connector == sandbox.Name {
		return "the sandbox reaches no endpoint; leave it out"
	}
	if len(req.Endpoint) > maxEndpoint {
		return fmt.Sprintf("at most %d bytes", maxEndpoint)
	}
	u, err := hook.CheckURL(req.Endpoint)
	if err != nil {
		return "must be an https:// URL (plain http only on a loopback host)"
	}
	if u.User != nil {
		// A password in the URL would be shown wherever the account is.
		return "must not carry a user or password; secrets go in the credential"
	}
	return ""
}

// accountDetail is what the audit log keeps of an account written (it holds
// no secret, only a credential's name). With old, the fields the change
// touched are listed under "changed".
func accountDetail(a, old *store.Account) map[string]any {
	d := map[string]any{"account": a.ID, "platform": a.Platform, "handle": a.Handle,
		"connector": a.Connector, "team": a.Team, "credential": a.Credential, "endpoint": a.Endpoint}
	if old != nil {
		changed := []string{}
		for _, f := range []struct {
			name string
			same bool
		}{
			{"platform", old.Platform == a.Platform},
			{"handle", old.Handle == a.Handle},
			{"connector", old.Connector == a.Connector},
			{"team", old.Team == a.Team},
			{"credential", old.Credential == a.Credential},
			{"endpoint", old.Endpoint == a.Endpoint},
		} {
			if !f.same {
				changed = append(changed, f.name)
			}
		}
		d["changed"] = changed
	}
	return d
}

// accountClient is the path's client when the caller may see it; otherwise
// it answers 404 (or 400 for a malformed id) and returns false.
func accountClient(c *gin.Context) (string, bool) {
	client := c.Param("client")
	if !clientPattern.MatchString(client) {
		badRequest(c, fmt.Sprintf("%q is not a client id", client))
		return "", false
	}
	if !visible(c.Request.Context(), client) {
		notFound(c, "no client "+client)
		return "", false
	}
	return client, true
}

func (s *Server) listAccounts(c *gin.Context) {
	if !onlyQuery(c, "team", "platform", "limit", "page_token") {
		return
	}
	client, ok := accountClient(c)
	if !ok {
		return
	}
	f := store.AccountFilter{ClientID: client, Team: c.Query("team"), Platform: c.Query("platform"), PageToken: c.Query("page_token")}
	if f.Limit, ok = pageLimit(c); !ok {
		return
	}
	page, err := s.store.ListAccounts(c.Request.Context(), f)
	if err != nil {
		s.listFailed(c, "accounts", err)
		return
	}
	items := make([]api.AccountView, 0, len(page.Items))
	for i := range page.Items {
		items = append(items, accountView(&page.Items[i]))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_page_token": page.NextPageToken})
}

func (s *Server) createAccount(c *gin.Context) {
	client, ok := accountClient(c)
	if !ok {
		return
	}
	var req api.AccountRequest
	if !decodeJSON(c, &req) {
		return
	}
	a, probs := accountRow(client, newAccountID(), req)
	if len(probs) > 0 {
		invalid(c, "the account has problems", probs...)
		return
	}
	ctx := c.Request.Context()
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		if err := teamMayWrite(ctx, nil, a.Team); err != nil {
			return err
		}
		if err := st.CreateAccount(ctx, a); err != nil {
			return err
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditAccountCreated, client, accountDetail(a, nil)))
	})
	if !s.accountOK(c, "create", err) {
		return
	}
	c.Header("Location", "/v1/clients/"+url.PathEscape(client)+"/accounts/"+url.PathEscape(a.ID))
	c.JSON(http.StatusCreated, accountView(a))
}

func (s *Server) getAccount(c *gin.Context) {
	client, ok := accountClient(c)
	if !ok {
		return
	}
	a, err := s.store.GetAccount(c.Request.Context(), client, c.Param("id"))
	if !s.accountOK(c, "read", err) {
		return
	}
	c.JSON(http.StatusOK, accountView(a))
}

// updateAccount replaces the account: fields left out are emptied, as PUT says.
func (s *Server) updateAccount(c *gin.Context) {
	client, ok := accountClient(c)
	if !ok {
		return
	}
	var req api.AccountRequest
	if !decodeJSON(c, &req) {
		return
	}
	a, probs := accountRow(client, c.Param("id"), req)
	if len(probs) > 0 {
		invalid(c, "the account has problems", probs...)
		return
	}
	ctx := c.Request.Context()
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		old, err := st.GetAccount(ctx, client, a.ID)
		if err != nil {
			return err
		}
		if err := teamMayWrite(ctx, old, a.Team); err != nil {
			return err
		}
		if old.Team != a.Team || old.Platform != a.Platform || old.Handle != a.Handle {
			// A rotated credential or a moved endpoint is fine mid-campaign;
			// another owner or another account under running campaigns is not.
			if err := notHeld(ctx, st, old, "change its team, platform or handle"); err != nil {
				return err
			}
		}
		if err := st.UpdateAccount(ctx, a); err != nil {
			return err
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditAccountUpdated, client, accountDetail(a, old)))
	})
	if !s.accountOK(c, "update", err) {
		return
	}
	c.JSON(http.StatusOK, accountView(a))
}

func (s *Server) deleteAccount(c *gin.Context) {
	client, ok := accountClient(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	err := s.store.Transaction(ctx, func(st *store.Store) error {
		old, err := st.GetAccount(ctx, client, c.Param("id"))
		if err != nil {
			return err
		}
		if err := teamMayWrite(ctx, old, old.Team); err != nil {
			return err
		}
		if err := notHeld(ctx, st, old, "delete it"); err != nil {
			return err
		}
		if err := st.DeleteAccount(ctx, client, old.ID); err != nil {
			return err
		}
		return st.AppendAudit(ctx, auditOf(c, api.AuditAccountDeleted, client, accountDetail(old, nil)))
	})
	if !s.accountOK(c, "delete", err) {
		return
	}
	c.Status(http.StatusNoContent)
}

// accountOK says whether a read or write of an account succeeded, and answers
// the request when it did not.
func (s *Server) accountOK(c *gin.Context, what string, err error) bool {
	var taken *store.AccountConflictError
	var refused *accountRefusal
	switch {
	case err == nil:
		return true
	case errors.As(err, &refused):
		title := "Forbidden"
		typ := probForbidden
		if refused.status == http.StatusConflict {
			title, typ = "Conflict", probConflict
		}
		problem(c, refused.status, typ, title, refused.msg, playbooks.Problem{Field: refused.field, Message: refused.msg})
	case errors.Is(err, store.ErrNotFound):
		notFound(c, "no account "+c.Param("id")+" of client "+c.Param("client"))
	case errors.As(err, &taken):
		problem(c, http.StatusConflict, probConflict, "Conflict", "the account could not be written: "+taken.Message,
			playbooks.Problem{Field: taken.Field, Message: taken.Message})
	default:
		s.internal(c, "could not "+what+" the account", err)
	}
	return false
}

// newAccountID has the shape of a campaign's id: short enough to type.
func newAccountID() string { return newCampaignID() }

// accountRefusal is a write of an account the caller may not make (403) or
// that running campaigns forbid (409).
type accountRefusal struct {
	status int
	field  string
	msg    string
}

func (e *accountRefusal) Error() string { return e.msg }

// teamMayWrite keeps ownership with the teams: who is not an admin may write
// only accounts of their own team (or of none), and may give an account to
// no other team, so nobody walks onto another team's account by editing it.
func teamMayWrite(ctx context.Context, old *store.Account, team string) error {
	c := callerOf(ctx)
	if c == nil || c.admin() {
		return nil
	}
	if old != nil && old.Team != "" && old.Team != c.team {
		return &accountRefusal{status: http.StatusForbidden, field: "team", msg: fmt.Sprintf(
			"account %s belongs to team %s; only that team or an admin may change it", old.ID, old.Team)}
	}
	if team != "" && team != c.team {
		return &accountRefusal{status: http.StatusForbidden, field: "team", msg: fmt.Sprintf(
			"only an admin may give an account to team %s (this token is of %s)", team, teamName(c.team))}
	}
	return nil
}

// notHeld refuses what would pull an account from under the campaigns that
// hold it.
func notHeld(ctx context.Context, st *store.Store, a *store.Account, what string) error {
	holders, err := st.Holders(ctx, a.ID)
	if err != nil || len(holders) == 0 {
		return err
	}
	ids := make([]string, 0, len(holders))
	for _, h := range holders {
		ids = append(ids, h.CampaignID)
	}
	return &accountRefusal{status: http.StatusConflict, field: "id", msg: fmt.Sprintf(
		"account %s is held by campaign %s; cancel or finish them before you %s", a.ID, strings.Join(ids, ", "), what)}
}

func teamName(team string) string {
	if team == "" {
		return "no team"
	}
	return "team " + team
}
