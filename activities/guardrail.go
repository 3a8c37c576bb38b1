package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/guardrails/competitors"
	"github.com/greenlight/greenlight/platforms"
)

// screen applies the competitor guardrail to an action's input, before any
// connector sees it. A competitor list that does not read fails the action
// rather than letting it through unguarded: the launch validates the list, so
// only a hand-made workflow input gets here. The one exception is a handle
// written the old way that is no handle at all ("@Rival Co"): campaigns
// launched before lists were validated may carry one, it never matched a real
// account, and failing their outreach now would stop them for nothing; it is
// logged and passed over.
func screen(ctx context.Context, spec platforms.ActionSpec, input map[string]any, req ActionRequest) (competitors.Screened, error) {
	if len(spec.Guarded) == 0 || len(req.Competitors) == 0 {
		return competitors.Screened{Input: input}, nil
	}
	list, probs := competitors.Parse(req.Competitors)
	var msgs []string
	for _, p := range probs {
		if i, old := oldEntry(req.Competitors, p.Field); old {
			activity.GetLogger(ctx).Warn("competitor entry passed over: it is not a handle", "entry", req.Competitors[i], "problem", p.Message)
			continue
		}
		msgs = append(msgs, "competitors"+p.Field+": "+p.Message)
	}
	if len(msgs) > 0 {
		return competitors.Screened{}, temporal.NewNonRetryableApplicationError(
			"the competitor list does not read: "+strings.Join(msgs, "; "), "BadCompetitors", nil)
	}
	return competitors.Screen(spec.Guarded, input, competitors.New(list),
		competitors.Override{Allowed: req.Unblock, Only: req.UnblockOnly}), nil
}

// oldEntry reports whether a problem is about a whole entry that is a string,
// and which.
func oldEntry(list []any, field string) (int, bool) {
	var i int
	if _, err := fmt.Sscanf(field, "[%d]", &i); err != nil || fmt.Sprintf("[%d]", i) != field || i < 0 || i >= len(list) {
		return 0, false
	}
	_, isString := list[i].(string)
	return i, isString
}

// guardrailOutput adds what the guardrail did to an action's output: blocked
// (each with the rule, the input, the target as written and what it matched),
// allowed (blocks a person let through) and unattributed (post links whose
// author could not be told). They are plain JSON values, as the workflow reads
// every output.
func guardrailOutput(out map[string]any, s competitors.Screened) map[string]any {
	if len(s.Blocked)+len(s.Allowed)+len(s.Unattributed) == 0 {
		return out
	}
	if out == nil {
		out = map[string]any{}
	}
	if len(s.Blocked) > 0 {
		out["blocked"] = blockRecords(s.Blocked)
	}
	if len(s.Allowed) > 0 {
		out["allowed"] = blockRecords(s.Allowed)
	}
	if len(s.Unattributed) > 0 {
		out["unattributed"] = plain(s.Unattributed)
	}
	return out
}

// blockRecords are the blocks as the output lists them. A blocked entry of an
// accounts list also names it as account, the field records had before the
// guardrail read more than handles.
func blockRecords(bs []competitors.Block) []any {
	out := plain(bs)
	for i, b := range bs {
		if b.Input == "accounts" {
			out[i].(map[string]any)["account"] = b.Target
		}
	}
	return out
}

func plain[T any](v []T) []any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out []any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil
	}
	return out
}
