package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/devserver"
	"github.com/greenlight/greenlight/encryption"
)

// TestPayloadsAreEncryptedOutsideDev: a server and a worker with payload
// keys (required outside dev) leave only ciphertext in a campaign's history,
// read raw through the SDK, and the API's codec endpoint decodes it for an
// authorised caller, by bearer token or by the browser session the Web UI
// sends, and for no one else.
func TestPayloadsAreEncryptedOutsideDev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	for _, addr := range []*string{&cfg.TemporalAddr, &cfg.UIAddr} {
		a, err := devserver.FreeAddr()
		require.NoError(t, err)
		*addr = a
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan app.TemporalInstance, 1)
	go func() { _ = app.DevTemporal(ctx, cfg, logger, func(ti app.TemporalInstance) { ready <- ti }) }()
	var ti app.TemporalInstance
	select {
	case ti = <-ready:
	case <-time.After(2 * time.Minute):
		t.Fatal("dev --only temporal never became ready")
	}
	const uiOrigin = "https://temporal-ui.agency.test"
	base, _ := startDeploymentWith(ctx, t, ti.TemporalAddr, func(c *config.Config) { c.UIURL = uiOrigin + "/namespaces/default" })
	admin := tokenOf(t, base)

	// A secret that goes into the workflow input and the posts, nowhere else.
	const secret = "Zebracorn Bakery"
	gl := apiClient{t: t, base: base}
	var camp api.CampaignView
	require.Equal(t, http.StatusCreated, gl.do("POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme", "params": map[string]any{"brand": secret}}, nil, &camp).StatusCode)
	gl.waitFor(camp.ID, "waiting for approval", func(v api.CampaignView) bool { return v.Status == api.StatusWaitingApproval })
	require.Equal(t, http.StatusOK, gl.do("POST", "/v1/approvals/"+api.ApprovalID(camp.ID, "approve")+"/decision", map[string]any{"decision": "approve", "comment": secret + " looks right"}, nil, nil).StatusCode)
	gl.waitFor(camp.ID, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })

	// The history as Temporal keeps it, read by a client without the keys.
	raw, err := client.Dial(client.Options{HostPort: ti.TemporalAddr, Namespace: ti.Namespace})
	require.NoError(t, err)
	defer raw.Close()
	poll(t, time.Minute, "the workflow's end", func() (bool, bool) {
		d, err := raw.DescribeWorkflowExecution(ctx, api.CampaignWorkflowID(camp.ID), "")
		return true, err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	var sealed []*commonpb.Payload
	var wire []byte
	it := raw.GetWorkflowHistory(ctx, api.CampaignWorkflowID(camp.ID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	kinds := map[enumspb.EventType]bool{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		b, err := proto.Marshal(ev)
		require.NoError(t, err)
		wire = append(wire, b...)
		kinds[ev.GetEventType()] = true
		collectPayloads(ev.ProtoReflect(), &sealed)
	}
	for _, k := range []enumspb.EventType{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED} {
		require.True(t, kinds[k], "the history holds %s", k)
	}
	require.NotEmpty(t, sealed)
	for i, p := range sealed {
		assert.Equal(t, encryption.Encoding, string(p.GetMetadata()["encoding"]), "payload %d is sealed", i)
		assert.Equal(t, "k1", string(p.GetMetadata()[encryption.MetadataKey]), "payload %d names its key", i)
	}
	assert.NotContains(t, string(wire), secret, "the history's bytes never hold the brand in plain text")
	assert.NotContains(t, string(wire), "looks right", "nor the decision's comment")

	// The Web UI's call: {"payloads": [...]} in protojson.
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: sealed})
	require.NoError(t, err)
	decode := func(header map[string]string) (int, http.Header, string) {
		req, err := http.NewRequest("POST", base+"/codec/decode", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Client{Transport: baseTransport}).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, string(b)
	}

	status, _, text := decode(nil)
	assert.Equal(t, http.StatusUnauthorized, status, "no token, no decoding: %s", text)
	assert.NotContains(t, text, secret)
	status, _, text = decode(map[string]string{"Authorization": "Bearer not-a-token"})
	assert.Equal(t, http.StatusUnauthorized, status, text)
	scoped := createToken(t, base, map[string]any{"name": "acme-only", "role": "viewer", "clients": []string{"acme"}})
	status, _, text = decode(bearer(scoped))
	assert.Equal(t, http.StatusForbidden, status, "a token limited to some clients may not decode: %s", text)
	assert.NotContains(t, text, secret)

	status, hdr, text := decode(map[string]string{"Authorization": "Bearer " + admin, "Origin": uiOrigin})
	require.Equal(t, http.StatusOK, status, text)
	assert.Equal(t, uiOrigin, hdr.Get("Access-Control-Allow-Origin"), "the Web UI's origin may read the answer")
	assert.Contains(t, decodedText(t, text), secret, "decoded, the payloads hold the brand")
	assert.Contains(t, decodedText(t, text), "looks right", "and the decision")
	_, hdr, _ = decode(map[string]string{"Authorization": "Bearer " + admin, "Origin": "https://evil.test"})
	assert.Empty(t, hdr.Get("Access-Control-Allow-Origin"), "no other origin may")

	// The Web UI sends the browser's cookies, not a Greenlight token: the
	// person signs the browser in once with a token.
	viewer := createToken(t, base, map[string]any{"name": "ops-viewer", "role": "viewer"})
	cookie := codecSignIn(t, base, viewer, http.StatusOK)
	status, _, text = decode(map[string]string{"Cookie": cookie, "Origin": uiOrigin})
	require.Equal(t, http.StatusOK, status, text)
	assert.Contains(t, decodedText(t, text), secret)
	codecSignIn(t, base, scoped, http.StatusForbidden)
	codecSignIn(t, base, "not-a-token", http.StatusUnauthorized)
	forged := strings.Replace(cookie, "greenlight_codec=tok_", "greenlight_codec=tok_0", 1)
	status, _, _ = decode(map[string]string{"Cookie": forged})
	assert.Equal(t, http.StatusUnauthorized, status, "a cookie altered by hand is refused")
	var tokens struct {
		Items []struct{ ID, Name string }
	}
	gl.do("GET", "/v1/tokens", nil, nil, &tokens)
	revoked := 0
	for _, tok := range tokens.Items {
		if tok.Name == "ops-viewer" {
			require.Equal(t, http.StatusOK, gl.do("POST", "/v1/tokens/"+tok.ID+"/revoke", nil, nil, nil).StatusCode)
			revoked++
		}
	}
	require.Equal(t, 1, revoked)
	status, _, _ = decode(map[string]string{"Cookie": cookie})
	assert.Equal(t, http.StatusUnauthorized, status, "revoking the token ends its browser session at once")
}

// collectPayloads gathers every payload in m except search attributes, which
// Temporal must read to index (they name the client, never a post).
func collectPayloads(m protoreflect.Message, out *[]*commonpb.Payload) {
	if m.Descriptor().FullName() == "temporal.api.common.v1.SearchAttributes" {
		return
	}
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		*out = append(*out, p)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				collectPayloads(v.List().Get(i).Message(), out)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				collectPayloads(mv.Message(), out)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			collectPayloads(v.Message(), out)
		}
		return true
	})
}

// decodedText is the data of every payload in a codec answer, as text.
func decodedText(t *testing.T, answer string) string {
	t.Helper()
	var ps commonpb.Payloads
	require.NoError(t, protojson.Unmarshal([]byte(answer), &ps))
	var b strings.Builder
	for _, p := range ps.Payloads {
		b.Write(p.Data)
		b.WriteByte('\n')
	}
	return b.String()
}

// tokenOf is the admin token startDeployment made for base.
func tokenOf(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	tok, ok := devTokens.Load(u.Host)
	require.True(t, ok)
	return tok.(string)
}

func createToken(t *testing.T, base string, spec map[string]any) string {
	t.Helper()
	var v struct {
		Token string `json:"token"`
	}
	resp := apiClient{t: t, base: base}.do("POST", "/v1/tokens", spec, nil, &v)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	return v.Token
}

// codecSignIn posts the sign-in form as a browser would and returns the
// Cookie header it then sends ("" when refused).
func codecSignIn(t *testing.T, base, token string, want int) string {
	t.Helper()
	resp, err := (&http.Client{Transport: baseTransport}).PostForm(base+"/codec/session", url.Values{"token": {token}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, want, resp.StatusCode)
	for _, c := range resp.Cookies() {
		if c.Name == "greenlight_codec" && c.Value != "" {
			require.Equal(t, want, http.StatusOK, "a refused sign-in sets no cookie")
			assert.True(t, c.HttpOnly && c.Secure && c.SameSite == http.SameSiteNoneMode, "the cookie is HttpOnly, Secure and crosses from the Web UI")
			assert.Equal(t, "/codec", c.Path)
			assert.NotContains(t, c.Value, token, "the cookie does not carry the token's secret")
			return c.Name + "=" + c.Value
		}
	}
	require.NotEqual(t, http.StatusOK, want, "a sign-in sets the cookie")
	return ""
}
