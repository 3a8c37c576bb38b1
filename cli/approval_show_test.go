package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// approvalAPI answers an approval and its deliveries by path.
func approvalAPI(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/approvals/c1.approve_batch":
			io.WriteString(w, `{"id":"c1.approve_batch","campaign_id":"c1","client":"acme","step":"approve_batch","title":"Week 1's posts",
				"preview":{"posts":[{"platform":"x","text":"Acme on service (#1)"}]},"status":"pending","on_timeout":"approve",
				"requested_at":"2026-12-01T09:00:00Z","due_at":"2099-12-03T09:00:00Z","quorum":2,
				"approvers":[{"id":"dana@acme"},{"role":"agency-lead"}],"requested_by":"ops@agency",
				"votes":[{"by":"dana@acme","decision":"approve","channel":"link","at":"2026-12-01T10:00:00Z","comment":"fine"}]}`)
		case "/v1/approvals/c1.approve_batch/deliveries":
			io.WriteString(w, `{"items":[
				{"kind":"requested","person":"dana@acme","channel":"email","address":"dana@acme.example","status":"failed","attempts":6,"error":"550 no such mailbox","created_at":"2026-12-01T09:00:01Z","updated_at":"2026-12-01T09:04:00Z"},
				{"kind":"requested","person":"dana@acme","channel":"slack","address":"U0DANA","status":"sent","attempts":1,"ref":"D1/1.2","created_at":"2026-12-01T09:04:01Z","updated_at":"2026-12-01T09:04:02Z","sent_at":"2026-12-01T09:04:02Z"},
				{"kind":"reminded","seq":1,"person":"dana@acme","channel":"slack","address":"U0DANA","status":"sent","attempts":1,"created_at":"2026-12-02T09:00:00Z","updated_at":"2026-12-02T09:00:00Z","sent_at":"2026-12-02T09:00:00Z"}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestApprovalsShowReadsLikeTheMessage(t *testing.T) {
	stdout, stderr, code := runCLI(t, approvalAPI(t), "approvals", "show", "c1.approve_batch")
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"c1.approve_batch  (pending, due in ",
		"Week 1's posts\n",
		"1. [x] Acme on service (#1)",
		"If nobody answers by ",
		"this is approved.",
		"Who may decide: dana@acme, anyone in role agency-lead (2 approvals needed)",
		"Not ops@agency, who asked.",
	} {
		assert.Contains(t, stdout, want)
	}
	lines := strings.Split(stdout, "\n")
	var deliveries []string
	for i, l := range lines {
		if l == "Deliveries" {
			deliveries = lines[i+1:]
		}
	}
	require.GreaterOrEqual(t, len(deliveries), 4, stdout)
	assert.Equal(t, []string{"EVENT", "TO", "VIA", "ADDRESS", "STATUS", "TRIES", "AT", "ERROR"}, strings.Fields(deliveries[0]))
	assert.Contains(t, deliveries[1], "550 no such mailbox")
	assert.Contains(t, deliveries[3], "reminded #1")
}

func TestApprovalsShowJSONCarriesBoth(t *testing.T) {
	stdout, stderr, code := runCLI(t, approvalAPI(t), "--json", "approvals", "show", "c1.approve_batch")
	require.Equal(t, 0, code, stderr)
	var both struct {
		Approval   map[string]any `json:"approval"`
		Deliveries struct {
			Items []map[string]any `json:"items"`
		} `json:"deliveries"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &both))
	assert.Equal(t, "c1.approve_batch", both.Approval["id"])
	assert.Len(t, both.Deliveries.Items, 3)
}

func TestApprovalsShowUnknownFails(t *testing.T) {
	_, _, code := runCLI(t, approvalAPI(t), "approvals", "show", "nope")
	assert.Equal(t, exitFailure, code)
}

// oneApprovalAPI answers GET /v1/approvals/{id} with approval and its
// deliveries with none.
func oneApprovalAPI(t *testing.T, id, approval string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/approvals/" + id:
			io.WriteString(w, approval)
		case "/v1/approvals/" + id + "/deliveries":
			io.WriteString(w, `{"items":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestApprovalsShowRendersTheWholeRequestForPeople(t *testing.T) {
	due := time.Now().Add(4 * time.Hour).Truncate(time.Second)
	base := oneApprovalAPI(t, "c2.approve_posts", fmt.Sprintf(`{"id":"c2.approve_posts","campaign_id":"c2","client":"acme",
		"step":"approve_posts","title":"Launch posts","status":"pending","on_timeout":"skip",
		"requested_at":"2026-12-01T09:00:00Z","due_at":%q,"tier":1,"rejections_needed":2,
		"preview":{"posts":[{"platform":"x","text":"We are live"},{"platform":"mastodon","text":"Live now,\nsee the blog"}],
			"accounts":["@acme","@acme@social.example"],"schedule":"Tue 10:00",
			"risk":{"level":"medium","factors":["new product","price"]},
			"audience":[{"region":"EU","share":0.6},{"region":"US","share":0.4}]},
		"approvers":[{"id":"dana@acme","role":"client-lead"},{"team":"brand"},{"role":"agency-lead","team":"ops"}],
		"votes":[{"by":"lee@acme","role":"client-lead","decision":"approve","channel":"slack","at":"2026-12-01T10:00:00Z",
			"comment":"ok with the edit","edits":{"posts":["We are live!"]}}]}`, due.UTC().Format(time.RFC3339)))

	stdout, stderr, code := runCLI(t, base, "approvals", "show", "c2.approve_posts")

	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"Launch posts\n",
		"Client: acme · campaign c2",
		"2 posts to publish:",
		"1. [x] We are live\n",
		"2. [mastodon] Live now,\nsee the blog\n",
		"Targets: @acme, @acme@social.example\n",
		"Schedule: Tue 10:00\n",
		"Risk: factors: [new product, price]; level: medium\n",
		"Audience:\n  - region: EU; share: 0.6\n  - region: US; share: 0.4\n",
		"Deadline    " + due.Local().Format(timeLayout) + " (in 4h)\n",
		"On timeout  skip (if nobody answers in time: skipped)\n",
		"Step        approve_posts\n",
		"Status      pending\n",
		"Escalated   tier 1",
		"Who may decide: dana@acme (role client-lead), anyone in team brand, anyone in role agency-lead of team ops (2 rejections reject it)\n",
	} {
		assert.Contains(t, stdout, want)
	}
	assert.NotContains(t, stdout, `{"`, "no raw JSON")

	votes := strings.Split(stdout[strings.Index(stdout, "\nVotes\n")+len("\nVotes\n"):], "\n")
	assert.Equal(t, []string{"BY", "ROLE", "DECISION", "VIA", "AT", "COMMENT"}, strings.Fields(votes[0]))
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	assert.Equal(t, "lee@acme client-lead approve (edited) slack "+absTime(&at)+" ok with the edit", strings.Join(strings.Fields(votes[1]), " "))
}

func TestApprovalsShowADecidedApproval(t *testing.T) {
	base := oneApprovalAPI(t, "c3.ok", `{"id":"c3.ok","campaign_id":"c3","client":"acme","step":"ok","title":"Plan",
		"status":"approved","on_timeout":"reject","requested_at":"2026-12-01T09:00:00Z","due_at":"2026-12-03T09:00:00Z",
		"decided_at":"2026-12-02T09:00:00Z","decision":"approve","decided_by":"dev-admin","channel":"cli","comment":"go"}`)

	stdout, stderr, code := runCLI(t, base, "approvals", "show", "c3.ok")

	require.Equal(t, 0, code, stderr)
	due := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, want := range []string{
		"c3.ok  (approved, decided ",
		"Deadline    " + absTime(&due) + "\n",
		"Decided by  dev-admin via cli\n",
		"Comment     go\n",
		"Who may decide: anyone with a decide right for the client\n",
		"Votes\n  none\n",
	} {
		assert.Contains(t, stdout, want)
	}
}

// TestApprovalsListAndShowAgainstTheRealAPI reads an approval the way the
// server answers it, so the CLI and the API agree on more than a fake's shape.
func TestApprovalsListAndShowAgainstTheRealAPI(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, st.CreateCampaign(ctx, &store.Campaign{
		ID: "c9", WorkflowID: api.CampaignWorkflowID("c9"), ClientID: "acme", Playbook: "e2e-quick", PlaybookVersion: 1,
		Status: api.StatusWaitingApproval, CreatedAt: now, UpdatedAt: now,
	}))
	require.NoError(t, st.ApplyProjection(ctx, store.Projection{CampaignID: "c9", Seq: 1, Approvals: []store.Approval{{
		ID: "c9.approve", StepKey: "approve", Title: "Reply to a mention", Status: api.ApprovalPending, OnTimeout: "escalate",
		Preview:     `{"mention":"Where is my refund? It has been three weeks already","sensitivity":{"level":"high","reasons":["refund","delay"]}}`,
		RequestedAt: now, DueAt: now.Add(4 * time.Hour), Quorum: 1, Approvers: `[{"role":"agency-lead","team":"ops"}]`,
	}}}))
	srv := httptest.NewServer(server.New(server.Deps{Store: st, Namespace: "default"}).Handler())
	t.Cleanup(srv.Close)

	stdout, stderr, code := runCLI(t, srv.URL, "approvals", "list")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Mention: Where is my refund? It has bee…  pending")
	assert.Contains(t, stdout, "in 4h")

	stdout, stderr, code = runCLI(t, srv.URL, "approvals", "show", "c9.approve")
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"Mention: Where is my refund? It has been three weeks already\n",
		"Sensitivity: level: high; reasons: [refund, delay]\n",
		"On timeout  escalate (if nobody answers in time: escalated)\n",
		"Who may decide: anyone in role agency-lead of team ops\n",
	} {
		assert.Contains(t, stdout, want)
	}
}
