package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/pages/browsertest"
)

// TestWebUIShowsEncryptedPayloadsToASignedInBrowser: with payload keys, the
// Temporal Web UI shows a campaign's input only as ciphertext, until the
// person signs the browser in at the API's /codec/session; then the UI, which
// dev points at the API's codec with the browser's cookies, shows it decoded.
func TestWebUIShowsEncryptedPayloadsToASignedInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server and a browser")
	}
	d, _ := startDevWith(t, func(c *config.Config) { c.Payloads.Keys = newPayloadKey(t, "k1") })
	// The client comes second in the input, so the UI's editor renders it
	// without scrolling.
	const secret = "zebracorn-bakery"
	gl := apiClient{t: t, base: d.APIURL}
	var camp api.CampaignView
	require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": secret, "params": map[string]any{"brand": "Zebracorn"}}, nil, &camp).StatusCode)
	gl.waitFor(camp.ID, "waiting for approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	workflowPage := d.UIURL + "/namespaces/default/workflows/" + api.CampaignWorkflowID(camp.ID)

	b := browsertest.New(t)
	b.Open(workflowPage)
	shows := func(within time.Duration, text string) bool {
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			if strings.Contains(b.HTML(), text) {
				return true
			}
			time.Sleep(250 * time.Millisecond)
		}
		return false
	}
	require.True(t, shows(30*time.Second, "Codec Server could not connect"), "before sign-in the codec refuses the UI")
	require.False(t, strings.Contains(b.HTML(), secret), "and the UI cannot show the brand")

	b.Open(d.APIURL + "/codec/session")
	b.Fill("#token", d.AdminToken)
	require.Equal(t, http.StatusOK, b.Submit("form button"))
	require.Contains(t, b.Text("h1"), "Payload decoding is on")

	b.Open(workflowPage)
	require.True(t, shows(30*time.Second, secret), "signed in, the UI shows the campaign's input decoded through the API")
}
