package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
)

// TestLaunchInterruptedBySIGKILL kills `greenlight dev` with SIGKILL while two
// launches sit between their campaign row and their workflow start, one
// without an Idempotency-Key and one with. After a restart on the same data
// dir, the keyed launch's retry lands on its campaign and starts its workflow;
// the other is failed by the launch sweep with an error saying the launch was
// interrupted and an audit event, and pause, resume and cancel answer 409
// "already failed". No campaign is left running without a workflow.
func TestLaunchInterruptedBySIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs greenlight dev twice")
	}
	const grace = 30 * time.Second // the shortest that leaves a slow restart time to retry
	dataDir := t.TempDir()
	addrs := freeAddrs(t)
	graceFlag := []string{"--launch-grace", grace.String()}
	first := startDevWith(t, dataDir, addrs, []string{envCrashAfterRows + "=2"}, graceFlag...)

	body := `{"playbook":"e2e-quick","client":"acme","params":{"brand":"Acme"}}`
	const key = "launch-before-the-crash"
	answered := make(chan error, 2)
	for _, k := range []string{"", key} {
		go func() {
			code, _, _, err := postJSON(first.api+"/v1/campaigns", body, k)
			if err == nil {
				err = fmt.Errorf("answered %d", code)
			}
			answered <- err
		}()
	}
	waitKilled(t, first)
	crashed := time.Now()
	for range 2 {
		err := <-answered
		require.Error(t, err)
		require.NotContains(t, err.Error(), "answered", "a launch answered although its process died before starting the workflow")
	}

	second := startDevWith(t, dataDir, addrs, nil, graceFlag...)

	// The keyed launch is retried as its caller would: same key, same body.
	code, retried, header, err := postJSON(second.api+"/v1/campaigns", body, key)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code, "%v", retried)
	require.Equal(t, "true", header.Get("Idempotent-Replayed"))
	require.Less(t, time.Since(crashed), grace, "the restart took longer than the grace; the sweep may rightly have failed the launch first")
	keyedID, _ := retried["id"].(string)
	require.NotEmpty(t, keyedID)
	require.NotEqual(t, api.StatusFailed, retried["status"], "%v", retried)
	waitStatus(t, second.api, keyedID, api.StatusWaitingApproval)

	var list struct {
		Items []api.CampaignView `json:"items"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, second.api+"/v1/campaigns", &list))
	require.Len(t, list.Items, 2, "both launches wrote their row before the crash")
	var keylessID string
	for _, c := range list.Items {
		if c.ID != keyedID {
			keylessID = c.ID
		}
	}
	failed := waitStatus(t, second.api, keylessID, api.StatusFailed)
	require.Equal(t, server.InterruptedLaunchError, failed.Error)
	require.NotNil(t, failed.FinishedAt)

	for _, action := range []string{"pause", "resume", "cancel"} {
		resp, err := http.Post(second.api+"/v1/campaigns/"+keylessID+"/"+action, "application/json", nil)
		require.NoError(t, err)
		var p struct {
			Detail string `json:"detail"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
		resp.Body.Close()
		require.Equal(t, http.StatusConflict, resp.StatusCode, action)
		require.Equal(t, "campaign "+keylessID+" already failed", p.Detail, action)
	}

	// Every campaign is either running with its workflow or clearly failed.
	tc, err := client.Dial(client.Options{HostPort: addrs[1], Namespace: "default"})
	require.NoError(t, err)
	defer tc.Close()
	require.Equal(t, http.StatusOK, getJSON(t, second.api+"/v1/campaigns", &list))
	for _, c := range list.Items {
		_, err := tc.DescribeWorkflowExecution(context.Background(), c.WorkflowID, "")
		var nf *serviceerror.NotFound
		switch c.Status {
		case api.StatusFailed:
			require.True(t, errors.As(err, &nf), "%s failed; its workflow must not exist: %v", c.ID, err)
			require.Equal(t, server.InterruptedLaunchError, c.Error)
		default:
			require.NoError(t, err, "%s is %s without a workflow", c.ID, c.Status)
		}
	}

	resp, err := http.Get(second.api + "/metrics")
	require.NoError(t, err)
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(metricsText), "greenlight_launches_interrupted_total 1\n")

	require.NoError(t, second.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, second.cmd.Wait(), second.output.String())

	// The audit log says what happened to each.
	st, err := store.Open(context.Background(), store.Config{SQLitePath: filepath.Join(dataDir, "greenlight.db")})
	require.NoError(t, err)
	defer st.Close()
	kinds := func(id string) []string {
		events, err := st.AuditEvents(context.Background(), id)
		require.NoError(t, err)
		var out []string
		for _, e := range events {
			out = append(out, e.Kind)
		}
		return out
	}
	require.Equal(t, []string{server.AuditLaunchInterrupted}, kinds(keylessID))
	require.Contains(t, kinds(keyedID), "campaign.launched")
	require.NotContains(t, kinds(keyedID), server.AuditLaunchInterrupted)
}
