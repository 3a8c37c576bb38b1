package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/greenlight/greenlight/activities"
	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify/email"
	"github.com/greenlight/greenlight/notify/email/smtptest"
	"github.com/greenlight/greenlight/workflows"
)

// TestDeliveryInterruptedBySIGKILL kills `greenlight dev` mid-delivery and
// restarts it on the same data dir: every message reaches the SMTP relay
// exactly once. The relay runs in the test, so it outlives the kill and
// counts what really arrived. Two approvals ask three people each, so six
// deliveries are in flight at the kill, all held at one stage of Deliver:
//
//   - begun: recorded, nothing sent. After the restart Temporal retries each
//     and it goes out: one copy, in two attempts.
//   - sent: the relay has it and the record says sent; the activity has not
//     completed. Temporal retries each, the retry finds the record and sends
//     nothing: one copy, in one attempt.
//
// Either way the campaigns carry on: their approvals are decided after the
// restart and each decision's own notice goes out once.
func TestDeliveryInterruptedBySIGKILL(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("runs greenlight dev twice per case")
	}
	for _, tc := range []struct {
		stage    string
		attempts int // what the record of each interrupted delivery shows
	}{
		{"begun", 2},
		{"sent", 1},
	} {
		t.Run(tc.stage, func(t *testing.T) {
			t.Parallel()
			deliveryCrash(t, tc.stage, tc.attempts)
		})
	}
}

func deliveryCrash(t *testing.T, stage string, attempts int) {
	relay, _ := smtptest.Start(t, smtptest.Plain, nil)
	smtpEnv := []string{
		"GREENLIGHT_SMTP_HOST=" + relay.Host, "GREENLIGHT_SMTP_PORT=" + strconv.Itoa(relay.Port),
		"GREENLIGHT_SMTP_TLS=none", "GREENLIGHT_SMTP_FROM=Greenlight <approvals@greenlight.test>",
	}
	people := map[string]string{"ana@acme": "ana@acme.example", "ben@acme": "ben@acme.example", "cy@acme": "cy@acme.example"}
	const campaigns = 2
	inFlight := campaigns * len(people) // e2e-quick names no approvers: every person of the client is asked
	dataDir := t.TempDir()
	addrs := freeAddrs(t)
	first := startDevWith(t, dataDir, addrs, append(smtpEnv, fmt.Sprintf("%s=%s:%d", envCrashAtDelivery, stage, inFlight)))

	for id, address := range people {
		code, out, _, err := postJSON(first.api+"/v1/people",
			fmt.Sprintf(`{"id":%q,"name":%q,"clients":["acme"],"channels":[{"kind":"email","address":%q}]}`, id, id, address), "")
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, code, "%v", out)
	}
	body := `{"playbook":"e2e-quick","client":"acme","params":{"brand":"Acme"}}`
	for i := range campaigns {
		code, out, _, err := postJSON(first.api+"/v1/campaigns", body, "")
		// The last launch's answer may lose the race with the kill its
		// notices bring about; its campaign is found after the restart.
		if err == nil || i < campaigns-1 {
			require.NoError(t, err)
			require.Equal(t, http.StatusCreated, code, "%v", out)
		}
	}
	waitKilled(t, first)
	held := relay.Deliveries()
	if stage == "sent" {
		require.Len(t, held, inFlight, "every delivery held at sent has reached the relay")
	} else {
		require.Empty(t, held, "no delivery held at begun has been sent")
	}

	second := startDevWith(t, dataDir, addrs, smtpEnv)
	tc, err := client.Dial(client.Options{HostPort: addrs[1], Namespace: "default"})
	require.NoError(t, err)
	defer tc.Close()
	var list struct {
		Items []api.CampaignView `json:"items"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, second.api+"/v1/campaigns", &list))
	require.Len(t, list.Items, campaigns)
	var approvals []string
	for _, c := range list.Items {
		v := waitStatus(t, second.api, c.ID, api.StatusWaitingApproval)
		require.Len(t, v.Approvals, 1)
		approvals = append(approvals, v.Approvals[0].ID)
	}

	// Temporal retries every interrupted delivery: each completes in its
	// second attempt. Only once they all have (and before any decision, which
	// would turn a late retry into a skip) is the relay's count final.
	requested := noticeAttempts(t, tc, campaigns)
	require.Equal(t, map[string][]int32{api.NoticeRequested: slices.Repeat([]int32{2}, inFlight)}, requested)
	var sent []api.DeliveryView
	for _, id := range approvals {
		for _, d := range waitSent(t, second.api, id, api.NoticeRequested, len(people)) {
			require.Equal(t, attempts, d.Attempts, "%s to %s", d.Kind, d.Person)
			sent = append(sent, d)
		}
	}
	requireOnce(t, relay, sent, people)

	// The campaigns carry on: decided now, each decision is told once.
	for _, id := range approvals {
		code, out, _, err := postJSON(second.api+"/v1/approvals/"+url.PathEscape(id)+"/decision", `{"decision":"approve"}`, "")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code, "%v", out)
	}
	for _, c := range list.Items {
		waitStatus(t, second.api, c.ID, api.StatusCompleted)
	}
	all := noticeAttempts(t, tc, 2*campaigns)
	require.Equal(t, slices.Repeat([]int32{1}, inFlight), all[api.NoticeDecided])
	for _, id := range approvals {
		for _, d := range waitSent(t, second.api, id, api.NoticeDecided, len(people)) {
			require.Equal(t, 1, d.Attempts, "%s to %s", d.Kind, d.Person)
			sent = append(sent, d)
		}
	}
	requireOnce(t, relay, sent, people)
}

// requireOnce checks that the relay holds one copy of every delivery in
// sent, to its person's address, and nothing else.
func requireOnce(t *testing.T, relay *smtptest.Relay, sent []api.DeliveryView, addresses map[string]string) {
	t.Helper()
	arrived := map[string]*mail.Message{}
	for _, got := range relay.Deliveries() {
		m, err := mail.ReadMessage(bytes.NewReader(got.Data))
		require.NoError(t, err)
		id := m.Header.Get("Message-ID")
		if _, twice := arrived[id]; twice {
			t.Fatalf("%s (%s to %v) arrived twice", id, m.Header.Get(email.HeaderKind), got.To)
		}
		arrived[id] = m
	}
	require.Len(t, arrived, len(sent))
	for _, d := range sent {
		m, ok := arrived[d.Ref]
		require.True(t, ok, "%s to %s is recorded sent as %s, which never arrived", d.Kind, d.Person, d.Ref)
		require.Equal(t, d.Kind, m.Header.Get(email.HeaderKind))
		to, err := m.Header.AddressList("To")
		require.NoError(t, err)
		require.Len(t, to, 1)
		require.Equal(t, addresses[d.Person], to[0].Address)
	}
}

// waitSent waits until approval's deliveries of kind are all sent, want of
// them, and returns them.
func waitSent(t *testing.T, gl, approval, kind string, want int) []api.DeliveryView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var list struct {
			Items []api.DeliveryView `json:"items"`
		}
		require.Equal(t, http.StatusOK, getJSON(t, gl+"/v1/approvals/"+url.PathEscape(approval)+"/deliveries", &list))
		var out []api.DeliveryView
		done := true
		for _, d := range list.Items {
			if d.Kind != kind {
				continue
			}
			out = append(out, d)
			done = done && d.Status == api.DeliverySent
		}
		if done && len(out) == want {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("approval %s: %s deliveries %+v, want %d sent", approval, kind, out, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// noticeAttempts waits until want notice workflows have completed and
// returns, by event kind, the attempt each of their deliveries completed in
// (the last attempt's: Temporal records an activity's start once it closes).
func noticeAttempts(t *testing.T, tc client.Client, want int) map[string][]int32 {
	t.Helper()
	ctx := context.Background()
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Completed'", workflows.NoticeWorkflowType)
	deadline := time.Now().Add(30 * time.Second)
	var done *workflowservice.ListWorkflowExecutionsResponse
	for {
		var err error
		done, err = tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		require.NoError(t, err)
		if len(done.Executions) == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notice workflows completed, want %d", len(done.Executions), want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out := map[string][]int32{}
	for _, ex := range done.Executions {
		var kind string
		it := tc.GetWorkflowHistory(ctx, ex.Execution.WorkflowId, ex.Execution.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		scheduled := map[int64]bool{} // Deliver's scheduled events, by id
		for it.HasNext() {
			e, err := it.Next()
			require.NoError(t, err)
			switch {
			case e.GetWorkflowExecutionStartedEventAttributes() != nil:
				var ev activities.NoticeEvent
				require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(e.GetWorkflowExecutionStartedEventAttributes().Input, &ev))
				kind = ev.Kind
			case e.GetActivityTaskScheduledEventAttributes() != nil:
				scheduled[e.EventId] = e.GetActivityTaskScheduledEventAttributes().ActivityType.GetName() == "Deliver"
			case e.GetActivityTaskStartedEventAttributes() != nil:
				a := e.GetActivityTaskStartedEventAttributes()
				if scheduled[a.ScheduledEventId] {
					out[kind] = append(out[kind], a.Attempt)
				}
			}
		}
	}
	return out
}
