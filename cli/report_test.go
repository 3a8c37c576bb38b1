package cli

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const reportBody = `{"since":"2026-02-01T00:00:00Z","until":"2026-03-03T00:00:00Z","clients":[
 {"client":"acme","approvals":9,"decided_by_person":5,"decided_by_silence":2,"abandoned":1,"pending":1,
  "silence_share":0.2857,"median_decision_seconds":21600,"p90_decision_seconds":108000,
  "median_decision":"6h","p90_decision":"30h","waiting_hours":75.67,"posts_delayed":24,
  "approvers":[
   {"approver":"dana","decided":3,"approved":3,"rejected":0,"median_decision_seconds":14400,"p90_decision_seconds":21600,"median_decision":"4h","p90_decision":"6h"},
   {"approver":"sam","decided":2,"approved":1,"rejected":1,"median_decision_seconds":7200,"p90_decision_seconds":108000,"median_decision":"2h","p90_decision":"30h"}]},
 {"client":"umbrella","approvals":1,"decided_by_person":0,"decided_by_silence":0,"abandoned":0,"pending":1,
  "silence_share":null,"median_decision_seconds":null,"p90_decision_seconds":null,
  "waiting_hours":50,"posts_delayed":0,"approvers":[]}]}`

func TestReportApprovalsPrintsABlockPerClient(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, reportBody)

	stdout, stderr, code := runCLI(t, base, "report", "approvals", "--client", "acme", "--since", "30d", "--until", "2026-03-03T00:00:00Z")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, http.MethodGet, got.method)
	assert.Equal(t, "/v1/reports/approvals", got.path)
	assert.Equal(t, url.Values{"client": {"acme"}, "since": {"30d"}, "until": {"2026-03-03T00:00:00Z"}}, got.query,
		"bounds go as typed, so the API's clock decides what 30d means")

	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 9, stdout)
	assert.True(t, strings.HasPrefix(lines[0], "Approvals requested between "), lines[0])
	assert.Equal(t, "", lines[1])
	assert.Equal(t, "acme: 9 approvals · 5 by a person, 2 by silence (28.6%), 1 abandoned, 1 pending · "+
		"time to decide: median 6h, p90 30h · 75.67 campaign-hours waiting · 24 posts delayed", lines[2])
	assert.Equal(t, []string{"APPROVER", "DECIDED", "APPROVED", "REJECTED", "MEDIAN", "P90"}, strings.Fields(lines[3]))
	assert.Equal(t, []string{"dana", "3", "3", "0", "4h", "6h"}, strings.Fields(lines[4]))
	assert.Equal(t, []string{"sam", "2", "1", "1", "2h", "30h"}, strings.Fields(lines[5]))
	assert.Equal(t, "", lines[6])
	assert.Equal(t, "umbrella: 1 approval · 0 by a person, 0 by silence, 0 abandoned, 1 pending · "+
		"nothing decided yet · 50.00 campaign-hours waiting · 0 posts delayed", lines[7])
	assert.Equal(t, "No decisions by a person.", lines[8])
}

func TestReportApprovalsJSONIsTheAPIAnswer(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, reportBody)

	stdout, stderr, code := runCLI(t, base, "report", "approvals", "--json")

	require.Equal(t, 0, code, stderr)
	assert.Empty(t, got.query, "no flags, no parameters: the API applies its defaults")
	var out, want map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	require.NoError(t, json.Unmarshal([]byte(reportBody), &want))
	assert.Equal(t, want, out)
}

func TestReportApprovalsEmpty(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusOK, `{"since":"2026-02-01T00:00:00Z","until":"2026-03-03T00:00:00Z","clients":[]}`)

	stdout, stderr, code := runCLI(t, base, "report", "approvals", "--client", "nobody")

	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "No approvals for nobody requested between "), stdout)
}

func TestReportApprovalsBadBoundIsAUsageError(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, reportBody)

	_, stderr, code := runCLI(t, base, "report", "approvals", "--since", "last week")

	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--since")
	assert.Contains(t, stderr, "neither an RFC 3339 time nor a duration")
	assert.Empty(t, got.path, "nothing is sent")
}

func TestReportApprovalsAPIRefusalFails(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusBadRequest, `{"type":"/problems/bad-request","title":"Bad request","status":400,
		"detail":"since (2026-03-05T00:00:00Z) must be before until (2026-03-03T00:00:00Z)"}`)

	_, stderr, code := runCLI(t, base, "report", "approvals", "--since", "2026-03-05T00:00:00Z", "--until", "2026-03-03T00:00:00Z")

	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "must be before until")
}
