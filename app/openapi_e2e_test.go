package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/server"
)

// loadOpenAPI loads the embedded document and checks it is valid OpenAPI 3.
func loadOpenAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(server.OpenAPISpec())
	require.NoError(t, err, "server/openapi.yaml does not load")
	require.NoError(t, doc.Validate(loader.Context), "server/openapi.yaml is not valid OpenAPI 3")
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return doc, router
}

// specOperations lists the document's operations as "METHOD /path/{param}".
func specOperations(doc *openapi3.T) map[string]bool {
	ops := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops[method+" "+path] = true
		}
	}
	return ops
}

// tableOperations lists the server's route table in the spec's path syntax.
func tableOperations() map[string]bool {
	ops := map[string]bool{}
	for _, r := range server.New(server.Deps{}).Routes() {
		segs := strings.Split(r.Path, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
				segs[i] = "{" + s[1:] + "}"
			}
		}
		ops[r.Method+" "+strings.Join(segs, "/")] = true
	}
	return ops
}

// TestOpenAPICoversRouteTable needs no servers: the spec and the route table must
// name the same operations, so a new route cannot ship undocumented.
func TestOpenAPICoversRouteTable(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	spec, table := specOperations(doc), tableOperations()
	for op := range table {
		if !spec[op] {
			t.Errorf("route %s is in the route table but not in server/openapi.yaml", op)
		}
	}
	for op := range spec {
		if !table[op] {
			t.Errorf("server/openapi.yaml describes %s, which the route table does not have", op)
		}
	}
}

// rawBodyDecoder hands a non-JSON body (YAML, HTML, text) to its string schema as
// it is: the spec describes those bodies as text, not as parsed documents.
func rawBodyDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	return string(b), err
}

// conformance sends requests to a running API and checks each request and its
// response against the spec, recording which operations were exercised.
type conformance struct {
	t      *testing.T
	router routers.Router
	base   string
	seen   map[string]bool
}

// exchange is one checked request and its answer.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

func (e exchange) json(t *testing.T, out any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(e.body, out), "body: %s", e.body)
}

// call sends one request. specValid says whether the request itself should pass
// the spec: deliberately bad requests (an unknown field, a limit out of range)
// must be refused by the spec as well as by the server, so both stay in step.
// The response must always match the spec, status code included.
func (c *conformance) call(specValid bool, method, path, contentType, body string, header map[string]string) exchange {
	c.t.Helper()
	ctx := context.Background()
	newReq := func() *http.Request {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, c.base+path, rd)
		require.NoError(c.t, err)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return req
	}
	what := method + " " + path

	// The validator consumes the body, so it gets its own copy of the request.
	vreq := newReq()
	route, params, err := c.router.FindRoute(vreq)
	require.NoError(c.t, err, "%s: no operation in server/openapi.yaml matches", what)
	op := route.Method + " " + route.Path
	c.seen[op] = true
	in := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{ExcludeRequestBody: false, IncludeResponseStatus: true, MultiError: true},
	}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if specValid {
		require.NoError(c.t, reqErr, "%s (%s): the request does not match the spec", what, op)
	} else {
		require.Error(c.t, reqErr, "%s (%s): the spec accepts a request the server is expected to refuse", what, op)
	}

	resp, err := http.DefaultClient.Do(newReq())
	require.NoError(c.t, err)
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(c.t, err)

	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(raw)
	require.NoError(c.t, openapi3filter.ValidateResponse(ctx, out),
		"%s (%s): the %d response does not match the spec; body: %.600s", what, op, resp.StatusCode, raw)
	return exchange{status: resp.StatusCode, header: resp.Header, body: raw}
}

// jsonCall is call with a JSON body (nil: none).
func (c *conformance) jsonCall(specValid bool, method, path string, body any, header map[string]string) exchange {
	c.t.Helper()
	s := ""
	switch b := body.(type) {
	case nil:
	case string:
		s = b
	default:
		buf, err := json.Marshal(b)
		require.NoError(c.t, err)
		s = string(buf)
	}
	ct := ""
	if s != "" {
		ct = "application/json"
	}
	return c.call(specValid, method, path, ct, s, header)
}

func (c *conformance) expect(e exchange, status int) exchange {
	c.t.Helper()
	require.Equal(c.t, status, e.status, "body: %.600s", e.body)
	return e
}

// pendingApproval waits until the campaign asks for an approval and returns its id.
func (c *conformance) pendingApproval(campaignID string) string {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list struct{ Items []api.ApprovalView }
		c.expect(c.jsonCall(true, "GET", "/v1/approvals?status=pending&campaign_id="+campaignID, nil, nil), 200).json(c.t, &list)
		if len(list.Items) > 0 {
			return list.Items[0].ID
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("campaign %s never asked for an approval", campaignID)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *conformance) launch(playbook string) string {
	c.t.Helper()
	var v api.CampaignView
	c.expect(c.jsonCall(true, "POST", "/v1/campaigns",
		map[string]any{"playbook": playbook, "client": "acme", "params": map[string]any{"brand": "Acme Bakery"}}, nil), 201).json(c.t, &v)
	require.NotEmpty(c.t, v.ID)
	return v.ID
}

// TestOpenAPIConformance drives every route of the route table against a running
// dev instance, with a success and, where cheap, an error, and checks every
// request and response against server/openapi.yaml.
func TestOpenAPIConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	_, router := loadOpenAPI(t)
	// Problem documents are JSON; the text bodies are checked as strings.
	openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)
	for _, ct := range []string{"application/yaml", "text/html", "text/plain"} {
		openapi3filter.RegisterBodyDecoder(ct, rawBodyDecoder)
	}
	d, _ := startDev(t)
	c := &conformance{t: t, router: router, base: d.APIURL, seen: map[string]bool{}}
	table := tableOperations()

	// Probes and the document itself.
	c.expect(c.call(true, "GET", "/healthz", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/readyz", "", "", nil), 200)
	spec := c.expect(c.call(true, "GET", "/openapi.yaml", "", "", nil), 200)
	require.Equal(t, server.OpenAPISpec(), spec.body)
	c.expect(c.call(true, "GET", "/metrics", "", "", nil), 200)

	// Playbooks.
	c.expect(c.call(true, "GET", "/v1/playbooks", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/playbooks/e2e-quick", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/playbooks/e2e-quick?version=1", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/playbooks/no-such-playbook", "", "", nil), 404)
	c.expect(c.call(false, "GET", "/v1/playbooks/e2e-quick?version=0", "", "", nil), 400)
	pb := "name: openapi-check\nversion: 1\ndescription: conformance test\nsteps:\n  - id: wait\n    wait: 1s\n"
	c.expect(c.call(true, "POST", "/v1/playbooks/validate", "application/yaml", pb, nil), 200)
	c.expect(c.call(true, "POST", "/v1/playbooks/validate", "application/yaml", "name: broken\n", nil), 422)
	c.expect(c.call(true, "POST", "/v1/playbooks", "application/yaml", pb, nil), 201)
	c.expect(c.call(true, "POST", "/v1/playbooks", "application/yaml", pb, nil), 200)
	c.expect(c.call(true, "POST", "/v1/playbooks", "application/yaml", strings.Replace(pb, "1s", "2s", 1), nil), 409)

	// Campaigns: launch, list, get, pause, resume.
	id := c.launch("e2e-quick")
	c.expect(c.jsonCall(false, "POST", "/v1/campaigns", `{"playbook":"e2e-quick","client":"acme","surprise":1}`, nil), 400)
	c.expect(c.jsonCall(true, "POST", "/v1/campaigns", map[string]any{"playbook": "no-such-playbook", "client": "acme"}, nil), 422)
	c.expect(c.jsonCall(false, "POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "Not A Client"}, nil), 422)
	c.expect(c.jsonCall(false, "POST", "/v1/campaigns", map[string]any{"playbook": "e2e-quick", "client": "acme"},
		map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}), 400)
	c.expect(c.call(true, "GET", "/v1/campaigns", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/campaigns?client=acme&limit=5", "", "", nil), 200)
	c.expect(c.call(false, "GET", "/v1/campaigns?status=sleeping", "", "", nil), 400)
	c.expect(c.call(false, "GET", "/v1/campaigns?limit=0", "", "", nil), 400)
	c.expect(c.call(true, "GET", "/v1/campaigns/"+id, "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/campaigns/no-such-campaign", "", "", nil), 404)

	approvalID := c.pendingApproval(id)
	c.expect(c.jsonCall(true, "POST", "/v1/campaigns/"+id+"/pause", map[string]any{"reason": "conformance"}, nil), 200)
	c.expect(c.jsonCall(true, "POST", "/v1/campaigns/"+id+"/pause", nil, nil), 409)
	c.expect(c.jsonCall(false, "POST", "/v1/campaigns/"+id+"/resume", `{"reason":"x","surprise":1}`, nil), 400)
	c.expect(c.jsonCall(true, "POST", "/v1/campaigns/"+id+"/resume", nil, nil), 200)
	c.expect(c.jsonCall(true, "POST", "/v1/campaigns/no-such-campaign/resume", nil, nil), 404)

	// Approvals: the inbox, one approval, a decision.
	c.expect(c.call(true, "GET", "/v1/approvals", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/approvals?status=pending&due_before=2d&limit=10", "", "", nil), 200)
	c.expect(c.call(false, "GET", "/v1/approvals?status=maybe", "", "", nil), 400)
	c.expect(c.call(true, "GET", "/v1/approvals/"+approvalID, "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/approvals/"+approvalID+"/deliveries", "", "", nil), 200)
	// Slack is not set up here; notifications e2e tests take its clicks.
	c.expect(c.call(true, "POST", "/v1/slack/interactions", "application/x-www-form-urlencoded", "payload=%7B%7D", nil), 404)
	c.expect(c.call(true, "GET", "/v1/approvals/no-such-approval", "", "", nil), 404)
	c.expect(c.call(true, "GET", "/v1/approvals/"+approvalID+"/deliveries", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/approvals/no-such-approval/deliveries", "", "", nil), 404)
	c.expect(c.jsonCall(false, "POST", "/v1/approvals/"+approvalID+"/decision", map[string]any{"decision": "maybe"}, nil), 422)
	c.expect(c.jsonCall(true, "POST", "/v1/approvals/"+approvalID+"/decision", map[string]any{"decision": "approve", "comment": "ok"}, nil), 200)
	c.expect(c.jsonCall(true, "POST", "/v1/approvals/"+approvalID+"/decision", map[string]any{"decision": "approve", "by": "someone-else"}, nil), 403)
	c.expect(c.jsonCall(true, "POST", "/v1/approvals/"+approvalID+"/decision", map[string]any{"decision": "approve"}, nil), 409)

	// Bulk decisions: a sound request answers 200 with each item's outcome.
	var bulk struct {
		Results []struct {
			Status int `json:"status"`
		} `json:"results"`
	}
	c.expect(c.jsonCall(true, "POST", "/v1/approvals/decisions", map[string]any{"decisions": []map[string]any{
		{"approval_id": approvalID, "decision": "approve"}, {"approval_id": "no-such-approval", "decision": "reject"},
	}}, nil), 200).json(t, &bulk)
	require.Len(t, bulk.Results, 2)
	require.Equal(t, []int{409, 404}, []int{bulk.Results[0].Status, bulk.Results[1].Status})
	c.expect(c.jsonCall(false, "POST", "/v1/approvals/decisions", map[string]any{"decisions": []any{}}, nil), 422)

	// Signed links: mint, open, decide once.
	linked := c.launch("e2e-approve")
	linkedApproval := c.pendingApproval(linked)
	linksPath := "/v1/approvals/" + linkedApproval + "/links"
	dana := bearer(personToken(t, c.base, "dana@acme"))
	c.expect(c.jsonCall(true, "POST", linksPath, map[string]any{"approver": map[string]any{}}, nil), 403) // the admin is no approver of it
	c.expect(c.jsonCall(true, "POST", linksPath, map[string]any{"approver": map[string]any{"id": "dana@acme"}}, nil), 403)
	c.expect(c.jsonCall(true, "POST", linksPath, map[string]any{"ttl": "soon"}, dana), 422)
	c.expect(c.jsonCall(false, "POST", linksPath, map[string]any{"approver": map[string]any{"id": "dana@acme"}, "colour": "red"}, dana), 400)
	c.expect(c.jsonCall(true, "POST", "/v1/approvals/no-such-approval/links", map[string]any{}, dana), 404)
	var links struct {
		ApproveURL string `json:"approve_url"`
	}
	c.expect(c.jsonCall(true, "POST", linksPath, map[string]any{"approver": map[string]any{"id": "dana@acme"}, "ttl": "1h"}, dana), 201).json(t, &links)
	u, err := url.Parse(links.ApproveURL)
	require.NoError(t, err)
	approve := u.Path + "?" + u.RawQuery
	c.expect(c.call(true, "GET", approve, "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/approvals/"+linkedApproval+"/decision?token=forged", "", "", nil), 401)
	c.expect(c.jsonCall(true, "POST", approve, map[string]any{"comment": "via link"}, nil), 200)
	c.expect(c.jsonCall(true, "POST", approve, nil, nil), 409)
	c.expect(c.call(true, "GET", approve, "", "", nil), 409)

	// The approval page's form: its token, a decision it allows, edited posts.
	posts := c.launch("e2e-posts")
	postsApproval := c.pendingApproval(posts)
	var pageLinks struct {
		PageURL string `json:"page_url"`
	}
	c.expect(c.jsonCall(true, "POST", "/v1/approvals/"+postsApproval+"/links", map[string]any{}, dana), 201).json(t, &pageLinks)
	pu, err := url.Parse(pageLinks.PageURL)
	require.NoError(t, err)
	pagePath := pu.Path + "?" + pu.RawQuery
	form := c.expect(c.call(true, "GET", pagePath, "", "", nil), 200)
	csrf := url.QueryEscape(formTokenOf(t, form.body))
	c.expect(c.call(true, "POST", pagePath, formType, "decision=approve", nil), 403)
	c.expect(c.call(true, "POST", pagePath, formType, "csrf="+csrf+"&decision=approve&post.9=x", nil), 422)
	c.expect(c.call(true, "POST", pagePath, formType, "csrf="+csrf+"&decision=approve&post.0=Reworded&comment=ok", nil), 200)

	// The inbox: mint one for dana, open it, approve from it, and the timeline
	// of a campaign in it.
	inboxed := c.launch("e2e-approve")
	inboxedApproval := c.pendingApproval(inboxed)
	var inbox struct {
		InboxURL string `json:"inbox_url"`
	}
	c.expect(c.jsonCall(true, "POST", "/v1/inbox/links", map[string]any{"ttl": "1h"}, dana), 201).json(t, &inbox)
	c.expect(c.jsonCall(true, "POST", "/v1/inbox/links", map[string]any{"ttl": "soon"}, dana), 422)
	c.expect(c.jsonCall(false, "POST", "/v1/inbox/links", map[string]any{"person": "sam@acme"}, dana), 400)
	iu, err := url.Parse(inbox.InboxURL)
	require.NoError(t, err)
	inboxPath := iu.Path + "?" + iu.RawQuery
	listed := c.expect(c.call(true, "GET", inboxPath, "", "", nil), 200)
	c.expect(c.call(true, "GET", "/inbox?token=forged", "", "", nil), 401)
	timeline := regexp.MustCompile(`href="[^"]*(/timeline/` + inboxed + `\?token=[^"]+)"`).FindSubmatch(listed.body)
	require.Len(t, timeline, 2, "the inbox links to the campaign's timeline")
	c.expect(c.call(true, "GET", strings.ReplaceAll(string(timeline[1]), "&amp;", "&"), "", "", nil), 200)
	c.expect(c.call(true, "GET", "/timeline/"+inboxed+"?token=forged", "", "", nil), 401)
	inboxCSRF := url.QueryEscape(formTokenOf(t, listed.body))
	c.expect(c.call(false, "POST", inboxPath, formType, "approval="+inboxedApproval, nil), 403)
	c.expect(c.call(true, "POST", inboxPath, formType, "csrf="+inboxCSRF, nil), 422)
	c.expect(c.call(true, "POST", inboxPath, formType, "csrf="+inboxCSRF+"&approval="+inboxedApproval+"&comment=ok", nil), 200)

	// Cancel a campaign that waits, then one that no longer runs.
	doomed := c.launch("e2e-quick")
	c.expect(c.jsonCall(true, "POST", "/v1/campaigns/"+doomed+"/cancel", nil, nil), 202)
	c.expect(c.jsonCall(true, "POST", "/v1/campaigns/no-such-campaign/cancel", nil, nil), 404)

	// The report covers the decisions above.
	c.expect(c.call(true, "GET", "/v1/reports/approvals?client=acme&since=1d", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/reports/approvals?since=yesterday", "", "", nil), 400)

	// The audit log: a campaign's trail, and every event.
	var trail api.AuditEventList
	c.expect(c.call(true, "GET", "/v1/campaigns/"+id+"/events?limit=2", "", "", nil), 200).json(t, &trail)
	require.Len(t, trail.Items, 2)
	require.NotEmpty(t, trail.NextPageToken)
	c.expect(c.call(true, "GET", "/v1/campaigns/"+id+"/events?page_token="+trail.NextPageToken, "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/campaigns/no-such-campaign/events", "", "", nil), 404)
	c.expect(c.call(false, "GET", "/v1/campaigns/"+id+"/events?limit=0", "", "", nil), 400)
	c.expect(c.call(true, "GET", "/v1/audit", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/audit?client=acme&type=approval.&actor=dev-admin&since=1d&until=2099-01-01T00:00:00Z&limit=5", "", "", nil), 200)
	c.expect(c.call(false, "GET", "/v1/audit?type=Approval", "", "", nil), 400)
	c.expect(c.call(true, "GET", "/v1/audit?since=yesterday", "", "", nil), 400)
	c.expect(c.call(true, "GET", "/v1/audit?since=4000d", "", "", nil), 422)
	c.expect(c.call(true, "GET", "/v1/audit", "", "", dana), 403) // approvers do not read the whole log

	// People: the directory, and a token that belongs to a person.
	pat := map[string]any{"id": "pat@acme", "name": "Pat", "clients": []string{"acme"}, "roles": []string{"client-marketing-lead"},
		"channels": []map[string]string{{"kind": "email", "address": "pat@acme.example"}, {"kind": "slack", "address": "U0PAT"}}, "time_zone": "Europe/Paris"}
	c.expect(c.jsonCall(true, "POST", "/v1/people", pat, nil), 201)
	c.expect(c.jsonCall(true, "POST", "/v1/people", pat, nil), 409)
	c.expect(c.jsonCall(false, "POST", "/v1/people", map[string]any{"id": "Pat", "name": "Pat", "clients": []string{"acme"}}, nil), 422)
	c.expect(c.jsonCall(true, "POST", "/v1/people", map[string]any{"id": "eve@acme", "name": "Eve", "clients": []string{"acme"},
		"channels": []map[string]string{{"kind": "email", "address": "Eve <eve@acme.example>"}}}, nil), 422)
	c.expect(c.jsonCall(false, "POST", "/v1/people", `{"id":"eve@acme","name":"Eve","clients":["acme"],"colour":"red"}`, nil), 400)
	c.expect(c.call(true, "GET", "/v1/people", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/people?client=acme&role=client-marketing-lead&limit=5", "", "", nil), 200)
	c.expect(c.call(false, "GET", "/v1/people?limit=0", "", "", nil), 400)
	c.expect(c.call(true, "GET", "/v1/people/pat@acme", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/people/nobody@acme", "", "", nil), 404)
	c.expect(c.jsonCall(true, "PUT", "/v1/people/pat@acme", map[string]any{"name": "Pat P.", "clients": []string{"acme"}, "roles": []string{"client-marketing-lead"}}, nil), 200)
	c.expect(c.jsonCall(true, "PUT", "/v1/people/pat@acme", map[string]any{"id": "pat@beta", "name": "Pat", "clients": []string{"acme"}}, nil), 422)
	c.expect(c.jsonCall(true, "PUT", "/v1/people/nobody@acme", map[string]any{"name": "Nobody", "clients": []string{"acme"}}, nil), 404)
	var patToken struct {
		ID     string `json:"id"`
		Token  string `json:"token"`
		Person string `json:"person"`
	}
	c.expect(c.jsonCall(true, "POST", "/v1/tokens", map[string]any{"person": "pat@acme", "role": "approver"}, nil), 201).json(t, &patToken)
	require.Equal(t, "pat@acme", patToken.Person)
	c.expect(c.call(true, "GET", "/v1/people", "", "", bearer(patToken.Token)), 403) // approvers do not manage people
	c.expect(c.call(true, "DELETE", "/v1/people/pat@acme", "", "", nil), 409)
	c.expect(c.jsonCall(true, "POST", "/v1/tokens/"+patToken.ID+"/revoke", nil, nil), 200)
	c.expect(c.call(true, "DELETE", "/v1/people/pat@acme", "", "", nil), 204)
	c.expect(c.call(true, "DELETE", "/v1/people/pat@acme", "", "", nil), 404)

	// Accounts: a client's accounts on the platforms.
	acct := map[string]any{"platform": "x", "handle": "@AcmeCo", "connector": "sandbox", "team": "team-x", "credential": "acme.x-token"}
	var account struct {
		ID string `json:"id"`
	}
	c.expect(c.jsonCall(true, "POST", "/v1/clients/acme/accounts", acct, nil), 201).json(t, &account)
	c.expect(c.jsonCall(true, "POST", "/v1/clients/acme/accounts", map[string]any{"platform": "x", "handle": "https://x.com/acmeco", "connector": "webhook", "endpoint": "https://hooks.acme.example/gl", "credential": "acme.hook"}, nil), 409)
	c.expect(c.jsonCall(true, "POST", "/v1/clients/acme/accounts", map[string]any{"platform": "x", "handle": "not a handle!", "connector": "sandbox"}, nil), 422)
	c.expect(c.jsonCall(false, "POST", "/v1/clients/acme/accounts", `{"platform":"x","handle":"@a","connector":"sandbox","secret":"x"}`, nil), 400)
	c.expect(c.call(true, "GET", "/v1/clients/acme/accounts", "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/clients/acme/accounts?team=team-x&platform=x&limit=5", "", "", nil), 200)
	c.expect(c.call(false, "GET", "/v1/clients/acme/accounts?limit=0", "", "", nil), 400)
	c.expect(c.call(true, "GET", "/v1/clients/acme/accounts/"+account.ID, "", "", nil), 200)
	c.expect(c.call(true, "GET", "/v1/clients/acme/accounts/no-such-account", "", "", nil), 404)
	c.expect(c.jsonCall(true, "PUT", "/v1/clients/acme/accounts/"+account.ID, map[string]any{"platform": "x", "handle": "acmeco", "connector": "webhook", "endpoint": "https://hooks.acme.example/gl", "credential": "acme.hook"}, nil), 200)
	c.expect(c.jsonCall(true, "PUT", "/v1/clients/acme/accounts/no-such-account", acct, nil), 404)
	c.expect(c.jsonCall(true, "DELETE", "/v1/clients/acme/accounts/"+account.ID, nil, nil), 204)
	c.expect(c.jsonCall(true, "DELETE", "/v1/clients/acme/accounts/"+account.ID, nil, nil), 404)

	// Tokens, and the 401 every /v1 route answers without a valid one.
	tok := c.expect(c.jsonCall(true, "POST", "/v1/tokens", map[string]any{"name": "conformance", "role": "viewer", "clients": []string{"acme"}}, nil), 201)
	var created struct {
		ID string `json:"id"`
	}
	tok.json(t, &created)
	c.expect(c.jsonCall(false, "POST", "/v1/tokens", map[string]any{"name": "x", "role": "root"}, nil), 422)
	c.expect(c.call(true, "GET", "/v1/tokens", "", "", nil), 200)
	c.expect(c.jsonCall(true, "POST", "/v1/tokens/"+created.ID+"/revoke", nil, nil), 200)
	c.expect(c.jsonCall(true, "POST", "/v1/tokens/no-such-token/revoke", nil, nil), 404)
	c.expect(c.call(true, "GET", "/v1/tokens", "", "", map[string]string{"Authorization": "Bearer glt_forged"}), 401)

	// Every route of the table was exercised.
	var missed []string
	for op := range table {
		if !c.seen[op] {
			missed = append(missed, op)
		}
	}
	sort.Strings(missed)
	require.Empty(t, missed, "routes the conformance test never called; add them above")
	t.Logf("checked %d operations against server/openapi.yaml", len(c.seen))
}
