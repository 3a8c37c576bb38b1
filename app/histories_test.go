package app_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
)

// saveHistories writes the named workflows' histories to workflows/testdata, where
// the replay test reads them, when GREENLIGHT_UPDATE_HISTORIES=1. Run it after
// a change that is meant to alter histories (guarded by workflow.GetVersion); old
// files are never overwritten: they prove running campaigns still replay.
func saveHistories(t *testing.T, c client.Client, runs map[string]string) {
	t.Helper()
	current := make(map[string][2]string, len(runs))
	for name, workflowID := range runs {
		current[name] = [2]string{workflowID, ""}
	}
	saveRunHistories(t, c, current)
}

// saveRunHistories is saveHistories for given runs (workflow id, run id; an
// empty run id is the current run), for campaigns that continued as new, whose
// first run is no longer the current one.
func saveRunHistories(t *testing.T, c client.Client, runs map[string][2]string) {
	t.Helper()
	if os.Getenv("GREENLIGHT_UPDATE_HISTORIES") != "1" {
		return
	}
	for name, run := range runs {
		path := filepath.Join("..", "workflows", "testdata", "histories", name+".json")
		if _, err := os.Stat(path); err == nil {
			// A recorded history is evidence of what older code did: never replace it.
			t.Logf("%s exists; keeping it (delete it first to record it again)", path)
			continue
		}
		h := &historypb.History{}
		it := c.GetWorkflowHistory(context.Background(), run[0], run[1], false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(t, err)
			h.Events = append(h.Events, ev)
		}
		b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, b, 0o644))
		t.Logf("wrote %s (%d events)", path, len(h.Events))
	}
}
