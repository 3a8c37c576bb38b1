package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/sandbox"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/worker"
	"github.com/greenlight/greenlight/workflows"
)

// borrowing is a campaign of team-facebook on x, an account team-x owns,
// launched as the API launches it: a waiting hold, and team-x's approval
// before the first step.
func borrowing(t *testing.T) *harness {
	t.Helper()
	pb, err := playbooks.Parse([]byte(`
name: borrow
version: 1
params:
  - {name: platforms, type: list, default: [x]}
ownership:
  ask_owner: {timeout: 72h}
steps:
  - id: publish
    action: publish_posts
    with: {brand: Acme, count: 1, platforms: "${params.platforms}"}
`))
	require.NoError(t, err)
	h := newHarness(t, pb, nil)
	ctx := context.Background()
	acc := store.Account{ID: "acc-x", ClientID: "acme", Platform: "x", Handle: "@acme", Connector: sandbox.Name, Team: "team-x"}
	require.NoError(t, h.st.CreateAccount(ctx, &acc))
	await := playbooks.OwnerApprovalID(pb, "team-x")
	// The harness wrote the campaign row; its holds are written as a launch
	// writes them, in the store's own transaction, on a row of their own.
	require.NoError(t, h.st.DeleteCampaign(ctx, h.in.CampaignID))
	now := time.Now().UTC()
	require.NoError(t, h.st.CreateCampaignHolding(ctx, &store.Campaign{
		ID: h.in.CampaignID, WorkflowID: api.CampaignWorkflowID(h.in.CampaignID), ClientID: "acme", Playbook: pb.Name,
		PlaybookVersion: 1, Params: "{}", Status: api.StatusRunning, Team: "team-facebook", CreatedAt: now, UpdatedAt: now,
	}, "team-facebook", []store.HoldRequest{{Account: acc, Await: await}}))

	h.in.Team = "team-facebook"
	h.in.Accounts = []platforms.Account{{ID: acc.ID, Platform: "x", Handle: "@acme", Connector: sandbox.Name, Team: "team-x", AwaitStep: await}}
	h.in.Playbook = *playbooks.WithOwnerApprovals(pb, h.in.Accounts, "team-facebook")
	sb := sandbox.New(h.st)
	h.env = newEnvWith(&activities.Activities{
		Projections: worker.StoreProjections(h.st),
		Connectors:  map[string]platforms.Connector{sandbox.Name: sb},
		Accounts:    &worker.AccountConnectors{Sandbox: sb},
		Holds:       worker.StoreHolds(h.st),
	})
	return h
}

func (h *harness) decideAs(step, decision, by, team string) {
	h.env.SignalWorkflow(workflows.SignalApproval, workflows.ApprovalSignal{
		ApprovalID: api.ApprovalID(h.in.CampaignID, step), Decision: decision, By: by, Team: team,
	})
}

func TestOwnerApprovalLendsTheAccount(t *testing.T) {
	h := borrowing(t)
	step := h.in.Playbook.Steps[0].ID
	require.Equal(t, "owner_approval_team_x", step)
	h.at(time.Hour, func() {
		a := h.approval(step)
		assert.Contains(t, a.Approvers, `"team":"team-x"`, "only the owning team may decide")
		// Someone of the borrowing team cannot grant it to themselves.
		h.decideAs(step, api.DecisionApprove, "fran", "team-facebook")
	})
	h.at(2*time.Hour, func() {
		assert.Equal(t, api.ApprovalPending, h.approval(step).Status, "a yes from outside the owning team is not a yes")
		h.decideAs(step, api.DecisionApprove, "xavier", "team-x")
	})
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	assert.Equal(t, api.ApprovalApproved, h.approval(step).Status)
	assert.Equal(t, "xavier", h.approval(step).DecidedBy)
	assert.Equal(t, int64(1), h.actionCount("publish_posts"), "lent, the account is acted on")
	holds, err := h.st.HoldsOf(context.Background(), h.in.CampaignID)
	require.NoError(t, err)
	require.Len(t, holds, 1)
	assert.True(t, holds[0].Granted, "the owner's yes granted the hold")
}

func TestSilenceNeverLendsAnAccount(t *testing.T) {
	h := borrowing(t)
	step := h.in.Playbook.Steps[0].ID
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	err := h.env.GetWorkflowError()
	require.Error(t, err, "72h of silence from team-x fails the campaign")
	a := h.approval(step)
	assert.Equal(t, api.ApprovalExpired, a.Status)
	assert.Equal(t, playbooks.OnTimeoutReject, a.Policy)
	assert.Zero(t, h.actionCount("publish_posts"), "nothing was published on team-x's account")
	assert.GreaterOrEqual(t, h.env.Now().Sub(h.start()), 72*time.Hour)
}

// A campaign whose owner approval was taken from its playbook (or a
// hand-made start) still cannot act: the hold waits, and the activity refuses.
func TestAWaitingHoldRefusesTheAction(t *testing.T) {
	h := borrowing(t)
	h.in.Playbook.Steps = h.in.Playbook.Steps[1:]
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	err := h.env.GetWorkflowError()
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "waits for team team-x to approve"), "%v", err)
	assert.Zero(t, h.actionCount("publish_posts"))
}
