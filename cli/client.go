package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/greenlight/greenlight/api"
)

// requestTimeout bounds every API call: the API answers from the store or a Temporal
// query, so anything slower than this is a hung connection, not a slow answer.
const requestTimeout = 30 * time.Second

// channelHeader tells the API which channel a request came through, for the
// audit log: every request the CLI sends is marked.
const channelHeader = "Greenlight-Channel"

// request is one call to the Greenlight HTTP API.
type request struct {
	method string
	path   string // already escaped, e.g. "/v1/campaigns/" + url.PathEscape(id)
	query  url.Values
	// body is sent as JSON, unless raw is set: then raw is sent as contentType.
	body        any
	raw         []byte
	contentType string
	header      http.Header
}

// client talks to the API for the client subcommands.
type client struct {
	base  string
	token string
	creds credentials // where token came from, for a 401
	http  *http.Client
}

func newClient(g *globals) *client {
	creds := g.auth()
	return &client{
		base:  strings.TrimRight(g.api, "/"),
		token: creds.token,
		creds: creds,
		http:  &http.Client{Timeout: requestTimeout},
	}
}

// do sends r and returns the body of a 2xx answer. Any other status becomes an
// *apiError carrying the problem the API described.
func (c *client) do(ctx context.Context, r request) ([]byte, error) {
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("the Greenlight API at %s is not reachable: is it running? Start one with `greenlight dev`, or point --api (GREENLIGHT_API) at it: %w", c.base, err)
		}
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the response: %w", r.method, r.path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newAPIError(resp.StatusCode, body)
		if resp.StatusCode == http.StatusUnauthorized {
			e.hint = c.creds.unauthorizedHint(c.base)
		}
		return nil, e
	}
	return body, nil
}

func (c *client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	contentType := r.contentType
	switch {
	case r.raw != nil:
		body = bytes.NewReader(r.raw)
	case r.body != nil:
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("encoding the request to %s: %w", r.path, err)
		}
		body = bytes.NewReader(b)
		contentType = "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("building the request to %s: %w", u, err)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", "greenlight-cli")
	req.Header.Set(channelHeader, api.ChannelCLI)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// call sends r and shows the answer: with --json the API's JSON as it came (pretty
// printed), otherwise render gets it decoded. Failures are returned either way so the
// exit code is non-zero; with --json the problem body is printed too, because a script
// reading stdout wants the machine-readable reason.
func call[T any](ctx context.Context, g *globals, r request, render func(T) error) error {
	body, err := newClient(g).do(ctx, r)
	if err != nil {
		return failed(g, err)
	}
	if g.json {
		return printJSON(g.stdout, body)
	}
	var v T
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("decoding the answer to %s %s: %w", r.method, r.path, err)
		}
	}
	return render(v)
}

// failed is a request's error, after printing the API's problem with --json:
// a script reading stdout wants the machine-readable reason.
func failed(g *globals, err error) error {
	var ae *apiError
	if g.json && errors.As(err, &ae) && json.Valid(ae.body) {
		if perr := printJSON(g.stdout, ae.body); perr != nil {
			return errors.Join(err, perr)
		}
	}
	return err
}

// getJSON reads path into out, for a command that acts on what it read
// (printing nothing of it); it fails as call does.
func getJSON(ctx context.Context, g *globals, path string, out any) error {
	body, err := newClient(g).do(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		return failed(g, err)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding the answer to GET %s: %w", path, err)
	}
	return nil
}

// printJSON pretty-prints a JSON document; an empty body (202 with no content) prints
// nothing, so there is nothing for a script to mistake for an answer.
func printJSON(w io.Writer, body []byte) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		// Not JSON after all: still verbatim, rather than hiding what the API said.
		buf.Reset()
		buf.Write(body)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// problem is an RFC 9457 application/problem+json body as the API writes it.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Errors []problemError `json:"errors"`
}

// problemError is one listed error, e.g. one mistake in a playbook.
type problemError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// apiError is a non-2xx answer from the API.
type apiError struct {
	status  int
	problem problem
	body    []byte
	// hint follows the API's words: after a 401, which token was sent or
	// where none was found, and how to send one.
	hint string
}

func newAPIError(status int, body []byte) *apiError {
	e := &apiError{status: status, body: body}
	// A proxy in front of the API may answer with HTML; then the status line is all
	// there is to say, and the body is left out.
	_ = json.Unmarshal(body, &e.problem)
	return e
}

func (e *apiError) Error() string {
	var b strings.Builder
	p := e.problem
	switch {
	case p.Title != "" && p.Detail != "" && p.Title != p.Detail:
		b.WriteString(p.Title + ": " + p.Detail)
	case p.Detail != "":
		b.WriteString(p.Detail)
	case p.Title != "":
		b.WriteString(p.Title)
	default:
		fmt.Fprintf(&b, "the API answered %d %s", e.status, http.StatusText(e.status))
	}
	for _, fe := range p.Errors {
		b.WriteString("\n  " + fe.String())
	}
	b.WriteString(e.hint)
	return b.String()
}

func (fe problemError) String() string {
	s := fe.Message
	if fe.Field != "" {
		s = fe.Field + ": " + s
	}
	if fe.Line > 0 {
		s += fmt.Sprintf(" (line %d, column %d)", fe.Line, fe.Column)
	}
	return s
}
