package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/guardrails/competitors"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// A launch resolves every platform its campaign acts on (playbooks.Platforms)
// to one of the client's accounts: the one the request names in accounts, the
// client's only account there, or the only one the caller's team owns. A
// platform without an account is refused with 422, unless the deployment
// lends it the sandbox (dev). Accounts of another team are held only when the
// playbook asks that team (ownership.ask_owner): the launch then puts the
// owning team's approval before the first step.

// launchPlan is what the accounts add to a launch.
type launchPlan struct {
	accounts []platforms.Account // none: every action goes to the sandbox, as before accounts
	holds    []store.HoldRequest
}

// maxLaunchAccounts bounds the accounts a launch may name, and
// maxLaunchPlatforms the platforms it may act on: each costs a read.
const (
	maxLaunchAccounts  = 20
	maxLaunchPlatforms = 20
)

// planAccounts resolves the platforms of pb with params for the caller's team.
func (s *Server) planAccounts(ctx context.Context, req launchRequest, pb *playbooks.Playbook, params map[string]any, team string) (launchPlan, []playbooks.Problem, error) {
	var plan launchPlan
	var probs []playbooks.Problem
	if len(req.Accounts) > maxLaunchAccounts {
		return plan, []playbooks.Problem{{Field: "accounts", Message: fmt.Sprintf("at most %d accounts", maxLaunchAccounts)}}, nil
	}
	named := map[string]bool{}
	for i, id := range req.Accounts {
		if !clientPattern.MatchString(id) {
			probs = append(probs, playbooks.Problem{Field: fmt.Sprintf("accounts[%d]", i), Message: "is not an account id"})
		}
		named[id] = true
	}
	if len(probs) > 0 {
		return plan, probs, nil
	}
	used := map[string]bool{}
	lent := false
	names := playbooks.Platforms(pb, params)
	if len(names) > maxLaunchPlatforms {
		return plan, []playbooks.Problem{{Field: "params", Message: fmt.Sprintf(
			"the campaign would act on %d platforms; at most %d", len(names), maxLaunchPlatforms)}}, nil
	}
	for _, p := range names {
		page, err := s.store.ListAccounts(ctx, store.AccountFilter{ClientID: req.Client, Platform: p, Limit: 200})
		if err != nil {
			return plan, nil, err
		}
		acc, msg := pickAccount(page.Items, named, team)
		switch {
		case msg != "":
			probs = append(probs, playbooks.Problem{Field: platformField(params, p), Message: msg})
			continue
		case acc == nil && s.lendSandbox:
			plan.accounts = append(plan.accounts, platforms.Account{Platform: p, Connector: s.connector})
			lent = true
			continue
		case acc == nil && !slices.Contains(competitors.Platforms, p):
			probs = append(probs, playbooks.Problem{Field: platformField(params, p), Message: fmt.Sprintf(
				"%q is not a platform a client can have an account on: one of %s", p, strings.Join(competitors.Platforms, ", "))})
			continue
		case acc == nil:
			probs = append(probs, playbooks.Problem{Field: platformField(params, p), Message: fmt.Sprintf(
				"client %s has no account on %s: add one (POST /v1/clients/%s/accounts, or greenlight accounts create) before launching",
				req.Client, p, req.Client)})
			continue
		}
		used[acc.ID] = true
		ref := platforms.Account{ID: acc.ID, Platform: acc.Platform, Handle: acc.Handle, Connector: acc.Connector,
			Endpoint: acc.Endpoint, Credential: acc.Credential, Team: acc.Team}
		hold := store.HoldRequest{Account: *acc}
		if acc.Team != "" && acc.Team != team && pb.Ownership != nil && pb.Ownership.AskOwner != nil {
			ref.AwaitStep = playbooks.OwnerApprovalID(pb, acc.Team)
			hold.Await = ref.AwaitStep
		}
		plan.accounts = append(plan.accounts, ref)
		plan.holds = append(plan.holds, hold)
	}
	for i, id := range req.Accounts {
		if !used[id] {
			probs = append(probs, playbooks.Problem{Field: fmt.Sprintf("accounts[%d]", i), Message: fmt.Sprintf(
				"%s is not an account of client %s on a platform this campaign acts on", id, req.Client)})
		}
	}
	if len(probs) > 0 {
		return launchPlan{}, probs, nil
	}
	if len(plan.holds) == 0 && lent {
		// Nothing but the sandbox: the campaign runs as campaigns did before
		// accounts, every action on its connector.
		plan.accounts = nil
	}
	return plan, nil, nil
}

// pickAccount chooses among a client's accounts on one platform.
func pickAccount(accs []store.Account, named map[string]bool, team string) (*store.Account, string) {
	var chosen []*store.Account
	for i := range accs {
		if named[accs[i].ID] {
			chosen = append(chosen, &accs[i])
		}
	}
	if len(chosen) == 0 && len(accs) > 1 {
		for i := range accs {
			if accs[i].Team == team {
				chosen = append(chosen, &accs[i])
			}
		}
	}
	if len(chosen) == 0 && len(accs) == 1 {
		chosen = append(chosen, &accs[0])
	}
	switch {
	case len(chosen) == 1:
		return chosen[0], ""
	case len(chosen) == 0 && len(accs) == 0:
		return nil, ""
	}
	ids := make([]string, 0, len(accs))
	for _, a := range accs {
		ids = append(ids, a.ID+" ("+a.Handle+")")
	}
	p := accs[0].Platform
	if len(chosen) > 1 && len(named) > 0 && named[chosen[0].ID] {
		return nil, fmt.Sprintf("accounts names %d accounts on %s; name one", len(chosen), p)
	}
	return nil, fmt.Sprintf("the client has %d accounts on %s: %s; name the one to act on in accounts", len(accs), p, strings.Join(ids, ", "))
}

// platformField is the launch field that brought platform p in.
func platformField(params map[string]any, p string) string {
	if params["platform"] == p {
		return "params.platform"
	}
	if list, ok := params["platforms"].([]any); ok && slices.Contains(list, any(p)) {
		return "params.platforms"
	}
	return "playbook"
}

// holdConflict answers a launch refused because of an account's owner or
// holders: 409, naming the account, its owning team and the campaigns that
// hold it.
func holdConflict(c *gin.Context, hc *store.HoldConflictError) {
	campaigns := hc.Campaigns
	if campaigns == nil {
		campaigns = []string{}
	}
	detail := hc.Error()
	if hc.Owner != "" && hc.Owner != hc.Team {
		detail += fmt.Sprintf(". Ask team %s to lend it (a playbook with ownership.ask_owner waits for their approval), or launch from team %s", hc.Owner, hc.Owner)
	}
	b, err := json.Marshal(Problem{Type: probConflict, Title: "Conflict", Status: http.StatusConflict, Detail: detail, RequestID: requestIDOf(c),
		Conflict: &api.HoldConflict{Account: hc.AccountID, Platform: hc.Platform, Handle: hc.Handle, Owner: hc.Owner, Team: hc.Team, Campaigns: campaigns}})
	if err != nil {
		conflict(c, detail)
		return
	}
	c.Abort()
	c.Data(http.StatusConflict, problemContentType, b)
}

// campaignAccounts lists the accounts camp holds, for its view.
func (s *Server) campaignAccounts(ctx context.Context, camp *store.Campaign) ([]api.CampaignAccountView, error) {
	holds, err := s.store.HoldsOf(ctx, camp.ID)
	if err != nil || len(holds) == 0 {
		return nil, err
	}
	out := make([]api.CampaignAccountView, 0, len(holds))
	for _, h := range holds {
		a, err := s.store.GetAccount(ctx, camp.ClientID, h.AccountID)
		if err != nil {
			// A deleted account: still held by id, so still shown.
			out = append(out, api.CampaignAccountView{ID: h.AccountID, State: holdState(h)})
			continue
		}
		out = append(out, api.CampaignAccountView{ID: a.ID, Platform: a.Platform, Handle: a.Handle,
			Connector: a.Connector, Team: a.Team, State: holdState(h)})
	}
	return out, nil
}

func holdState(h store.AccountHold) string {
	if h.Granted {
		return api.HoldHeld
	}
	return api.HoldAwaitingOwner
}
