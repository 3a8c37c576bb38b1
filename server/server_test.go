package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/app"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store/storetest"
)

// These tests cover what the API answers without Temporal: routing, limits and
// validation. The end-to-end tests in app/ cover the paths through Temporal.
func newAPI(t *testing.T) http.Handler {
	t.Helper()
	st := storetest.SQLite(t)
	require.NoError(t, app.RegisterPlaybooks(context.Background(), st, ""))
	return server.New(server.Deps{Store: st, Namespace: "default"}).Handler()
}

func call(t *testing.T, h http.Handler, method, path, body string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

func TestErrorsAreProblems(t *testing.T) {
	h := newAPI(t)
	big := `{"playbook":"` + strings.Repeat("x", 2<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		status                   int
		detail                   string
	}{
		{"unknown route", "GET", "/v1/nothing", "", 404, "no route"},
		{"wrong method", "DELETE", "/v1/campaigns", "", 405, "DELETE is not allowed"},
		{"too large", "POST", "/v1/campaigns", big, 413, "larger than"},
		{"bad status filter", "GET", "/v1/campaigns?status=sleeping", "", 400, "not one of"},
		{"bad limit", "GET", "/v1/campaigns?limit=1000", "", 400, "limit"},
		{"bad page token", "GET", "/v1/campaigns?page_token=garbage", "", 400, "page_token"},
		{"unknown campaign", "GET", "/v1/campaigns/nope", "", 404, "no campaign nope"},
		{"unknown approval", "POST", "/v1/approvals/nope/decision", `{"decision":"approve"}`, 404, "no approval nope"},
		{"bad decision", "POST", "/v1/approvals/nope/decision", `{"decision":"maybe"}`, 422, "decision request"},
		{"unknown playbook", "GET", "/v1/playbooks/nope", "", 404, "no playbook named nope"},
		{"bad playbook version", "GET", "/v1/playbooks/reputation-repair?version=zero", "", 400, "version"},
		{"missing version", "GET", "/v1/playbooks/reputation-repair?version=9", "", 404, "no version 9"},
		{"bad approvals filter", "GET", "/v1/approvals?status=maybe", "", 400, "not one of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, body := call(t, h, tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			require.Equal(t, float64(tc.status), body["status"])
			require.Contains(t, body["detail"], tc.detail)
		})
	}
}

func TestValidatePlaybookListsEveryProblemWithLines(t *testing.T) {
	h := newAPI(t)
	yaml := "name: x\nversion: 0\nsteps:\n  - id: a\n    action: nope\n  - id: b\n    approval: {title: t, timeout: 1h}\n"
	rec, body := call(t, h, "POST", "/v1/playbooks/validate", yaml)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	errs := body["errors"].([]any)
	require.Len(t, errs, 3, "%v", errs)
	lines := map[float64]bool{}
	for _, e := range errs {
		lines[e.(map[string]any)["line"].(float64)] = true
	}
	require.Equal(t, map[float64]bool{2: true, 5: true, 7: true}, lines)

	rec, body = call(t, h, "POST", "/v1/playbooks/validate", "name: x\nversion: 1\nsteps:\n  - {id: a, wait: 1d}\n")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, true, body["valid"])
}

func TestPlaybooksListAndGet(t *testing.T) {
	h := newAPI(t)
	rec, body := call(t, h, "GET", "/v1/playbooks", "")
	require.Equal(t, http.StatusOK, rec.Code)
	items := body["items"].([]any)
	byName := map[string]map[string]any{}
	for _, it := range items {
		byName[it.(map[string]any)["name"].(string)] = it.(map[string]any)
	}
	require.Len(t, byName, 3)
	rr := byName["reputation-repair"]
	require.Equal(t, true, rr["builtin"])
	require.Equal(t, float64(3), rr["version"], "latest is the highest version")
	require.Equal(t, []any{float64(1), float64(2), float64(3)}, rr["versions"])
	require.Contains(t, byName, "audience-expansion")
	require.Contains(t, byName, "crisis-triage")

	rec, body = call(t, h, "GET", "/v1/playbooks/reputation-repair", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, body["source"], "name: reputation-repair")
	require.NotEmpty(t, body["steps"])
}

func TestRequestIDsTieAnswersToLogs(t *testing.T) {
	h := newAPI(t)
	req := httptest.NewRequest("GET", "/v1/campaigns/nope", nil)
	req.Header.Set("X-Request-Id", "trace-42")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, "trace-42", rec.Header().Get("X-Request-Id"), "a caller's id is kept")
	var p map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Equal(t, "trace-42", p["request_id"])

	req = httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-Id", "bad id with spaces\n")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	id := rec.Header().Get("X-Request-Id")
	require.Len(t, id, 16, "an unusable id is replaced")
	require.NotContains(t, id, " ")
}

func TestQueryParametersAreAllowListed(t *testing.T) {
	h := newAPI(t)
	for _, tc := range []struct{ path, detail string }{
		{"/v1/campaigns?clinet=acme", "unknown query parameter(s) clinet"},
		{"/v1/campaigns?sort=name%3BDROP%20TABLE%20campaigns", "not supported"},
		{"/v1/approvals?order=due_at", "unknown query parameter(s) order"},
		{"/v1/playbooks/reputation-repair?v=1", "unknown query parameter(s) v"},
	} {
		rec, body := call(t, h, "GET", tc.path, "")
		require.Equal(t, 400, rec.Code, tc.path)
		require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
		require.Contains(t, body["detail"], tc.detail, tc.path)
	}
	rec, _ := call(t, h, "GET", "/v1/campaigns?sort=-created_at&limit=5", "")
	require.Equal(t, 200, rec.Code)
}
