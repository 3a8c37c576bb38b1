package activities

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/platforms"
)

// AccountConnectors gives the connector that acts on one of a client's
// accounts, built with its credential as it stands now, so a rotated secret
// is used from the next action on (worker.AccountConnectors).
type AccountConnectors interface {
	ConnectorFor(ctx context.Context, acc platforms.Account) (platforms.Connector, error)
}

// Holds guards every action on an account: the campaign must hold the
// account, and no campaign of another team may (worker.StoreHolds). granted
// says the account's owning team approved lending it.
type Holds interface {
	Claim(ctx context.Context, campaignID, accountID string, granted bool) error
}

// ErrAccountHeld is the refusal Holds.Claim wraps: retrying cannot help.
var ErrAccountHeld = errors.New("the campaign may not act on this account")

// target is one connector call of an account action: the accounts it acts
// on through one connector.
type target struct {
	conn     platforms.Connector
	accounts []platforms.Account
}

// accountTargets resolves the platforms an account action names (its
// platform or platforms input; none names every account of the campaign) to
// the campaign's accounts, claims each, and groups them by the connector
// that acts on them.
func (a *Activities) accountTargets(ctx context.Context, req ActionRequest, input map[string]any) ([]target, error) {
	named := namedPlatforms(input)
	var accs []platforms.Account
	if len(named) == 0 {
		accs = req.Accounts
	}
	for _, p := range named {
		i := slices.IndexFunc(req.Accounts, func(acc platforms.Account) bool { return acc.Platform == p })
		if i < 0 {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s acts on %s, but the campaign has no account there (its accounts were resolved at launch: %s)",
					req.Action, p, strings.Join(accountPlatforms(req.Accounts), ", ")), "NoAccount", nil)
		}
		accs = append(accs, req.Accounts[i])
	}
	var out []target
	byKey := map[string]int{}
	for _, acc := range accs {
		if acc.ID != "" {
			if a.Holds == nil {
				return nil, temporal.NewNonRetryableApplicationError("this worker has no account holds configured", "NoHolds", nil)
			}
			if err := a.Holds.Claim(ctx, req.CampaignID, acc.ID, slices.Contains(req.Granted, acc.ID)); err != nil {
				if errors.Is(err, ErrAccountHeld) {
					return nil, temporal.NewNonRetryableApplicationError(err.Error(), "AccountHeld", err)
				}
				return nil, fmt.Errorf("check the hold on account %s: %w", acc.ID, err)
			}
		}
		// Accounts one connector reaches as one (the sandbox, or one account
		// named twice) are acted on in one call.
		key := acc.Connector + "\x00" + acc.Endpoint + "\x00" + acc.Credential + "\x00" + acc.Handle
		if acc.ID == "" {
			key = acc.Connector
		}
		if i, ok := byKey[key]; ok {
			out[i].accounts = append(out[i].accounts, acc)
			continue
		}
		conn, err := a.connectorFor(ctx, acc)
		if err != nil {
			return nil, err
		}
		byKey[key] = len(out)
		out = append(out, target{conn: conn, accounts: []platforms.Account{acc}})
	}
	return out, nil
}

func (a *Activities) connectorFor(ctx context.Context, acc platforms.Account) (platforms.Connector, error) {
	if acc.ID == "" {
		// A platform the dev stack lends the sandbox: no account, no credential.
		if conn, ok := a.Connectors[acc.Connector]; ok {
			return conn, nil
		}
	}
	if a.Accounts == nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("this worker cannot act on accounts (connector %q)", acc.Connector), "UnknownConnector", nil)
	}
	conn, err := a.Accounts.ConnectorFor(ctx, acc)
	if err != nil {
		return nil, fmt.Errorf("connector for %s account %s: %w", acc.Platform, acc.Handle, err)
	}
	return conn, nil
}

// performOn runs the action through each target. One target gets the action
// as the step wrote it, under the step's key; several each get it narrowed to
// their platforms, under the key and the platforms, and the outputs are
// gathered by platform.
func performOn(ctx context.Context, targets []target, act platforms.Action) (platforms.Result, error) {
	if len(targets) == 1 {
		act.Account = &targets[0].accounts[0]
		return targets[0].conn.Perform(ctx, act)
	}
	merged := platforms.Result{Output: map[string]any{}, Simulated: true, Replayed: true}
	byPlatform := map[string]any{}
	var summaries []string
	for _, t := range targets {
		part := act
		ps := accountPlatforms(t.accounts)
		part.Key = act.Key + "@" + strings.Join(ps, "+")
		part.Account = &t.accounts[0]
		part.Input = maps.Clone(act.Input)
		if _, ok := part.Input["platforms"]; ok {
			list := make([]any, 0, len(ps))
			for _, p := range ps {
				list = append(list, p)
			}
			part.Input["platforms"] = list
		}
		if _, ok := part.Input["platform"]; ok {
			part.Input["platform"] = ps[0]
		}
		res, err := t.conn.Perform(ctx, part)
		if err != nil {
			return platforms.Result{}, fmt.Errorf("%s: %w", strings.Join(ps, ", "), err)
		}
		merged.Simulated = merged.Simulated && res.Simulated
		merged.Replayed = merged.Replayed && res.Replayed
		for _, p := range ps {
			byPlatform[p] = res.Output
		}
		if s, ok := res.Output["summary"].(string); ok && s != "" {
			summaries = append(summaries, strings.Join(ps, ", ")+": "+s)
		}
	}
	merged.Output["by_platform"] = byPlatform
	merged.Output["simulated"] = merged.Simulated
	if len(summaries) > 0 {
		merged.Output["summary"] = strings.Join(summaries, "; ")
	}
	return merged, nil
}

// namedPlatforms reads an action's platform and platforms inputs.
func namedPlatforms(in map[string]any) []string {
	var out []string
	for _, p := range append([]string{platforms.InputString(in, "platform")}, platforms.InputStrings(in, "platforms")...) {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func accountPlatforms(accs []platforms.Account) []string {
	out := make([]string, 0, len(accs))
	for _, a := range accs {
		out = append(out, a.Platform)
	}
	return out
}
