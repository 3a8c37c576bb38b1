package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
