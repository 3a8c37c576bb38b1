package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/workflows"
)

// Histories recorded from real runs on the embedded server (see app/histories_test.go
// for how to record new ones). Replaying them with today's code proves campaigns
// that are running now will keep running after a deploy.
func historyFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no checked-in histories to replay")
	return files
}

func TestReplayCheckedInHistories(t *testing.T) {
	for _, f := range historyFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(workflows.CampaignWorkflow, workflow.RegisterOptions{Name: workflows.CampaignWorkflowType})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}

// TestReplayCatchesAnUnguardedChange shows the replay test has teeth: a workflow
// that issues different commands than the recorded run fails to replay.
func TestReplayCatchesAnUnguardedChange(t *testing.T) {
	changed := func(ctx workflow.Context, in workflows.CampaignInput) (workflows.CampaignResult, error) {
		// Starts with a timer where the recorded run started with its activities.
		_ = workflow.Sleep(ctx, 1)
		return workflows.CampaignWorkflow(ctx, in)
	}
	for _, f := range historyFiles(t) {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(changed, workflow.RegisterOptions{Name: workflows.CampaignWorkflowType})
		require.Error(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f), f)
	}
}
