package mastodon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const testToken = "s3cr3t-token-value"

// fakeMastodon speaks the documented paths and JSON shapes of a Mastodon
// instance for the account "brand": statuses with Idempotency-Key, search
// with resolve, account lookup, follow, reblog, favourite, notifications.
type fakeMastodon struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	next       int
	statuses   map[string]Status // every status, by id
	own        []string          // ids of the statuses the brand created (not boosts)
	idem       map[string]string // Idempotency-Key → status id
	reblogs    map[string]string // boosted status id → reblog id
	favourites map[string]bool
	follows    map[string]bool
	accounts   []Account
	notes      []notification
	posts      int            // POST /api/v1/statuses requests
	me         map[string]any // the brand's CredentialAccount
	// fail, when set, answers a request instead of the fake (429s, 5xx, …).
	fail func(w http.ResponseWriter, r *http.Request) bool
	// block, when set, is called before answering (a slow instance).
	block func(r *http.Request)
}

func newFake(t *testing.T) *fakeMastodon {
	f := &fakeMastodon{t: t, statuses: map[string]Status{}, idem: map[string]string{}, reblogs: map[string]string{},
		favourites: map[string]bool{}, follows: map[string]bool{}}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	f.me = map[string]any{"id": "1", "username": "brand", "acct": "brand", "display_name": "Brand", "url": f.srv.URL + "/@brand",
		"note": "", "avatar": f.srv.URL + "/avatars/original/missing.png", "fields": []any{}, "followers_count": 12}
	t.Cleanup(f.srv.Close)
	// Remote accounts and their posts, known to the instance.
	alice := Account{ID: "101", Username: "alice", Acct: "alice@other.example", URL: "https://other.example/@alice"}
	bob := Account{ID: "102", Username: "bob", Acct: "bob", URL: f.srv.URL + "/@bob"}
	f.accounts = []Account{alice, bob}
	f.add(Status{ID: "9001", URL: "https://other.example/@alice/9001", Content: "<p>@brand hello</p>", Account: alice, Visibility: "public"})
	f.add(Status{ID: "9002", URL: f.srv.URL + "/@bob/9002", Content: "<p>bob's news</p>", Account: bob, Visibility: "public"})
	f.notes = []notification{
		{ID: "1", Type: "mention", CreatedAt: "2026-11-29T10:00:00.000Z", Account: alice, Status: ptr(f.statuses["9001"])},
		{ID: "2", Type: "follow", CreatedAt: "2026-11-29T10:01:00.000Z", Account: bob},
		{ID: "3", Type: "favourite", CreatedAt: "2026-11-29T10:02:00.000Z", Account: bob, Status: ptr(f.statuses["9002"])},
	}
	return f
}

func ptr[T any](v T) *T { return &v }

func (f *fakeMastodon) add(s Status) { f.statuses[s.ID] = s }

func (f *fakeMastodon) config() Config {
	return Config{Server: f.srv.URL, AccessToken: testToken, Client: f.srv.Client()}
}

// ownStatuses returns the statuses the brand created, in order.
func (f *fakeMastodon) ownStatuses() []Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Status, 0, len(f.own))
	for _, id := range f.own {
		out = append(out, f.statuses[id])
	}
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func (f *fakeMastodon) serve(w http.ResponseWriter, r *http.Request) {
	if f.block != nil {
		f.block(r)
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		apiError(w, http.StatusUnauthorized, "The access token is invalid")
		return
	}
	if f.fail != nil && f.fail(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		f.createStatus(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/search":
		f.search(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/accounts/lookup":
		for _, a := range f.accounts {
			if a.Acct == r.Form.Get("acct") {
				writeJSON(w, http.StatusOK, a)
				return
			}
		}
		apiError(w, http.StatusNotFound, "Record not found")
	case r.Method == http.MethodPost && len(parts) == 5 && parts[2] == "accounts" && parts[4] == "follow":
		f.follows[parts[3]] = true
		writeJSON(w, http.StatusOK, relationship{ID: parts[3], Following: true})
	case r.Method == http.MethodGet && len(parts) == 5 && parts[2] == "accounts" && parts[4] == "statuses":
		var out []Status
		for _, s := range f.statuses {
			if s.Account.ID == parts[3] && s.Reblog == nil {
				out = append(out, s)
			}
		}
		writeJSON(w, http.StatusOK, out)
	case r.Method == http.MethodPost && len(parts) == 5 && parts[2] == "statuses" && parts[4] == "reblog":
		f.reblog(w, parts[3])
	case r.Method == http.MethodPost && len(parts) == 5 && parts[2] == "statuses" && parts[4] == "favourite":
		s, ok := f.statuses[parts[3]]
		if !ok {
			apiError(w, http.StatusNotFound, "Record not found")
			return
		}
		f.favourites[s.ID] = true
		s.Favourited = true
		writeJSON(w, http.StatusOK, s)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/accounts/verify_credentials":
		writeJSON(w, http.StatusOK, f.me)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/notifications":
		since, _ := strconv.Atoi(r.Form.Get("since_id"))
		out := []notification{}
		for i := len(f.notes) - 1; i >= 0; i-- { // newest first
			n := f.notes[i]
			id, _ := strconv.Atoi(n.ID)
			if id > since && (len(r.Form["types[]"]) == 0 || contains(r.Form["types[]"], n.Type)) {
				out = append(out, n)
			}
		}
		writeJSON(w, http.StatusOK, out)
	default:
		apiError(w, http.StatusNotFound, "Record not found")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (f *fakeMastodon) createStatus(w http.ResponseWriter, r *http.Request) {
	f.posts++
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if id, ok := f.idem[key]; ok {
			writeJSON(w, http.StatusOK, f.statuses[id])
			return
		}
	}
	text := r.Form.Get("status")
	if strings.TrimSpace(text) == "" {
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	}
	if reply := r.Form.Get("in_reply_to_id"); reply != "" {
		if _, ok := f.statuses[reply]; !ok {
			apiError(w, http.StatusNotFound, "Record not found")
			return
		}
	}
	vis := r.Form.Get("visibility")
	if vis == "" {
		vis = "public"
	}
	f.next++
	id := strconv.Itoa(100000 + f.next)
	s := Status{ID: id, URL: f.srv.URL + "/@brand/" + id, Content: "<p>" + text + "</p>", Visibility: vis,
		Account: Account{ID: "1", Username: "brand", Acct: "brand"}}
	if reply := r.Form.Get("in_reply_to_id"); reply != "" {
		s.InReplyToID = &reply
	}
	f.statuses[id] = s
	f.own = append(f.own, id)
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		f.idem[key] = id
	}
	writeJSON(w, http.StatusOK, s)
}

func (f *fakeMastodon) search(w http.ResponseWriter, r *http.Request) {
	q := r.Form.Get("q")
	out := map[string]any{"accounts": []Account{}, "statuses": []Status{}, "hashtags": []any{}}
	if r.Form.Get("type") == "statuses" && r.Form.Get("resolve") == "true" {
		for _, s := range f.statuses {
			if s.URL == q {
				out["statuses"] = []Status{s}
			}
		}
	}
	if r.Form.Get("type") == "accounts" {
		for _, a := range f.accounts {
			if a.URL == q || a.Acct == q {
				out["accounts"] = []Account{a}
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// reblog boosts once: a second boost answers with the existing reblog.
func (f *fakeMastodon) reblog(w http.ResponseWriter, id string) {
	target, ok := f.statuses[id]
	if !ok {
		apiError(w, http.StatusNotFound, "Record not found")
		return
	}
	if rid, ok := f.reblogs[id]; ok {
		writeJSON(w, http.StatusOK, f.statuses[rid])
		return
	}
	f.next++
	rid := strconv.Itoa(100000 + f.next)
	s := Status{ID: rid, URL: f.srv.URL + "/@brand/" + rid, Reblog: &target, Reblogged: true, Visibility: "public",
		Account: Account{ID: "1", Username: "brand", Acct: "brand"}}
	f.statuses[rid] = s
	f.reblogs[id] = rid
	writeJSON(w, http.StatusOK, s)
}
