package playbooks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/greenlight/greenlight/platforms"
)

// A campaign may act on an account another team owns only once that team
// says yes (Playbook.Ownership). The launch puts that team's approval before
// the first step: only the owning team may decide, silence rejects, and a
// rejection fails the campaign before it acts on anything.

// ownerApprovalPrefix starts the id of an owning team's approval step.
const ownerApprovalPrefix = "owner_approval"

var stepIDUnsafe = regexp.MustCompile(`[^a-z0-9_]`)

// OwnerApprovalID is the id of owner's approval step, distinct from pb's steps.
func OwnerApprovalID(pb *Playbook, owner string) string {
	base := ownerApprovalPrefix + "_" + stepIDUnsafe.ReplaceAllString(owner, "_")
	id := base
	for n := 2; stepIDTaken(pb.Steps, id); n++ {
		id = fmt.Sprintf("%s_%d", base, n)
	}
	return id
}

func stepIDTaken(steps []Step, id string) bool {
	for _, s := range steps {
		if s.ID == id {
			return true
		}
	}
	return false
}

// ownerSteps are the approvals of the teams whose accounts the campaign asks
// for, one per team, in the order their accounts come. Only the owning team
// may decide, silence rejects, and a rejection fails the campaign before it
// acts on anything.
func ownerSteps(pb *Playbook, accs []platforms.Account, team string) []Step {
	var steps []Step
	byStep := map[string][]string{}
	var order []string
	owner := map[string]string{}
	for _, a := range accs {
		if a.AwaitStep == "" {
			continue
		}
		if _, ok := byStep[a.AwaitStep]; !ok {
			order = append(order, a.AwaitStep)
			owner[a.AwaitStep] = a.Team
		}
		byStep[a.AwaitStep] = append(byStep[a.AwaitStep], a.Platform+" "+a.Handle)
	}
	ask := pb.Ownership
	if ask == nil || ask.AskOwner == nil {
		// Nothing to ask with: the holds stay waiting, and the campaign acts on
		// none of these accounts.
		return nil
	}
	for _, id := range order {
		list := strings.Join(byStep[id], ", ")
		asker := "no team"
		if team != "" {
			asker = "team " + team
		}
		accounts := make([]any, 0, len(byStep[id]))
		for _, a := range byStep[id] {
			accounts = append(accounts, a)
		}
		steps = append(steps, Step{
			ID:   id,
			Name: fmt.Sprintf("Team %s lends %s", owner[id], list),
			Approval: &Approval{
				Title: fmt.Sprintf("Let a %s campaign of %s act on %s, which team %s owns?", pb.Name, asker, list, owner[id]),
				Preview: map[string]any{
					"accounts":      accounts,
					"campaign_team": asker,
					"playbook":      fmt.Sprintf("%s v%d", pb.Name, pb.Version),
					"note":          "While this campaign runs, no campaign of another team may act on these accounts, including yours.",
				},
				Timeout:   ask.AskOwner.Timeout,
				Reminders: ask.AskOwner.Reminders,
				OnTimeout: OnTimeoutReject,
				OnReject:  OnRejectFail,
				Sensitive: true,
				Approvers: []Approver{{Team: owner[id]}},
			},
		})
	}
	return steps
}

// WithOwnerApprovals is pb with, first, the approval of each team whose
// accounts in accs a campaign of team waits for (Account.AwaitStep, set with
// OwnerApprovalID). pb itself is shared (the registry's copy) and stays as
// it is.
func WithOwnerApprovals(pb *Playbook, accs []platforms.Account, team string) *Playbook {
	owners := ownerSteps(pb, accs, team)
	if len(owners) == 0 {
		return pb
	}
	cp := *pb
	cp.Steps = append(append([]Step{}, owners...), pb.Steps...)
	return &cp
}
