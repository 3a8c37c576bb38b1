package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const decidedApproval = `{"id":"apr_1","campaign_id":"c_1","client":"acme","step":"approve-posts",
	"title":"Approve 3 posts","status":"approved","requested_at":"2026-03-01T10:00:00Z",
	"due_at":"2026-03-03T10:00:00Z","decided_at":"2026-03-01T11:00:00Z","decision":"approve",
	"decided_by":"alice","comment":"looks good","channel":"cli"}`

func TestApproveSendsDecisionAndChannelHeader(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, decidedApproval)

	stdout, stderr, code := runCLI(t, base, "approve", "apr_1", "--comment", "looks good")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/v1/approvals/apr_1/decision", got.path)
	assert.Equal(t, "cli", got.header.Get("Greenlight-Channel"))
	assert.Equal(t, "application/json", got.header.Get("Content-Type"))
	assert.JSONEq(t, `{"decision":"approve","comment":"looks good"}`, string(got.body), "who decides comes from the token, never the body")
	for _, want := range []string{"apr_1", "approved", "alice via cli", "looks good"} {
		assert.Contains(t, stdout, want)
	}
}

// TestDecisionNamesNobody: the CLI never says who decides, whatever the
// environment holds; the API records the token's holder.
// With $USER empty (a container, CI) nothing named "cli" is sent either.
func TestDecisionNamesNobody(t *testing.T) {
	t.Setenv("GREENLIGHT_USER", "gina")
	base, got := fakeAPI(t, http.StatusOK, decidedApproval)
	for _, user := range []string{"unix", ""} {
		t.Setenv("USER", user)
		for _, args := range [][]string{{"reject", "apr_1"}, {"approve", "apr_1", "--comment", "ok"}} {
			_, stderr, code := runCLI(t, base, args...)

			require.Equal(t, 0, code, stderr)
			var body map[string]any
			require.NoError(t, json.Unmarshal(got.body, &body))
			assert.NotContains(t, body, "by", "USER=%q %v", user, args)
			assert.Equal(t, args[0], body["decision"])
		}
	}
	_, _, code := runCLI(t, base, "reject", "apr_1", "--by", "gina")
	assert.NotEqual(t, 0, code, "--by is gone: identity comes from the token")
}

func TestDecideSendsRole(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, decidedApproval)

	_, stderr, code := runCLI(t, base, "approve", "apr_1", "--role", "client-lead")

	require.Equal(t, 0, code, stderr)
	assert.JSONEq(t, `{"decision":"approve","role":"client-lead"}`, string(got.body))
}

// bulkAPI answers the inbox with pending and the bulk endpoint with results,
// recording each request.
func bulkAPI(t *testing.T, pending, results string) (string, *[]seen) {
	t.Helper()
	return recordingAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/approvals":
			io.WriteString(w, pending)
		case r.Method == http.MethodPost && r.URL.Path == "/v1/approvals/decisions":
			io.WriteString(w, results)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

const twoPending = `{"items":[
	{"id":"apr_1","campaign_id":"c_1","client":"acme","title":"First post","status":"pending","due_at":"2026-03-03T10:00:00Z"},
	{"id":"apr_2","campaign_id":"c_2","client":"acme","title":"Second post","status":"pending","due_at":"2026-03-04T10:00:00Z"}]}`

func TestApproveAllDecidesTheClientsPendingApprovals(t *testing.T) {
	base, got := bulkAPI(t, twoPending, `{"results":[
		{"approval_id":"apr_1","status":200,"approval":{"id":"apr_1","status":"approved","decided_by":"alice","channel":"cli"}},
		{"approval_id":"apr_2","status":200,"approval":{"id":"apr_2","status":"pending","quorum":2,"votes":[{"by":"alice","decision":"approve"}]}}]}`)

	stdout, stderr, code := runCLI(t, base, "approve", "--all", "--client", "acme", "--campaign", "c_1", "--comment", "fine")

	require.Equal(t, 0, code, stderr)
	require.Len(t, *got, 2)
	list, bulk := (*got)[0], (*got)[1]
	assert.Equal(t, url.Values{"status": {"pending"}, "client": {"acme"}, "campaign_id": {"c_1"}, "limit": {"200"}}, list.query)
	assert.Equal(t, "cli", bulk.header.Get("Greenlight-Channel"))
	assert.JSONEq(t, `{"decisions":[
		{"approval_id":"apr_1","decision":"approve","comment":"fine"},
		{"approval_id":"apr_2","decision":"approve","comment":"fine"}]}`, string(bulk.body))
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, []string{"ID", "TITLE", "RESULT", "DETAIL"}, strings.Fields(lines[0]))
	assert.Contains(t, lines[1], "alice via cli")
	assert.Contains(t, lines[2], "vote recorded, 1 of 2 approvals")
}

func TestRejectAllFailsWhenAnyDecisionFailed(t *testing.T) {
	base, got := bulkAPI(t, twoPending, `{"results":[
		{"approval_id":"apr_1","status":200,"approval":{"id":"apr_1","status":"rejected","decided_by":"alice","channel":"cli"}},
		{"approval_id":"apr_2","status":409,"error":{"type":"/problems/conflict","title":"Conflict","status":409,"detail":"approval apr_2 was already approved by sam"}}]}`)

	stdout, stderr, code := runCLI(t, base, "reject", "--all", "--client", "acme")

	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "1 of 2 decisions failed")
	assert.Contains(t, stdout, "failed (409)")
	assert.Contains(t, stdout, "already approved by sam")
	assert.Contains(t, string((*got)[1].body), `"decision":"reject"`)
}

func TestApproveAllWithNothingPending(t *testing.T) {
	base, got := bulkAPI(t, `{"items":[]}`, `{}`)

	stdout, stderr, code := runCLI(t, base, "approve", "--all", "--client", "acme")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "No pending approvals for client acme.\n", stdout)
	assert.Len(t, *got, 1, "nothing is posted")
}

func TestDecideUsageErrors(t *testing.T) {
	base, got := bulkAPI(t, twoPending, `{}`)
	for _, args := range [][]string{
		{"approve"},
		{"approve", "--all"},
		{"approve", "apr_1", "--all", "--client", "acme"},
		{"reject", "apr_1", "--client", "acme"},
		{"approve", "apr_1", "apr_2"},
	} {
		_, stderr, code := runCLI(t, base, args...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
	}
	assert.Empty(t, *got, "a mistyped command sends nothing")
}
