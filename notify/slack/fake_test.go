package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// fakeSlack speaks the Web API as Slack does: POST /api/<method> with the
// token as a bearer header or a form field, form or JSON bodies, and answers
// {"ok":true,…} or {"ok":false,"error":"…"} with HTTP 200, or a bare status
// (429 with Retry-After, 5xx) when told to.
type fakeSlack struct {
	t     *testing.T
	token string
	srv   *httptest.Server

	mu    sync.Mutex
	calls []slackCall
	// fails are answers to give instead of the normal one, per method, in order.
	fails map[string][]failure
	seq   int
}

type slackCall struct {
	Method string
	Args   url.Values // form fields, or the JSON body's top-level strings
	Blocks []map[string]any
	Auth   string // how the token came: "header", "form" or ""
}

type failure struct {
	status     int    // HTTP status; 200 with error set means ok:false
	error      string // Slack error code
	retryAfter string
}

func newFakeSlack(t *testing.T, token string) *fakeSlack {
	f := &fakeSlack{t: t, token: token, fails: map[string][]failure{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) url() string { return f.srv.URL + "/api/" }

func (f *fakeSlack) fail(method string, fl failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[method] = append(f.fails[method], fl)
}

func (f *fakeSlack) recorded() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...)
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	args, blocks, err := readArgs(r)
	if err != nil {
		f.t.Errorf("fake slack: %s: %v", method, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c := slackCall{Method: method, Args: args, Blocks: blocks}
	switch {
	case r.Header.Get("Authorization") == "Bearer "+f.token:
		c.Auth = "header"
	case args.Get("token") == f.token:
		c.Auth = "form"
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	var fl *failure
	if q := f.fails[method]; len(q) > 0 {
		fl, f.fails[method] = &q[0], q[1:]
	}
	f.seq++
	seq := f.seq
	f.mu.Unlock()

	if fl != nil && fl.status != http.StatusOK {
		if fl.retryAfter != "" {
			w.Header().Set("Retry-After", fl.retryAfter)
		}
		w.WriteHeader(fl.status)
		return
	}
	if fl != nil {
		answer(w, map[string]any{"ok": false, "error": fl.error})
		return
	}
	if c.Auth == "" {
		answer(w, map[string]any{"ok": false, "error": "not_authed"})
		return
	}
	switch method {
	case "conversations.open":
		users := args.Get("users")
		if !strings.HasPrefix(users, "U") && !strings.HasPrefix(users, "W") {
			answer(w, map[string]any{"ok": false, "error": "user_not_found"})
			return
		}
		answer(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + users[1:]}})
	case "chat.postMessage":
		ch := args.Get("channel")
		if ch == "" || !strings.ContainsAny(ch[:1], "CGD") {
			answer(w, map[string]any{"ok": false, "error": "channel_not_found"})
			return
		}
		ts := fmt.Sprintf("1764750600.%06d", seq)
		answer(w, map[string]any{"ok": true, "channel": ch, "ts": ts, "message": map[string]any{"type": "message", "text": args.Get("text"), "ts": ts}})
	case "chat.update":
		if args.Get("ts") == "" {
			answer(w, map[string]any{"ok": false, "error": "message_not_found"})
			return
		}
		answer(w, map[string]any{"ok": true, "channel": args.Get("channel"), "ts": args.Get("ts"), "text": args.Get("text")})
	default:
		answer(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func readArgs(r *http.Request) (url.Values, []map[string]any, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, err
	}
	args := url.Values{}
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if args, err = url.ParseQuery(string(body)); err != nil {
			return nil, nil, err
		}
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, err
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				args.Set(k, s)
			} else if k == "blocks" {
				b, _ := json.Marshal(v)
				args.Set(k, string(b))
			}
		}
	default:
		return nil, nil, fmt.Errorf("content type %q is neither a form nor JSON", ct)
	}
	var blocks []map[string]any
	if raw := args.Get("blocks"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
			return nil, nil, fmt.Errorf("blocks are not a JSON list: %w", err)
		}
	}
	return args, blocks, nil
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
