package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
)

// devTokens maps each dev API's host to its admin token (startDev records it).
var devTokens sync.Map

// baseTransport is the transport without tokens added, for requests that must
// go out with none.
var baseTransport = http.DefaultTransport

// tokenTransport adds the dev admin token to requests for a dev API that carry
// no Authorization of their own, so the tests' plain http calls and cli.Execute
// act as the dev admin, as the CLI does by itself next to a dev data dir.
type tokenTransport struct{ base http.RoundTripper }

func (tt tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		if tok, ok := devTokens.Load(r.URL.Host); ok {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+tok.(string))
		}
	}
	return tt.base.RoundTrip(r)
}

func init() { http.DefaultTransport = tokenTransport{base: baseTransport} }

// personTokens caches personToken's tokens by API, name and roles.
var personTokens sync.Map

// personToken makes, once per dev instance, an approver token acting as name and
// holding the approver roles given: decisions are recorded as the token's holder,
// so a test that decides as someone decides with their token.
func personToken(t *testing.T, base, name string, roles ...string) string {
	t.Helper()
	key := base + "\x00" + name + "\x00" + strings.Join(roles, ",")
	if tok, ok := personTokens.Load(key); ok {
		return tok.(string)
	}
	var v struct {
		Token string `json:"token"`
	}
	resp := apiClient{t: t, base: base}.do("POST", "/v1/tokens",
		map[string]any{"name": name, "role": "approver", "approval_roles": append([]string{}, roles...)}, nil, &v)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	personTokens.Store(key, v.Token)
	return v.Token
}

// bearer is the Authorization header of token, for apiClient.do.
func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func useDevToken(apiURL, token string) {
	u, err := url.Parse(apiURL)
	if err != nil {
		panic(err)
	}
	devTokens.Store(u.Host, token)
}

// as sends one request with the given token ("" = none at all) and returns the
// status and the WWW-Authenticate header.
func as(t *testing.T, base, token, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Transport: baseTransport}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(raw)
}

func TestAuthEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	e := approvalsE2E{t: t, d: d}
	ctx := context.Background()

	// Public routes need no token; /v1 does.
	code, _, _ := as(t, d.APIURL, "", "GET", "/healthz", "")
	require.Equal(t, http.StatusOK, code)
	code, hdr, body := as(t, d.APIURL, "", "GET", "/v1/campaigns", "")
	require.Equal(t, http.StatusUnauthorized, code, body)
	require.Contains(t, hdr.Get("WWW-Authenticate"), "Bearer")
	require.Contains(t, hdr.Get("Content-Type"), "application/problem+json")
	code, _, _ = as(t, d.APIURL, "glt_nosuchtoken", "GET", "/v1/campaigns", "")
	require.Equal(t, http.StatusUnauthorized, code)

	// Tokens are made through the API by the admin.
	mk := func(name, role string, clients ...string) (id, secret string) {
		var v struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		resp := apiClient{t: t, base: d.APIURL}.do("POST", "/v1/tokens",
			map[string]any{"name": name, "role": role, "clients": clients}, nil, &v)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		require.True(t, strings.HasPrefix(v.Token, "glt_"), v.Token)
		return v.ID, v.Token
	}
	_, viewer := mk("vic", "viewer")
	_, dana := mk("dana@acme", "approver", "acme")

	// 403 for a role without the right.
	code, _, body = as(t, d.APIURL, viewer, "POST", "/v1/campaigns", `{"playbook":"e2e-approve","client":"acme","params":{"brand":"Acme"}}`)
	require.Equal(t, http.StatusForbidden, code, body)
	code, _, _ = as(t, d.APIURL, viewer, "GET", "/v1/tokens", "")
	require.Equal(t, http.StatusForbidden, code)
	code, _, _ = as(t, d.APIURL, viewer, "GET", "/v1/campaigns", "")
	require.Equal(t, http.StatusOK, code)

	acmeCampaign, acmeApproval := e.pending(t, "e2e-approve", "acme")
	globexCampaign, globexApproval := e.pending(t, "e2e-approve", "globex")

	// 404, not 403, for another client's objects.
	for _, path := range []string{"/v1/campaigns/" + globexCampaign, "/v1/approvals/" + url.PathEscape(globexApproval)} {
		code, _, body = as(t, d.APIURL, dana, "GET", path, "")
		require.Equal(t, http.StatusNotFound, code, "%s: %s", path, body)
	}
	code, _, body = as(t, d.APIURL, dana, "POST", "/v1/approvals/"+url.PathEscape(globexApproval)+"/decision", `{"decision":"approve"}`)
	require.Equal(t, http.StatusNotFound, code, body)
	code, _, body = as(t, d.APIURL, dana, "GET", "/v1/campaigns/"+acmeCampaign, "")
	require.Equal(t, http.StatusOK, code, body)

	// The acme approver's inbox lists only acme's approvals, even when asking for globex.
	code, _, body = as(t, d.APIURL, dana, "GET", "/v1/approvals", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, acmeApproval)
	require.NotContains(t, body, globexApproval)
	require.NotContains(t, body, `"client":"globex"`)
	code, _, body = as(t, d.APIURL, dana, "GET", "/v1/approvals?client=globex", "")
	require.Equal(t, http.StatusOK, code, body)
	require.NotContains(t, body, globexApproval)

	// The approver decides its own client's approval, recorded under its token's
	// name; a body naming anyone else is refused.
	code, _, body = as(t, d.APIURL, dana, "POST", "/v1/approvals/"+url.PathEscape(acmeApproval)+"/decision", `{"decision":"approve","by":"someone-else"}`)
	require.Equal(t, http.StatusForbidden, code, body)
	code, _, body = as(t, d.APIURL, dana, "POST", "/v1/approvals/"+url.PathEscape(acmeApproval)+"/decision", `{"decision":"approve","by":"dana@acme"}`)
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, "dana@acme", e.approval(t, acmeApproval).DecidedBy)
	apiClient{t: t, base: d.APIURL}.waitFor(acmeCampaign, "completed", func(v api.CampaignView) bool { return v.Status == api.StatusCompleted })

	// Stored hashed: the table holds no secret.
	var hashes []string
	require.NoError(t, d.Store.DB().WithContext(ctx).Table("api_tokens").Pluck("hash", &hashes).Error)
	require.NotEmpty(t, hashes)
	for _, h := range hashes {
		require.NotContains(t, []string{dana, viewer, d.AdminToken}, h)
		require.False(t, strings.HasPrefix(h, "glt_"))
	}
	var leaked int64
	require.NoError(t, d.Store.DB().WithContext(ctx).Table("api_tokens").
		Where("hash = ? OR name = ? OR clients LIKE ?", dana, dana, "%"+dana+"%").Count(&leaked).Error)
	require.Zero(t, leaked)

	// Revoked → 401.
	vicID := ""
	var list struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	apiClient{t: t, base: d.APIURL}.do("GET", "/v1/tokens", nil, nil, &list)
	for _, it := range list.Items {
		if it.Name == "vic" {
			vicID = it.ID
		}
	}
	require.NotEmpty(t, vicID)
	resp := apiClient{t: t, base: d.APIURL}.do("POST", "/v1/tokens/"+vicID+"/revoke", nil, nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	code, _, _ = as(t, d.APIURL, viewer, "GET", "/v1/campaigns", "")
	require.Equal(t, http.StatusUnauthorized, code)
}

// TestIdempotencyKeysArePerCaller: the same Idempotency-Key from two callers
// makes two campaigns; a retry by one caller finds its own.
func TestIdempotencyKeysArePerCaller(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	d, _ := startDev(t)
	mk := func(name string) string {
		var v struct {
			Token string `json:"token"`
		}
		resp := apiClient{t: t, base: d.APIURL}.do("POST", "/v1/tokens", map[string]any{"name": name, "role": "operator"}, nil, &v)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		return v.Token
	}
	launch := func(token string) string {
		req, err := http.NewRequest("POST", d.APIURL+"/v1/campaigns",
			strings.NewReader(`{"playbook":"e2e-quick","client":"acme","params":{"brand":"Acme"}}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", "same-key")
		resp, err := (&http.Client{Transport: baseTransport}).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		var v api.CampaignView
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
		return v.ID
	}
	ops1, ops2 := mk("ops-one"), mk("ops-two")
	first := launch(ops1)
	require.Equal(t, first, launch(ops1), "a retry by the same caller finds its campaign")
	require.NotEqual(t, first, launch(ops2), "another caller's key is its own")
}
