package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApprovalsListDefaultsToPendingAndShowsDueRelative(t *testing.T) {
	due := time.Now().Add(47*time.Hour + 10*time.Minute).UTC().Format(time.RFC3339)
	base, got := fakeAPI(t, http.StatusOK, fmt.Sprintf(`{"items":[{"id":"apr_1","campaign_id":"c_1",
		"client":"acme","step":"approve-posts","title":"Approve 3 posts","status":"pending",
		"on_timeout":"reject","requested_at":"2026-03-01T10:00:00Z","due_at":%q}]}`, due))

	stdout, stderr, code := runCLI(t, base, "approvals", "list", "--client", "acme")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/approvals", got.path)
	assert.Equal(t, url.Values{"status": {"pending"}, "client": {"acme"}}, got.query)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, []string{"ID", "CLIENT", "CAMPAIGN", "TITLE", "PREVIEW", "STATUS", "DUE"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{"apr_1", "acme", "c_1", "Approve", "3", "posts", "-", "pending", "in", "47h"}, strings.Fields(lines[1]))
}

func TestApprovalsListStatusAllSendsNoStatus(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"items":[]}`)

	stdout, stderr, code := runCLI(t, base, "approvals", "list", "--status", "all", "--campaign", "c_1")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, url.Values{"campaign_id": {"c_1"}}, got.query)
	assert.Equal(t, "No approvals.\n", stdout)
}

func TestApprovalsListDueSendsDueBefore(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"items":[]}`)

	_, stderr, code := runCLI(t, base, "approvals", "list", "--due", "24h", "--client", "acme")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, url.Values{"status": {"pending"}, "client": {"acme"}, "due_before": {"24h"}}, got.query)
}

func TestApprovalsListShowsAShortPreview(t *testing.T) {
	long := "Acme fixed the outage that hit checkout on Monday; refunds are on their way"
	base, _ := fakeAPI(t, http.StatusOK, fmt.Sprintf(`{"items":[
		{"id":"apr_1","client":"acme","title":"Posts","status":"pending","due_at":"2099-01-01T00:00:00Z",
		 "preview":{"posts":[{"platform":"x","text":%q},{"text":"second"}]}},
		{"id":"apr_2","client":"acme","title":"Reply","status":"pending","due_at":"2099-01-01T00:00:00Z",
		 "preview":{"proposed_reply":"Sorry to hear that"}}]}`, long))

	stdout, stderr, code := runCLI(t, base, "approvals", "list")

	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 3)
	col := strings.Index(lines[0], "PREVIEW")
	end := strings.Index(lines[0], "STATUS")
	require.Positive(t, col)
	cell := func(line string) string { return strings.TrimSpace(cut(line, col, end)) }
	first := cell(lines[1])
	assert.True(t, strings.HasPrefix(first, "x: Acme fixed the outage"), first)
	assert.True(t, strings.HasSuffix(first, "…"), "cut with an ellipsis: %q", first)
	assert.LessOrEqual(t, utf8.RuneCountInString(first), 40)
	assert.Equal(t, "Proposed reply: Sorry to hear that", cell(lines[2]))
}

// cut is the text of line between the header's columns from and to, counted
// in runes as the table aligns them (an ellipsis is one).
func cut(line string, from, to int) string {
	r := []rune(line)
	return string(r[from:min(to, len(r))])
}

func TestApprovalsListDueRoundsToTheNearestHour(t *testing.T) {
	due := time.Now().Add(4 * time.Hour).UTC().Format(time.RFC3339)
	base, _ := fakeAPI(t, http.StatusOK, fmt.Sprintf(`{"items":[{"id":"apr_1","client":"acme","title":"T",
		"status":"pending","due_at":%q}]}`, due))

	stdout, stderr, code := runCLI(t, base, "approvals", "list")

	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasSuffix(strings.TrimSpace(stdout), "in 4h"), "a 4h deadline reads in 4h, not in 3h:\n%s", stdout)
}

func TestApprovalsListRefusesABadDueInItsOwnWords(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"items":[]}`)
	for _, due := range []string{"soon", "-1h", "99999999999w"} {
		_, stderr, code := runCLI(t, base, "approvals", "list", "--due", due)

		assert.Equal(t, exitUsage, code, due)
		assert.Contains(t, stderr, "--due", due)
		assert.NotContains(t, stderr, "due_before", due)
		assert.Contains(t, stderr, "RFC 3339 time", "the accepted values are listed")
		assert.Empty(t, got.method, "refused before anything is sent")
	}
	for _, due := range []string{"30m", "2d", "1w", "2026-03-01T12:00:00Z"} {
		_, stderr, code := runCLI(t, base, "approvals", "list", "--due", due)
		assert.Equal(t, 0, code, "%s: %s", due, stderr)
		assert.Equal(t, due, got.query.Get("due_before"))
	}
}
