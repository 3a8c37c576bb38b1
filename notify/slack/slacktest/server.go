// Package slacktest is a fake Slack for tests, faked only at the wire: a Web
// API server that answers as Slack does and records the calls it gets, a
// receiver for the response_urls of clicks, and button clicks signed as Slack
// sends them to an app's interactivity URL.
package slacktest

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

// Server speaks the Web API as Slack does: POST /api/<method> with the token
// as a bearer header or a form field, form or JSON bodies, and answers
// {"ok":true,…} or {"ok":false,"error":"…"} with HTTP 200, or a bare status
// (429 with Retry-After, 5xx) when told to. It knows conversations.open (a
// member U… or W… gets the DM D…), chat.postMessage and chat.update. Every
// other path is a response_url, taken by Hooks, so a client that allows
// response_urls on the API's origin answers clicks here.
type Server struct {
	*httptest.Server
	Hooks *Hooks

	t     testing.TB
	token string

	mu    sync.Mutex
	calls []Call
	fails map[string][]Failure // answers to give instead of the normal one, per method, in order
	seq   int
}

// Call is one Web API call as it arrived.
type Call struct {
	Method string
	Args   url.Values // form fields, or the JSON body's top-level strings (and blocks, as JSON)
	Blocks []map[string]any
	Auth   string // how the token came: "header", "form" or "" (not, or not the right one)
}

// Failure is an answer to give instead of the normal one.
type Failure struct {
	Status     int    // HTTP status; 200 with Error set means ok:false
	Error      string // Slack's error code
	RetryAfter string // the Retry-After header, if any
}

// NewServer starts a fake Slack that accepts token, until the test ends.
func NewServer(t testing.TB, token string) *Server {
	s := &Server{t: t, token: token, fails: map[string][]Failure{}, Hooks: newHooks()}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	s.Hooks.URL = s.URL
	t.Cleanup(s.Close)
	return s
}

// APIURL is the Web API's base, as slack.Config.APIURL takes it.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// Fail makes the next call of method answer f instead; calls to Fail queue.
func (s *Server) Fail(method string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails[method] = append(s.fails[method], f)
}

// Calls returns the Web API calls so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		s.Hooks.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	args, blocks, err := readArgs(r)
	if err != nil {
		s.t.Errorf("fake slack: %s: %v", method, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c := Call{Method: method, Args: args, Blocks: blocks}
	switch {
	case r.Header.Get("Authorization") == "Bearer "+s.token:
		c.Auth = "header"
	case args.Get("token") == s.token:
		c.Auth = "form"
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	var fl *Failure
	if q := s.fails[method]; len(q) > 0 {
		fl, s.fails[method] = &q[0], q[1:]
	}
	s.seq++
	seq := s.seq
	s.mu.Unlock()

	if fl != nil && fl.Status != http.StatusOK {
		if fl.RetryAfter != "" {
			w.Header().Set("Retry-After", fl.RetryAfter)
		}
		w.WriteHeader(fl.Status)
		return
	}
	if fl != nil {
		answer(w, map[string]any{"ok": false, "error": fl.Error})
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
		answer(w, map[string]any{"ok": true, "channel": map[string]any{"id": DM(users)}})
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

// DM is the id of the direct message conversation the fake opens with
// member userID.
func DM(userID string) string {
	if userID == "" {
		return ""
	}
	return "D" + userID[1:]
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
