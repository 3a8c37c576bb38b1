package app_test

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
)

// TestMetricsAfterALaunchAndADecision: /metrics counts what the API did and shows
// the Temporal SDK's own metrics, from the same dev process.
func TestMetricsAfterALaunchAndADecision(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	gl := apiClient{t: t, base: d.APIURL}

	launch := map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": "Acme"}}
	key := map[string]string{"Idempotency-Key": "metrics-1"}
	var c api.CampaignView
	require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns", launch, key, &c).StatusCode)
	// A replay answers 201 again but launches nothing, so it must not count.
	resp := gl.do("POST", "/v1/campaigns", launch, key, nil)
	require.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
	gl.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })

	approvalID := api.ApprovalID(c.ID, "approve")
	resp = gl.do("POST", "/v1/approvals/"+approvalID+"/decision", map[string]any{"decision": "approve"}, bearer(personToken(t, gl.base, "ann")), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	m := scrape(t, d.APIURL)
	require.Equal(t, 1.0, m[`greenlight_campaigns_launched_total{playbook="e2e-quick"}`], "one launch, the replay not counted")
	require.Equal(t, 1.0, m[`greenlight_approval_decisions_total{channel="api",decision="approve"}`])
	require.Equal(t, 2.0, m[`greenlight_http_requests_total{code="201",method="POST",route="/v1/campaigns"}`], "both answers, replay included")
	require.Equal(t, 1.0, m[`greenlight_http_requests_total{code="200",method="POST",route="/v1/approvals/:id/decision"}`])
	require.Contains(t, m, `greenlight_http_request_duration_seconds_count{method="POST",route="/v1/campaigns"}`)
	require.Contains(t, m, "go_goroutines")

	// Route patterns, not raw paths, label requests, and unknown routes share one label.
	gl.do("GET", "/no/such/"+c.ID, nil, nil, nil)
	m = scrape(t, d.APIURL)
	require.Equal(t, 1.0, m[`greenlight_http_requests_total{code="404",method="GET",route="unmatched"}`])
	for series := range m {
		require.NotContains(t, series, c.ID, "a raw path leaked into a label")
	}

	// Decisions through the bulk and signed-link paths count too, by channel, and
	// so do cancellations.
	pending := func(client string) (campaignID, approvalID string) {
		var c api.CampaignView
		resp := gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": client, "params": map[string]any{"brand": "Acme"}}, nil, &c)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		gl.waitFor(c.ID, "waiting_approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
		return c.ID, api.ApprovalID(c.ID, "approve")
	}
	_, bulkID := pending("bulk")
	_, linkID := pending("link")
	cancelID, _ := pending("cancel")
	var bulk struct {
		Results []struct{ Status int } `json:"results"`
	}
	resp = gl.do("POST", "/v1/approvals/decisions", map[string]any{"decisions": []map[string]any{
		{"approval_id": bulkID, "decision": "reject"},
		{"approval_id": "nope", "decision": "reject"}, // 404 inside a 200: not a decision
	}}, nil, &bulk)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, http.StatusOK, bulk.Results[0].Status)
	var link struct {
		ApproveURL string `json:"approve_url"`
	}
	resp = gl.do("POST", "/v1/approvals/"+linkID+"/links", map[string]any{}, bearer(personToken(t, gl.base, "dana@acme")), &link)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	resp = gl.do("POST", strings.TrimPrefix(link.ApproveURL, d.APIURL), nil, nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp = gl.do("POST", "/v1/campaigns/"+cancelID+"/cancel", nil, nil, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	m = scrape(t, d.APIURL)
	require.Equal(t, 4.0, m[`greenlight_campaigns_launched_total{playbook="e2e-quick"}`])
	require.Equal(t, 1.0, m[`greenlight_approval_decisions_total{channel="api",decision="approve"}`])
	require.Equal(t, 1.0, m[`greenlight_approval_decisions_total{channel="api",decision="reject"}`], "the bulk decision")
	require.Equal(t, 1.0, m[`greenlight_approval_decisions_total{channel="link",decision="approve"}`])
	require.Equal(t, 1.0, m[`greenlight_campaigns_canceled_total`])

	var temporal []string
	for series := range m {
		if strings.HasPrefix(series, "temporal_") {
			temporal = append(temporal, series)
		}
	}
	require.NotEmpty(t, temporal, "the Temporal SDK's client and worker metrics")
}

// scrape reads /metrics into series → value, where a series is the name with its
// labels exactly as the text format prints them (labels sorted by name).
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"), resp.Header.Get("Content-Type"))
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		require.Positive(t, i, "line %q", line)
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(t, err, "line %q", line)
		out[line[:i]] = v
	}
	require.NoError(t, sc.Err())
	return out
}
