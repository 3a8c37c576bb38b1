package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApprovalsListDefaultsToPendingAndShowsDueRelative(t *testing.T) {
	due := time.Now().Add(47*time.Hour + 30*time.Minute).UTC().Format(time.RFC3339)
	base, got := fakeAPI(t, http.StatusOK, fmt.Sprintf(`{"items":[{"id":"apr_1","campaign_id":"c_1",
		"client":"acme","step":"approve-posts","title":"Approve 3 posts","status":"pending",
		"on_timeout":"reject","requested_at":"2026-03-01T10:00:00Z","due_at":%q}]}`, due))

	stdout, stderr, code := runCLI(t, base, "approvals", "list", "--client", "acme")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/approvals", got.path)
	assert.Equal(t, url.Values{"status": {"pending"}, "client": {"acme"}}, got.query)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, []string{"ID", "CLIENT", "CAMPAIGN", "TITLE", "STATUS", "DUE"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{"apr_1", "acme", "c_1", "Approve", "3", "posts", "pending", "in", "47h"}, strings.Fields(lines[1]))
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
