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

func TestCampaignsListPrintsTableAndNextPageHint(t *testing.T) {
	created := time.Now().Add(-3*time.Hour - time.Minute).UTC().Format(time.RFC3339)
	base, got := fakeAPI(t, http.StatusOK, fmt.Sprintf(`{"items":[
		{"id":"c_1","client":"acme","playbook":"reputation-repair","playbook_version":2,
		 "status":"waiting_approval","current_step":"approve-posts","created_at":%q},
		{"id":"c_2","client":"globex","playbook":"crisis-triage","playbook_version":1,
		 "status":"completed","created_at":%q}],
		"next_page_token":"tok-2"}`, created, created))

	stdout, stderr, code := runCLI(t, base, "campaigns", "list", "--status", "waiting_approval", "--client", "acme", "--limit", "2")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, http.MethodGet, got.method)
	assert.Equal(t, "/v1/campaigns", got.path)
	assert.Equal(t, url.Values{"status": {"waiting_approval"}, "client": {"acme"}, "limit": {"2"}}, got.query)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, []string{"ID", "CLIENT", "PLAYBOOK", "VERSION", "STATUS", "CURRENT", "STEP", "CREATED"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{"c_1", "acme", "reputation-repair", "2", "waiting_approval", "approve-posts", "3h", "ago"}, strings.Fields(lines[1]))
	assert.Equal(t, []string{"c_2", "globex", "crisis-triage", "1", "completed", "-", "3h", "ago"}, strings.Fields(lines[2]))
	// Columns line up: every row's STATUS starts where the header's does.
	col := strings.Index(lines[0], "STATUS")
	assert.Equal(t, "waiting_approval", lines[1][col:col+len("waiting_approval")])
	assert.Contains(t, stderr, "--page-token tok-2")
}

func TestCampaignsShowPrintsHeaderStepsAndApprovals(t *testing.T) {
	due := time.Now().Add(47*time.Hour + 10*time.Minute).UTC().Format(time.RFC3339)
	base, got := fakeAPI(t, http.StatusOK, fmt.Sprintf(`{"id":"c 1","workflow_id":"campaign-c 1",
		"playbook":"reputation-repair","playbook_version":1,"client":"acme",
		"status":"waiting_approval","current_step":"approve-posts","params":{"brand":"Acme","weeks":4},
		"steps":[{"id":"s1","key":"audit","kind":"action","status":"completed","started_at":"2026-03-01T10:00:00Z","finished_at":"2026-03-01T10:01:00Z"},
		         {"id":"s2","key":"approve-posts","kind":"approval","status":"waiting_approval"}],
		"approvals":[{"id":"apr_1","campaign_id":"c 1","client":"acme","step":"approve-posts",
		  "title":"Approve 3 posts","status":"pending","on_timeout":"reject",
		  "requested_at":"2026-03-01T10:01:00Z","due_at":%q}]}`, due))

	stdout, stderr, code := runCLI(t, base, "campaigns", "show", "c 1")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "/v1/campaigns/c 1", got.path) // sent escaped, decoded by the server
	for _, want := range []string{
		"Campaign", "c 1", "reputation-repair v1", "waiting_approval", "brand=Acme weeks=4",
		"Steps", "audit", "action", "completed", "approve-posts", "approval",
		"Approvals", "apr_1", "Approve 3 posts", "pending", "in 47h",
	} {
		assert.Contains(t, stdout, want)
	}
}

func TestCampaignsCancelPostsAndAcceptsEmpty202(t *testing.T) {
	base, got := fakeAPI(t, http.StatusAccepted, ``)

	stdout, stderr, code := runCLI(t, base, "campaigns", "cancel", "c_1")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/v1/campaigns/c_1/cancel", got.path)
	assert.Contains(t, stdout, "Cancellation requested for campaign c_1")
}

func TestCampaignsShowSaysWhatASleepingCampaignWaitsFor(t *testing.T) {
	until := time.Now().Add(6*24*time.Hour + 23*time.Hour + 30*time.Minute).UTC()
	base, _ := fakeAPI(t, http.StatusOK, fmt.Sprintf(`{"id":"c_1","workflow_id":"campaign-c_1","playbook":"reputation-repair",
		"playbook_version":3,"client":"acme","status":"running","current_step":"weekly.1.measure","team":"team-x",
		"waiting":{"until":%q,"for":"iteration 2: draft","step":"weekly","reason":"repeat"},
		"accounts":[{"id":"acc1","platform":"mastodon","handle":"acme@social.example","connector":"mastodon","team":"team-x","state":"held"}],
		"steps":[],"approvals":[]}`, until.Format(time.RFC3339)))

	stdout, stderr, code := runCLI(t, base, "campaigns", "show", "c_1")

	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `Waiting\s+until `+until.Format("2006-01-02 15:04 MST")+` \(in \d+d[^)]*\) for iteration 2: draft`, stdout)
	assert.Contains(t, stdout, "team-x")
	assert.Regexp(t, `acc1\s+mastodon\s+acme@social.example\s+mastodon\s+team-x\s+held`, stdout)
}

// TestACanceledCampaignsApprovalReadsAsCanceledWithIt: an approval still
// pending when its campaign was canceled is recorded expired with policy
// campaign_canceled; people read it as canceled with the campaign, never as a
// timeout policy that fired.
func TestACanceledCampaignsApprovalReadsAsCanceledWithIt(t *testing.T) {
	approval := `{"id":"apr_1","campaign_id":"c_1","client":"acme","step":"approve-posts",
		"title":"Approve 3 posts","status":"expired","on_timeout":"reject","policy":"campaign_canceled",
		"channel":"system","requested_at":"2026-03-01T10:01:00Z","due_at":"2026-03-03T10:01:00Z",
		"decided_at":"2026-03-01T11:00:00Z"}`
	silenced := strings.Replace(strings.Replace(approval, `"campaign_canceled"`, `"reject"`, 1), `"apr_1"`, `"apr_2"`, 1)
	base, _ := fakeAPI(t, http.StatusOK, `{"id":"c_1","playbook":"reputation-repair","playbook_version":1,"client":"acme",
		"status":"canceled","steps":[],"approvals":[`+approval+`,`+silenced+`]}`)

	stdout, stderr, code := runCLI(t, base, "campaigns", "show", "c_1")

	require.Equal(t, 0, code, stderr)
	var canceled, expired string
	for _, line := range strings.Split(stdout, "\n") {
		switch f := strings.Fields(line); {
		case len(f) > 0 && f[0] == "apr_1":
			canceled = line
		case len(f) > 0 && f[0] == "apr_2":
			expired = line
		}
	}
	assert.Contains(t, canceled, "canceled")
	assert.Contains(t, canceled, "nobody: campaign canceled")
	assert.NotContains(t, canceled, "expired")
	assert.NotContains(t, canceled, "policy")
	assert.Contains(t, expired, "expired", "a timeout policy that fired still reads as one")
	assert.Contains(t, expired, "timeout policy reject")

	base, _ = fakeAPI(t, http.StatusOK, `{"items":[`+approval+`]}`)
	stdout, stderr, code = runCLI(t, base, "approvals", "list", "--status", "all")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "canceled")
	assert.NotContains(t, stdout, "expired")
}
