package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// An approval two named people must both approve, open for three days.
const floodPlaybook = `
name: flood
version: 1
steps:
  - id: ask
    approval:
      title: Publish?
      approvers: [{id: dana@acme}, {id: lee@acme}]
      quorum: 2
      timeout: 72h
      on_timeout: reject
      on_reject: continue
  - id: publish
    needs: ask
    action: publish_posts
    with: {brand: Acme, count: 1}
`

// floodIn sends signals from at on, a few hundred a minute: the test environment
// queues at most about a thousand callbacks at once.
func (h *harness) floodIn(at time.Duration, signals []workflows.ApprovalSignal) {
	const batch = 200
	for i := 0; i < len(signals); i += batch {
		part := signals[i:min(i+batch, len(signals))]
		h.at(at+time.Duration(i/batch)*time.Minute, func() {
			for _, sig := range part {
				h.env.SignalWorkflow(workflows.SignalApproval, sig)
			}
		})
	}
}

// ignoredRecord is what the audit log says about ignored decisions.
type ignoredRecord struct {
	inFull    []store.AuditEvent
	summaries []store.AuditEvent
	counted   int // the sum of the summaries' counts
}

func (h *harness) ignoredRecord() ignoredRecord {
	h.t.Helper()
	evs, err := h.st.AuditEvents(context.Background(), h.in.CampaignID)
	require.NoError(h.t, err)
	var rec ignoredRecord
	for _, e := range evs {
		switch e.Kind {
		case "approval.ignored":
			rec.inFull = append(rec.inFull, e)
		case workflows.KindIgnoredSummary:
			var d struct {
				Count   int    `json:"count"`
				Summary string `json:"summary"`
			}
			require.NoError(h.t, json.Unmarshal([]byte(e.Detail), &d))
			require.Contains(h.t, d.Summary, fmt.Sprintf("%d ", d.Count), "the sentence names the count")
			rec.summaries = append(rec.summaries, e)
			rec.counted += d.Count
		}
	}
	return rec
}

func TestIgnoredSignalsAreCountedNotStored(t *testing.T) {
	ask := func(h *harness) string { return api.ApprovalID(h.in.CampaignID, "ask") }
	for _, tc := range []struct {
		name string
		// send returns the signals of the flood; all are ignored.
		send      func(h *harness) []workflows.ApprovalSignal
		inFull    int // approval.ignored rows
		summaries int // approval.ignored_summary rows
	}{
		{
			name: "a stranger floods one approval", inFull: 3, summaries: 3, // at 1000, at 2000, and the rest at settle
			send: func(h *harness) []workflows.ApprovalSignal {
				out := make([]workflows.ApprovalSignal, 2500)
				for i := range out {
					out[i] = workflows.ApprovalSignal{ApprovalID: ask(h), Decision: "approve", By: "mallory@elsewhere"}
				}
				return out
			},
		},
		{
			name: "junk for approval ids that do not exist", inFull: 3, summaries: 1,
			send: func(h *harness) []workflows.ApprovalSignal {
				out := make([]workflows.ApprovalSignal, 300)
				for i := range out {
					out[i] = workflows.ApprovalSignal{ApprovalID: fmt.Sprintf("junk-%d", i), Decision: "approve", By: "mallory@elsewhere"}
				}
				return out
			},
		},
		{
			name: "a flood spread over 100 senders", inFull: 32 * 3, summaries: 32 + 1, // each of the first 32 pairs, then all the rest in one
			send: func(h *harness) []workflows.ApprovalSignal {
				var out []workflows.ApprovalSignal
				for i := range 500 {
					out = append(out, workflows.ApprovalSignal{ApprovalID: ask(h), Decision: "reject", By: fmt.Sprintf("bot-%d", i%100)})
				}
				return out
			},
		},
		{
			name: "an approver's duplicate votes", inFull: 3, summaries: 1,
			send: func(h *harness) []workflows.ApprovalSignal {
				out := make([]workflows.ApprovalSignal, 300)
				for i := range out {
					out[i] = workflows.ApprovalSignal{ApprovalID: ask(h), Decision: "reject", By: "dana@acme", Comment: "again"}
				}
				return out
			},
		},
		{
			name: "junk decisions with huge sender names", inFull: 3, summaries: 1,
			send: func(h *harness) []workflows.ApprovalSignal {
				out := make([]workflows.ApprovalSignal, 50)
				for i := range out {
					out[i] = workflows.ApprovalSignal{ApprovalID: ask(h), Decision: string(make([]byte, 10000)), By: "m" + string(make([]byte, 5000))}
				}
				return out
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, parse(t, floodPlaybook), nil)
			// A first vote, so the approver's duplicates are ignored too.
			h.at(time.Hour, func() { h.vote("ask", "approve", "dana@acme", "") })
			flood := tc.send(h)
			h.floodIn(time.Hour+time.Minute, flood)
			h.at(2*time.Hour, func() { h.vote("ask", "approve", "lee@acme", "") })
			h.run()
			require.NoError(t, h.env.GetWorkflowError())
			require.Equal(t, api.ApprovalApproved, h.approval("ask").Status, "the legitimate decision after the flood counts")
			require.Equal(t, int64(1), h.actionCount("publish_posts"))
			votes, err := h.st.ApprovalVotes(context.Background(), api.ApprovalID(h.in.CampaignID, "ask"))
			require.NoError(t, err)
			require.Len(t, votes, 2, "two votes, however many signals")

			rec := h.ignoredRecord()
			require.Len(t, rec.inFull, tc.inFull)
			require.Len(t, rec.summaries, tc.summaries)
			require.Equal(t, len(flood), len(rec.inFull)+rec.counted, "every ignored signal is on record, in full or counted")
			for _, e := range append(rec.inFull, rec.summaries...) {
				// VARCHAR(200) counts characters; the store writes invalid bytes as U+FFFD.
				require.LessOrEqual(t, utf8.RuneCountInString(e.Actor), 200, "a sender name fits the record")
				require.LessOrEqual(t, len(e.Detail), 2000, "a record stays small")
			}
		})
	}
}

// TestSummaryNamesTheSender reads the sentence an auditor sees.
func TestSummaryNamesTheSender(t *testing.T) {
	h := newHarness(t, parse(t, floodPlaybook), nil)
	h.at(time.Hour, func() {
		for range 10 {
			h.signal("ask", "approve", "mallory@elsewhere")
		}
	})
	h.run()
	require.NoError(t, h.env.GetWorkflowError())
	rec := h.ignoredRecord()
	require.Len(t, rec.summaries, 1, "summarised when the approval expired")
	s := rec.summaries[0]
	require.Equal(t, "mallory@elsewhere", s.Actor)
	require.Equal(t, api.ApprovalID(h.in.CampaignID, "ask"), s.ApprovalID)
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(s.Detail), &d))
	require.Contains(t, d["summary"], "7 further ignored signals from mallory@elsewhere on approval "+s.ApprovalID)
	require.Equal(t, map[string]any{"NotAnApprover": float64(7)}, d["reasons"])
}
