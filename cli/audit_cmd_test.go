package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// auditEvents are five events as the API shows them, newest first; the third
// holds what CSV must quote (a comma, a quote, a line break).
var auditEvents = []string{
	`{"id":5,"type":"token.created","at":"2026-03-01T10:05:00Z","actor":"root","channel":"cli","client":"acme","campaign_id":"","approval_id":"","request_id":"r5","detail":{"token":"tok_1","role":"viewer"}}`,
	`{"id":4,"type":"campaign.paused","at":"2026-03-01T10:04:00Z","actor":"ops","channel":"api","client":"acme","campaign_id":"c1","approval_id":"","request_id":"r4","detail":{"reason":"holiday"}}`,
	`{"id":3,"type":"approval.decided","at":"2026-03-01T10:03:00.5Z","actor":"dana@acme","channel":"slack","client":"acme","campaign_id":"c1","approval_id":"c1.plan","request_id":"r3","detail":{"comment":"ok, \"go\"\nnow","decision":"approve"}}`,
	`{"id":2,"type":"approval.requested","at":"2026-03-01T10:02:00Z","actor":"","channel":"system","client":"acme","campaign_id":"c1","approval_id":"c1.plan","request_id":"","detail":{}}`,
	`{"id":1,"type":"campaign.launched","at":"2026-03-01T10:01:00Z","actor":"ops","channel":"api","client":"acme","campaign_id":"c1","approval_id":"","request_id":"r1","detail":{"playbook":"p","version":1}}`,
}

// pagedEvents serves auditEvents in pages of the size each request asks for,
// with the offset as page token, and records every request.
func pagedEvents(t *testing.T) (string, *[]seen) {
	return recordingAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		from := 0
		if tok := r.URL.Query().Get("page_token"); tok != "" {
			fmt.Sscanf(tok, "at-%d", &from)
		}
		size := 2
		if n := r.URL.Query().Get("limit"); n != "" {
			fmt.Sscanf(n, "%d", &size)
		}
		size = min(size, 2) // the fake's pages are small, so paging shows
		to := min(from+size, len(auditEvents))
		next := ""
		if to < len(auditEvents) {
			next = fmt.Sprintf("at-%d", to)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[`+strings.Join(auditEvents[from:to], ",")+`],"next_page_token":"`+next+`"}`)
	})
}

func TestAuditFollowsEveryPage(t *testing.T) {
	base, got := pagedEvents(t)

	stdout, stderr, code := runCLI(t, base, "audit", "--client", "acme", "--type", "approval.", "--actor", "ops", "--since", "30d", "--until", "2026-03-02T00:00:00Z")

	require.Equal(t, 0, code, stderr)
	require.Len(t, *got, 3, "three pages")
	for i, r := range *got {
		assert.Equal(t, "/v1/audit", r.path)
		assert.Equal(t, "cli", r.header.Get("Greenlight-Channel"))
		want := url.Values{"client": {"acme"}, "type": {"approval."}, "actor": {"ops"}, "since": {"30d"},
			"until": {"2026-03-02T00:00:00Z"}, "limit": {"200"}}
		if i > 0 {
			want.Set("page_token", fmt.Sprintf("at-%d", 2*i))
		}
		assert.Equal(t, want, r.query, "page %d", i+1)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 6, stdout)
	assert.Equal(t, []string{"TIME", "TYPE", "ACTOR", "CHANNEL", "CLIENT", "CAMPAIGN", "REQUEST", "DETAIL"}, strings.Fields(lines[0]))
	assert.Contains(t, lines[1], "token.created")
	assert.Contains(t, lines[1], `{"token":"tok_1","role":"viewer"}`)
	assert.Contains(t, lines[3], "approval.decided")
	assert.Contains(t, lines[3], "slack")
	assert.Contains(t, lines[3], "r3")
	assert.Contains(t, lines[5], "campaign.launched")
	assert.Empty(t, stderr, "no page left over")
}

func TestAuditLimitStopsAndSaysHowToGoOn(t *testing.T) {
	base, got := pagedEvents(t)

	stdout, stderr, code := runCLI(t, base, "audit", "--limit", "3")

	require.Equal(t, 0, code, stderr)
	require.Len(t, *got, 2)
	assert.Equal(t, "3", (*got)[0].query.Get("limit"))
	assert.Equal(t, "1", (*got)[1].query.Get("limit"), "the second page asks only for what is left")
	assert.Len(t, strings.Split(strings.TrimSpace(stdout), "\n"), 4, stdout)
	assert.Contains(t, stderr, "--page-token at-3")
}

func TestAuditJSONIsTheAPIsListOfEveryPage(t *testing.T) {
	base, _ := pagedEvents(t)

	stdout, stderr, code := runCLI(t, base, "audit", "--json")

	require.Equal(t, 0, code, stderr)
	var out struct {
		Items         []json.RawMessage `json:"items"`
		NextPageToken *string           `json:"next_page_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
	require.Len(t, out.Items, len(auditEvents))
	for i, raw := range out.Items {
		assert.JSONEq(t, auditEvents[i], string(raw))
	}
	require.NotNil(t, out.NextPageToken)
	assert.Empty(t, *out.NextPageToken)

	stdout, stderr, code = runCLI(t, base, "audit", "--json", "--limit", "1")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
	assert.Len(t, out.Items, 1)
	assert.Equal(t, "at-1", *out.NextPageToken, "where --limit stopped, to go on from")
}

func TestAuditCSV(t *testing.T) {
	base, _ := pagedEvents(t)

	stdout, stderr, code := runCLI(t, base, "audit", "--csv")

	require.Equal(t, 0, code, stderr)
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	require.NoError(t, err, stdout)
	require.Len(t, rows, 1+len(auditEvents))
	assert.Equal(t, []string{"id", "at", "type", "actor", "channel", "client", "campaign_id", "approval_id", "request_id", "detail"}, rows[0])
	assert.Equal(t, []string{"3", "2026-03-01T10:03:00.5Z", "approval.decided", "dana@acme", "slack", "acme", "c1", "c1.plan", "r3",
		`{"comment":"ok, \"go\"\nnow","decision":"approve"}`}, rows[3])
	assert.Equal(t, []string{"2", "2026-03-01T10:02:00Z", "approval.requested", "", "system", "acme", "c1", "c1.plan", "", "{}"}, rows[4])
	assert.True(t, strings.HasSuffix(stdout, "\n"))
}

func TestAuditCSVOfNothingIsItsHeader(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusOK, `{"items":[],"next_page_token":""}`)

	stdout, stderr, code := runCLI(t, base, "audit", "--csv", "--type", "person.deleted")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "id,at,type,actor,channel,client,campaign_id,approval_id,request_id,detail\n", stdout)

	stdout, _, code = runCLI(t, base, "audit")
	require.Equal(t, 0, code)
	assert.Equal(t, "No events.\n", stdout)
}

func TestCampaignEventsReadsTheTrail(t *testing.T) {
	base, got := pagedEvents(t)

	stdout, stderr, code := runCLI(t, base, "campaigns", "events", "c 1")

	require.Equal(t, 0, code, stderr)
	require.Len(t, *got, 3)
	assert.Equal(t, "/v1/campaigns/c 1/events", (*got)[0].path)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 6, stdout)
	assert.Equal(t, []string{"TIME", "TYPE", "ACTOR", "CHANNEL", "APPROVAL", "REQUEST", "DETAIL"}, strings.Fields(lines[0]))
	assert.Contains(t, lines[3], "c1.plan")
}

func TestAuditUsageMistakesSendNothing(t *testing.T) {
	for _, args := range [][]string{
		{"audit", "--since", "last week"},
		{"audit", "--until", "soon"},
		{"audit", "--csv", "--json"},
		{"campaigns", "events", "c1", "--limit", "-1"},
		{"campaigns", "events"},
	} {
		base, got := fakeAPI(t, http.StatusOK, `{"items":[],"next_page_token":""}`)
		_, stderr, code := runCLI(t, base, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
		assert.Empty(t, got.path, "%v: nothing is sent", args)
	}
}

func TestAuditRefusalFails(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusForbidden, `{"type":"/problems/forbidden","title":"Forbidden","status":403,"detail":"the viewer role may not do this (audit)"}`)

	stdout, stderr, code := runCLI(t, base, "audit", "--json")

	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "may not do this (audit)")
	assert.Contains(t, stdout, `"status": 403`, "--json prints the problem for scripts")
}

// TestAuditCSVKeepsFormulasText: an actor a raw signal named "=HYPERLINK(…)"
// stays text in a spreadsheet; ordinary values are written as they are.
func TestAuditCSVKeepsFormulasText(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusOK, `{"items":[
		{"id":7,"at":"2026-03-01T10:00:00Z","type":"approval.ignored","actor":"=HYPERLINK(\"https://evil.example\",\"click\")","channel":"signal","client":"acme","campaign_id":"c1","detail":{}},
		{"id":6,"at":"2026-03-01T09:00:00Z","type":"approval.ignored","actor":"+1 555","channel":"signal","client":"acme","campaign_id":"c1","detail":{}},
		{"id":5,"at":"2026-03-01T08:00:00Z","type":"approval.decided","actor":"dana@acme","channel":"api","client":"acme","campaign_id":"c1","detail":{}}],
		"next_page_token":""}`)

	stdout, stderr, code := runCLI(t, base, "audit", "--csv")

	require.Equal(t, 0, code, stderr)
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	require.NoError(t, err, stdout)
	require.Len(t, rows, 4)
	assert.Equal(t, `'=HYPERLINK("https://evil.example","click")`, rows[1][3])
	assert.Equal(t, "'+1 555", rows[2][3])
	assert.Equal(t, "dana@acme", rows[3][3])
}
