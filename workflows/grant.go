package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

// Approve the plan, not each post: an approval may carry a grant (topics, a
// number of posts, accounts never to touch, a daily cap). A later approval that
// is covered_by it passes at once when the grant's approval was approved and the
// new preview stays inside every bound; otherwise it waits for people as usual,
// with the reasons on record. A pass is recorded as decided by the grant
// (decided_by "grant:<approval id>", channel "grant"), never as a person.

// changeGrantDeciders is the GetVersion change after which a grant covers an
// approval only when people who could have decided that approval approved the
// grant, as many as its quorum, none of them its requester, and never a timeout
// policy: a grant passes on their decision, it must not widen who decides. Runs
// recorded before it keep the old rule.
const changeGrantDeciders = "grant-deciders"

// applyGrant decides approval ai by the grant of step grantStep if it holds, and
// reports whether it did.
func (r *campaignRun) applyGrant(ctx workflow.Context, f *frame, ai int, grantStep string, preview map[string]any) bool {
	a := &r.view.Approvals[ai]
	step := findStep(r.in.Playbook.Steps, grantStep)
	out := r.output(f, grantStep)
	grantID := api.ApprovalID(r.in.CampaignID, r.grantKey(f, grantStep))
	checkDeciders := workflow.GetVersion(ctx, changeGrantDeciders, workflow.DefaultVersion, 1) >= 1
	var reasons []string
	switch {
	case step == nil || step.Approval == nil || step.Approval.Grant == nil:
		reasons = []string{fmt.Sprintf("step %s grants nothing", grantStep)}
	case out == nil || out["outcome"] != api.ApprovalApproved:
		reasons = []string{fmt.Sprintf("approval %s was not approved", grantStep)}
	default:
		reasons = outsideGrant(step.Approval.Grant, preview)
		if checkDeciders {
			reasons = append(reasons, r.grantDeciders(grantID, *a)...)
		}
	}
	if len(reasons) > 0 {
		r.emit(ctx, change{audit: []auditEntry{{
			kind: "approval.outside_grant", channel: api.ChannelSystem, approvalID: a.ID,
			detail: map[string]any{"grant": grantID, "reasons": reasons},
		}}})
		return false
	}
	now := workflow.Now(ctx).UTC()
	a.Status, a.Decision, a.DecidedBy, a.Channel, a.DecidedAt = api.ApprovalApproved, api.DecisionApprove, "grant:"+grantID, api.ChannelGrant, &now
	r.emit(ctx, change{approvals: []int{ai}, audit: []auditEntry{{
		kind: "approval.granted", actor: "grant:" + grantID, channel: api.ChannelGrant, approvalID: a.ID,
		detail: map[string]any{"grant": grantID},
	}}})
	return true
}

// grantDeciders lists why the people who approved grant grantID could not have
// approved covered themselves; none means the grant speaks for them.
func (r *campaignRun) grantDeciders(grantID string, covered api.ApprovalView) []string {
	gi, ok := r.approvals[grantID]
	if !ok {
		return []string{fmt.Sprintf("approval %s is no longer on record in this run", grantID)}
	}
	g := r.view.Approvals[gi]
	if g.Status != api.ApprovalApproved {
		return []string{fmt.Sprintf("approval %s was approved by its timeout policy, not by people", grantID)}
	}
	need := max(covered.Quorum, 1)
	var reasons []string
	counted := 0
	for _, v := range g.Votes {
		if v.Decision != api.DecisionApprove {
			continue
		}
		switch {
		case covered.RequestedBy != "" && v.By == covered.RequestedBy:
			reasons = append(reasons, fmt.Sprintf("%s approved the grant but requested this step", v.By))
		case !MayDecide(covered.Approvers, api.Approver{ID: v.By, Role: v.Role}):
			reasons = append(reasons, fmt.Sprintf("%s approved the grant but may not decide this approval", v.By))
		default:
			counted++
		}
	}
	if counted >= need {
		return nil
	}
	return append(reasons, fmt.Sprintf("%d of the grant's approvers may decide this approval; it needs %d", counted, need))
}

// grantKey is the instance key of the granting step as seen from f: the nearest
// one already run.
func (r *campaignRun) grantKey(f *frame, stepID string) string {
	for i := len(r.view.Steps) - 1; i >= 0; i-- {
		if r.view.Steps[i].ID == stepID {
			return r.view.Steps[i].Key
		}
	}
	return f.key(stepID)
}

// outsideGrant lists each way the preview leaves the grant's bounds.
func outsideGrant(g *playbooks.Grant, preview map[string]any) []string {
	var out []string
	posts, _ := preview["posts"].([]any)
	if g.MaxPosts > 0 && len(posts) > g.MaxPosts {
		out = append(out, fmt.Sprintf("%d posts, more than the %d granted", len(posts), g.MaxPosts))
	}
	if len(g.Topics) > 0 {
		for i, p := range posts {
			m, _ := p.(map[string]any)
			topic, _ := m["topic"].(string)
			if !slices.Contains(g.Topics, topic) {
				out = append(out, fmt.Sprintf("post %d is about %q, not a granted topic (%s)", i+1, topic, strings.Join(g.Topics, ", ")))
			}
		}
	}
	if len(g.NeverTouch) > 0 {
		accounts, _ := preview["accounts"].([]any)
		for _, acc := range accounts {
			s, _ := acc.(string)
			for _, never := range g.NeverTouch {
				if handle(s) == handle(never) {
					out = append(out, fmt.Sprintf("names %s, an account never to touch", s))
				}
			}
		}
	}
	if g.DailyCap > 0 {
		if n, ok := preview["daily_cap"].(float64); ok && int(n) > g.DailyCap {
			out = append(out, fmt.Sprintf("a daily cap of %d, above the %d granted", int(n), g.DailyCap))
		}
	}
	return out
}

func handle(s string) string { return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@")) }

// findStep finds a step by id anywhere in the playbook.
func findStep(steps []playbooks.Step, id string) *playbooks.Step {
	for i := range steps {
		s := &steps[i]
		if s.ID == id {
			return s
		}
		var nested [][]playbooks.Step
		switch {
		case s.Parallel != nil:
			nested = append(nested, s.Parallel.Steps)
			for _, b := range s.Parallel.Branches {
				nested = append(nested, b.Steps)
			}
		case s.Repeat != nil:
			nested = append(nested, s.Repeat.Steps)
		case s.Branch != nil:
			nested = append(nested, s.Branch.Then, s.Branch.Else)
		}
		for _, n := range nested {
			if found := findStep(n, id); found != nil {
				return found
			}
		}
	}
	return nil
}
