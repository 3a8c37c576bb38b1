package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/server"
)

// These tests send what an attacker sends to the API's input boundary: bodies
// past the shape limits, text the store cannot hold, queries Go would misread,
// durations that overflow. Each is refused before any work, naming what is at
// fault; app/security_input_e2e_test.go replays them on the real stack.

// problemField is the first errors[] entry of a problem: its field and line.
func problemField(t *testing.T, body map[string]any) (string, float64) {
	t.Helper()
	errs, _ := body["errors"].([]any)
	require.NotEmpty(t, errs, "the problem names what is at fault: %v", body)
	first := errs[0].(map[string]any)
	line, _ := first["line"].(float64)
	return first["field"].(string), line
}

func TestInputBoundary(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	srv.seed("c1", pendingApproval("c1.approve", time.Hour, ""))
	token := link(t, testSecret, links.LinkClaims{ApprovalID: "c1.approve", Approver: api.Approver{ID: "dana@acme"}})
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	manyValues := `[` + strings.Repeat(`1,`, 10_000) + `1]`

	for _, tc := range []struct {
		name, method, path, contentType, body string
		status                                int
		field                                 string // errors[0].field; "" when the answer has no errors[]
		detail                                string
		line                                  float64
	}{
		// Item 5, JSON side: nesting and size are refused before decoding.
		{name: "50,000 nested brackets in params", method: "POST", path: "/v1/campaigns",
			body:   `{"playbook":"quick","client":"acme","params":{"a":` + strings.Repeat("[", 50_000) + `}}`,
			status: 413, field: "params.a" + strings.Repeat("[0]", 30), detail: "deeper than 32"},
		{name: "nested objects in edits", method: "POST", path: "/v1/approvals/c1.approve/decision",
			body:   `{"decision":"approve","edits":` + strings.Repeat(`{"x":`, 40) + `1` + strings.Repeat(`}`, 40) + `}`,
			status: 413, field: "edits" + strings.Repeat(".x", 31), detail: "deeper than 32"},
		{name: "nesting at the limit is fine (then fails on the playbook)", method: "POST", path: "/v1/campaigns",
			body:   `{"playbook":"nope","client":"acme","params":{"a":` + deep(30) + `}}`,
			status: 422, field: "playbook", detail: "unknown playbook"},
		{name: "too many values", method: "POST", path: "/v1/approvals/decisions",
			body: `{"decisions":` + manyValues + `}`, status: 413, field: "decisions[9998]", detail: "more than 10000 values"},
		{name: "params with too many values", method: "POST", path: "/v1/campaigns",
			body:   `{"playbook":"quick","client":"acme","params":{"a":[` + strings.Repeat(`0,`, 1000) + `0]}}`,
			status: 422, field: "params", detail: "does not accept"},
		{name: "edits with too much text", method: "POST", path: "/v1/approvals/c1.approve/decision",
			body:   `{"decision":"approve","edits":{"post":"` + strings.Repeat("x", 65<<10) + `"}}`,
			status: 422, field: "edits", detail: "does not accept"},
		{name: "a link decision's edits nest too deep", method: "POST", path: "/v1/approvals/c1.approve/decision?token=" + token,
			contentType: "application/json", body: `{"edits":{"a":` + deep(40) + `}}`, status: 413, detail: "deeper than 32"},

		// Item 9: NUL and invalid UTF-8, in every kind of field.
		{name: "NUL in a launch param", method: "POST", path: "/v1/campaigns",
			body: `{"playbook":"quick","client":"acme","params":{"brand":"Ac\u0000me"}}`, status: 422, field: "params.brand", detail: "does not accept"},
		{name: "NUL in a nested launch param", method: "POST", path: "/v1/campaigns",
			body: `{"playbook":"quick","client":"acme","params":{"handles":["ok","x\u0000"]}}`, status: 422, field: "params.handles[1]"},
		{name: "NUL in a decision comment", method: "POST", path: "/v1/approvals/c1.approve/decision",
			body: `{"decision":"approve","comment":"fine\u0000"}`, status: 422, field: "comment"},
		{name: "NUL in an edits key", method: "POST", path: "/v1/approvals/c1.approve/decision",
			body: `{"decision":"approve","edits":{"po\u0000sts":["x"]}}`, status: 422, field: `edits["po\x00sts"]`},
		{name: "invalid UTF-8 in an edits value", method: "POST", path: "/v1/approvals/c1.approve/decision",
			body: "{\"decision\":\"approve\",\n\"edits\":{\"posts\":[\"ok\",\"caf\xe9\"]}}", status: 422, field: "edits.posts[1]", line: 2},
		{name: "invalid UTF-8 in a token name", method: "POST", path: "/v1/tokens",
			body: "{\"name\":\"ops\xff\xfe\",\"role\":\"viewer\"}", status: 422, field: "name", line: 1},
		{name: "NUL in a token's client", method: "POST", path: "/v1/tokens",
			body: `{"name":"ops","role":"viewer","clients":["acme","a\u0000"]}`, status: 422, field: "clients[1]"},
		{name: "NUL in a bulk decision's comment", method: "POST", path: "/v1/approvals/decisions",
			body:   `{"decisions":[{"approval_id":"c1.approve","decision":"approve"},{"approval_id":"c1.approve","decision":"reject","comment":"\u0000"}]}`,
			status: 422, field: "decisions[1].comment"},
		{name: "NUL in a bulk decision's approval id", method: "POST", path: "/v1/approvals/decisions",
			body: `{"decisions":[{"approval_id":"c1.approve\u0000","decision":"approve"}]}`, status: 422, field: "decisions[0].approval_id"},
		{name: "NUL in a pause reason", method: "POST", path: "/v1/campaigns/c1/pause",
			body: `{"reason":"lunch\u0000"}`, status: 422, field: "reason"},
		{name: "NUL in a link request's approver", method: "POST", path: "/v1/approvals/c1.approve/links",
			body: `{"approver":{"id":"dana\u0000@acme"}}`, status: 422, field: "approver.id"},
		{name: "NUL in a link decision's comment", method: "POST", path: "/v1/approvals/c1.approve/decision?token=" + token,
			contentType: "application/json", body: `{"comment":"ok\u0000"}`, status: 422, field: "comment"},
		{name: "NUL in a link form's comment", method: "POST", path: "/v1/approvals/c1.approve/decision?token=" + token,
			contentType: "application/x-www-form-urlencoded", body: "decision=approve&comment=ok%00", status: 422, field: "comment"},
		{name: "invalid UTF-8 in a link form's comment", method: "POST", path: "/v1/approvals/c1.approve/decision?token=" + token,
			contentType: "application/x-www-form-urlencoded", body: "decision=approve&comment=%C3%28", status: 422, field: "comment"},
		{name: "NUL escape in a playbook's description", method: "POST", path: "/v1/playbooks/validate",
			body: "name: x\nversion: 1\ndescription: \"a\\0b\"\nsteps:\n  - {id: a, wait: 1d}\n", status: 422, field: "description"},
		{name: "NUL escape in an approval title", method: "POST", path: "/v1/playbooks",
			body:   "name: x\nversion: 1\nsteps:\n  - id: a\n    approval: {title: \"ok\\x00\", timeout: 1h, on_timeout: reject}\n",
			status: 422, field: "steps[0].approval.title"},
		{name: "raw invalid UTF-8 in a playbook", method: "POST", path: "/v1/playbooks/validate",
			body: "name: x\nversion: 1\ndescription: caf\xe9\nsteps:\n  - {id: a, wait: 1d}\n", status: 422, field: "$", line: 3},

		// Item 9 in the URL: query and path parameters.
		{name: "NUL in a query value", method: "GET", path: "/v1/campaigns?client=acme%00", status: 422, field: "client"},
		{name: "invalid UTF-8 in a query value", method: "GET", path: "/v1/approvals?campaign_id=%ff", status: 422, field: "campaign_id"},
		{name: "NUL in a query name", method: "GET", path: "/v1/campaigns?cli%00ent=acme", status: 422, field: `"cli\x00ent"`},
		{name: "NUL in a path parameter", method: "GET", path: "/v1/campaigns/c1%00", status: 422, field: "id"},
		{name: "invalid UTF-8 in a path parameter", method: "POST", path: "/v1/approvals/c1%ff/decision", body: `{"decision":"approve"}`, status: 422, field: "id"},

		// Item 13: queries Go would misread, durations that overflow, truncated JSON.
		{name: "semicolon after a client", method: "GET", path: "/v1/campaigns?client=x;", status: 400, detail: `query parameter "client" contains ';'`},
		{name: "semicolon as a separator", method: "GET", path: "/v1/approvals?status=pending;client=x", status: 400, detail: `"status" contains ';'`},
		{name: "semicolon in a report bound", method: "GET", path: "/v1/reports/approvals?since=30d;", status: 400, detail: `"since" contains ';'`},
		{name: "bad escape in a query value", method: "GET", path: "/v1/campaigns?client=%zz", status: 400, detail: `"client" has a value that is not properly`},
		{name: "overflowing report duration", method: "GET", path: "/v1/reports/approvals?since=10000000d", status: 422, field: "since"},
		{name: "overflowing report hours", method: "GET", path: "/v1/reports/approvals?until=9999999999h", status: 422, field: "until"},
		{name: "report duration past the bound", method: "GET", path: "/v1/reports/approvals?since=3651d", status: 422, field: "since"},
		{name: "overflowing due_before", method: "GET", path: "/v1/approvals?due_before=2000000w", status: 422, field: "due_before"},
		{name: "negative due_before", method: "GET", path: "/v1/approvals?due_before=-5d", status: 400, detail: "neither an RFC 3339 time"},
		{name: "overflowing link ttl", method: "POST", path: "/v1/approvals/c1.approve/links",
			body: `{"approver":{"id":"dana@acme"},"ttl":"10000000d"}`, status: 422, field: "ttl"},
		{name: "truncated JSON", method: "POST", path: "/v1/campaigns",
			body: "{\n  \"playbook\": \"quick\",\n  \"client\": \"ac", status: 400, detail: "line 3, column 16: the body ends before the JSON does"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			contentType := tc.contentType
			if contentType == "" && tc.body != "" {
				contentType = "application/json"
			}
			start := time.Now()
			rec, body := srv.call(tc.method, tc.path, contentType, tc.body)
			require.Less(t, time.Since(start), 2*time.Second, "refused cheaply")
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			if tc.detail != "" {
				assert.Contains(t, body["detail"], tc.detail)
			}
			if tc.field != "" {
				field, line := problemField(t, body)
				assert.Equal(t, tc.field, field)
				if tc.line > 0 {
					assert.Equal(t, tc.line, line)
				}
			}
		})
	}
	require.Equal(t, "pending", srv.status("c1.approve"), "nothing was decided")
}

// TestInputBoundaryAcceptsGoodInput: the checks refuse only what they should.
func TestInputBoundaryAcceptsGoodInput(t *testing.T) {
	srv := newApprovalsAPI(t, server.Deps{LinkSecret: testSecret})
	srv.seed("c1", pendingApproval("c1.approve", time.Hour, ""))
	for _, tc := range []struct{ name, path string }{
		{"unicode in a query value", "/v1/approvals?client=caf%C3%A9"},
		{"escaped semicolon", "/v1/approvals?client=x%3B"},
		{"report duration at the bound", "/v1/reports/approvals?since=3650d"},
		{"due_before in days", "/v1/approvals?due_before=2d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _ := srv.call("GET", tc.path, "", "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		})
	}
	rec, _ := srv.call("POST", "/v1/approvals/c1.approve/links", "application/json",
		`{"approver":{"id":"dana@acme","role":"café ☕"},"ttl":"2d"}`)
	require.Equal(t, http.StatusCreated, rec.Code, "unicode is text: %s", rec.Body.String())
}

// TestErrorsSpeakTheCallersWords: what the caller did wrong is said in the
// words of the JSON and the API it wrote to, never with Go's type names or
// the store's error chain (those go to the log, under the request id).
func TestErrorsSpeakTheCallersWords(t *testing.T) {
	h := newAPI(t)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		detail                   string
		message                  string // errors[0].message, exactly; "" when there is none
	}{
		{name: "unknown playbook", method: "POST", path: "/v1/campaigns",
			body: `{"playbook":"nope","client":"acme"}`, status: 422, detail: "unknown playbook",
			message: `no playbook named "nope"; see GET /v1/playbooks`},
		{name: "unknown version of a playbook", method: "POST", path: "/v1/campaigns",
			body: `{"playbook":"reputation-repair","version":9,"client":"acme"}`, status: 422, detail: "unknown playbook",
			message: `playbook "reputation-repair" has no version 9; see GET /v1/playbooks/reputation-repair`},
		{name: "an array for a launch", method: "POST", path: "/v1/campaigns", body: `[]`, status: 400,
			detail: "invalid JSON body: the body must be a JSON object, not an array"},
		{name: "a string for a decision", method: "POST", path: "/v1/approvals/nope/decision", body: `"approve"`, status: 400,
			detail: "invalid JSON body: the body must be a JSON object, not a string"},
		{name: "a number for a name", method: "POST", path: "/v1/campaigns", body: `{"playbook":7}`, status: 400,
			detail: `invalid JSON body: line 1, column 14: field "playbook" must be a string, not a number`},
		{name: "an array for params", method: "POST", path: "/v1/campaigns", body: `{"playbook":"quick","params":[1]}`, status: 400,
			detail: `field "params" must be a JSON object, not an array`},
		{name: "a fraction for a version", method: "POST", path: "/v1/campaigns", body: `{"playbook":"quick","version":1.5}`, status: 400,
			detail: `field "version" must be a whole number, not 1.5`},
		{name: "a string for a token's clients", method: "POST", path: "/v1/tokens", body: `{"name":"x","role":"viewer","clients":"acme"}`, status: 400,
			detail: `field "clients" must be a JSON array, not a string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, body := call(t, h, tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Contains(t, body["detail"], tc.detail)
			if tc.message != "" {
				errs, _ := body["errors"].([]any)
				require.Len(t, errs, 1, "%v", body)
				assert.Equal(t, tc.message, errs[0].(map[string]any)["message"])
			}
			for _, leak := range []string{"store:", "server.", "interface {}", "Go value", "Go struct", "not found"} {
				assert.NotContains(t, rec.Body.String(), leak)
			}
		})
	}
}
