package bluesky

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

const (
	brandDID    = "did:plc:brand0000000000000000000"
	brandHandle = "brand.test"
	appPassword = "abcd-efgh-ijkl-mnop"
)

// fakePDS speaks the XRPC methods the connector calls, with the documented
// paths, bearer tokens, JSON shapes and error bodies ({"error","message"}),
// for the account brand.test: sessions, handle resolution, records (a create
// at an rkey in use is refused), relationships, author feeds and
// notifications. Its AppView views are computed from its records.
type fakePDS struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	gen      int
	access   string
	refresh  string
	expired  map[string]bool // access tokens refused as ExpiredToken
	handles  map[string]string
	records  map[string]fakeRecord // by at:// URI
	order    []string              // URIs in creation order
	created  []string              // URIs the brand created through createRecord
	notes    []map[string]any
	requests map[string]int // by XRPC method
	bodies   []map[string]any
	// fail, when set, answers a request instead of the fake (429s, 5xx, …).
	fail func(w http.ResponseWriter, r *http.Request) bool
}

type fakeRecord struct {
	URI, CID string
	Value    map[string]any
	At       int // creation order, for newest-first views
}

func newFake(t *testing.T) *fakePDS {
	f := &fakePDS{t: t, expired: map[string]bool{}, records: map[string]fakeRecord{}, requests: map[string]int{},
		handles: map[string]string{brandHandle: brandDID, "alice.test": "did:plc:alice", "bob.test": "did:plc:bob", "fan1.test": "did:plc:fan1"}}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	// alice's thread: her post, bob's reply to it; bob's own news; a repost
	// by bob of alice's post.
	root := f.put("did:plc:alice", collPost, tid(1), map[string]any{"$type": collPost, "text": "@brand.test where is the bakery?", "createdAt": "2026-11-29T10:00:00.000Z"})
	rootRef := map[string]any{"uri": root.URI, "cid": root.CID}
	reply := f.put("did:plc:bob", collPost, tid(2), map[string]any{"$type": collPost, "text": "@brand.test same question", "createdAt": "2026-11-29T10:01:00.000Z",
		"reply": map[string]any{"root": rootRef, "parent": rootRef}})
	f.put("did:plc:bob", collPost, tid(3), map[string]any{"$type": collPost, "text": "bob's news", "createdAt": "2026-11-29T10:02:00.000Z"})
	f.put("did:plc:bob", collRepost, tid(4), map[string]any{"$type": collRepost, "subject": rootRef, "createdAt": "2026-11-29T10:03:00.000Z"})
	f.put("did:plc:fan1", collPost, tid(5), map[string]any{"$type": collPost, "text": "Where can I buy your bread?", "createdAt": "2026-11-29T10:04:00.000Z"})
	alice := map[string]any{"did": "did:plc:alice", "handle": "alice.test", "displayName": "Alice"}
	bob := map[string]any{"did": "did:plc:bob", "handle": "bob.test", "createdAt": "2024-01-01T00:00:00.000Z"}
	f.notes = []map[string]any{ // newest first, as listNotifications answers
		{"uri": "at://did:plc:bob/app.bsky.graph.follow/" + tid(9), "cid": "bafyfollow", "author": bob, "reason": "follow", "isRead": false, "indexedAt": "2026-11-29T10:05:00.000Z",
			"record": map[string]any{"$type": collFollow, "subject": brandDID, "createdAt": "2026-11-29T10:05:00.000Z"}},
		{"uri": "at://did:plc:bob/app.bsky.feed.like/" + tid(8), "cid": "bafylike", "author": bob, "reason": "like", "isRead": false, "indexedAt": "2026-11-29T10:04:30.000Z",
			"record": map[string]any{"$type": collLike, "subject": rootRef, "createdAt": "2026-11-29T10:04:30.000Z"}},
		{"uri": reply.URI, "cid": reply.CID, "author": bob, "reason": "reply", "isRead": false, "indexedAt": "2026-11-29T10:01:01.000Z", "record": reply.Value},
		{"uri": root.URI, "cid": root.CID, "author": alice, "reason": "mention", "isRead": true, "indexedAt": "2026-11-29T10:00:01.000Z", "record": root.Value},
	}
	return f
}

// tid is a fixed, valid record key for the fake's own records.
func tid(n int) string {
	return syntax.NewTID(time.Date(2026, 11, 29, 10, 0, n, 0, time.UTC).UnixMicro(), 0).String()
}

func (f *fakePDS) config() Config {
	return Config{Service: f.srv.URL, Identifier: brandHandle, AppPassword: appPassword, Client: f.srv.Client()}
}

// put stores a record as the fake's repositories hold them.
func (f *fakePDS) put(did, collection, rkey string, value map[string]any) fakeRecord {
	uri := "at://" + did + "/" + collection + "/" + rkey
	raw, _ := json.Marshal(value)
	sum := sha256.Sum256(append([]byte(uri), raw...))
	r := fakeRecord{URI: uri, CID: "bafyrei" + hex.EncodeToString(sum[:12]), Value: value, At: len(f.order)}
	f.records[uri] = r
	f.order = append(f.order, uri)
	return r
}

// webURL is the page of a fake record, under its author's handle.
func (f *fakePDS) webURL(r fakeRecord) string {
	u, _ := syntax.ParseATURI(r.URI)
	for h, d := range f.handles {
		if d == u.Authority().String() {
			return "https://bsky.app/profile/" + h + "/post/" + u.RecordKey().String()
		}
	}
	return ""
}

// expireAccess makes the current access token expire, as its two hours do.
func (f *fakePDS) expireAccess() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expired[f.access] = true
}

func (f *fakePDS) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[method]
}

// brandRecords returns the brand's records in collection, oldest first.
func (f *fakePDS) brandRecords(collection string) []fakeRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRecord
	for _, uri := range f.order {
		if strings.HasPrefix(uri, "at://"+brandDID+"/"+collection+"/") {
			out = append(out, f.records[uri])
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func xrpcError(w http.ResponseWriter, code int, name, msg string) {
	writeJSON(w, code, map[string]string{"error": name, "message": msg})
}

func (f *fakePDS) issue() map[string]any {
	f.gen++
	f.access, f.refresh = "access-"+strconv.Itoa(f.gen), "refresh-"+strconv.Itoa(f.gen)
	return map[string]any{"accessJwt": f.access, "refreshJwt": f.refresh, "did": brandDID, "handle": brandHandle, "active": true}
}

func (f *fakePDS) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.requests[method]++
	f.mu.Unlock()
	if f.fail != nil && f.fail(w, r) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch method {
	case "com.atproto.server.createSession":
		var in struct{ Identifier, Password string }
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&in) != nil {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Input must be application/json")
			return
		}
		if (in.Identifier != brandHandle && in.Identifier != brandDID) || in.Password != appPassword {
			xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		writeJSON(w, http.StatusOK, f.issue())
		return
	case "com.atproto.server.refreshSession":
		if r.Method != http.MethodPost || bearer == "" || bearer != f.refresh {
			xrpcError(w, http.StatusBadRequest, "ExpiredToken", "Token has expired")
			return
		}
		writeJSON(w, http.StatusOK, f.issue())
		return
	}
	switch {
	case bearer != "" && f.expired[bearer]:
		xrpcError(w, http.StatusBadRequest, "ExpiredToken", "Token has expired")
		return
	case bearer == "" || bearer != f.access:
		xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && method == "com.atproto.identity.resolveHandle":
		if did, ok := f.handles[q.Get("handle")]; ok {
			writeJSON(w, http.StatusOK, map[string]string{"did": did})
			return
		}
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Unable to resolve handle")
	case r.Method == http.MethodGet && method == "com.atproto.repo.getRecord":
		repo := q.Get("repo")
		if did, ok := f.handles[repo]; ok {
			repo = did
		}
		uri := "at://" + repo + "/" + q.Get("collection") + "/" + q.Get("rkey")
		rec, ok := f.records[uri]
		if !ok {
			xrpcError(w, http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"uri": rec.URI, "cid": rec.CID, "value": rec.Value})
	case r.Method == http.MethodPost && method == "com.atproto.repo.createRecord":
		f.createRecord(w, r)
	case r.Method == http.MethodGet && method == "app.bsky.graph.getRelationships":
		rels := []any{}
		for _, other := range q["others"] {
			rel := map[string]any{"$type": "app.bsky.graph.defs#relationship", "did": other}
			for _, uri := range f.order {
				rec := f.records[uri]
				if strings.HasPrefix(uri, "at://"+q.Get("actor")+"/"+collFollow+"/") && rec.Value["subject"] == other {
					rel["following"] = uri
				}
			}
			rels = append(rels, rel)
		}
		writeJSON(w, http.StatusOK, map[string]any{"actor": q.Get("actor"), "relationships": rels})
	case r.Method == http.MethodGet && method == "app.bsky.feed.getAuthorFeed":
		f.authorFeed(w, q.Get("actor"), q.Get("filter"))
	case r.Method == http.MethodGet && method == "app.bsky.notification.listNotifications":
		reasons := q["reasons"]
		out := []any{}
		for _, n := range f.notes {
			if len(reasons) == 0 || contains(reasons, n["reason"].(string)) {
				out = append(out, n)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"notifications": out, "cursor": "2026-11-29T10:00:01.000Z"})
	default:
		xrpcError(w, http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
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

// createRecord validates as the PDS does for the lexicons it knows: the
// repo is the session's, $type is the collection, the rkey a TID not in use,
// and the record has its required fields.
func (f *fakePDS) createRecord(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Repo       string         `json:"repo"`
		Collection string         `json:"collection"`
		Rkey       string         `json:"rkey"`
		Record     map[string]any `json:"record"`
	}
	if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&in) != nil {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Input must be application/json")
		return
	}
	f.bodies = append(f.bodies, map[string]any{"repo": in.Repo, "collection": in.Collection, "rkey": in.Rkey, "record": in.Record})
	if in.Repo != brandDID && in.Repo != brandHandle {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid repo")
		return
	}
	if in.Record["$type"] != in.Collection {
		xrpcError(w, http.StatusBadRequest, "InvalidRecord", "Invalid $type: expected "+in.Collection)
		return
	}
	if _, err := syntax.ParseTID(in.Rkey); err != nil {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid record key: "+in.Rkey)
		return
	}
	if msg := invalid(in.Collection, in.Record); msg != "" {
		xrpcError(w, http.StatusBadRequest, "InvalidRecord", msg)
		return
	}
	uri := "at://" + brandDID + "/" + in.Collection + "/" + in.Rkey
	if _, taken := f.records[uri]; taken {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Record already exists: "+uri)
		return
	}
	rec := f.put(brandDID, in.Collection, in.Rkey, in.Record)
	f.created = append(f.created, uri)
	writeJSON(w, http.StatusOK, map[string]any{"uri": rec.URI, "cid": rec.CID,
		"commit": map[string]any{"cid": "bafycommit" + strconv.Itoa(len(f.created)), "rev": tid(50 + len(f.created))}, "validationStatus": "valid"})
}

// invalid checks a record's required fields; "" when it is valid.
func invalid(collection string, rec map[string]any) string {
	if _, err := time.Parse(time.RFC3339, str(rec, "createdAt")); err != nil {
		return "Record/createdAt must be an valid atproto datetime"
	}
	strongRef := func(v any) bool {
		m, ok := v.(map[string]any)
		return ok && strings.HasPrefix(str(m, "uri"), "at://") && str(m, "cid") != ""
	}
	switch collection {
	case collPost:
		if _, ok := rec["text"].(string); !ok {
			return "Record must have the property \"text\""
		}
		if len([]rune(str(rec, "text"))) > 300 {
			return "Record/text must not be longer than 300 graphemes"
		}
		if reply, ok := rec["reply"].(map[string]any); ok && (!strongRef(reply["root"]) || !strongRef(reply["parent"])) {
			return "Record/reply must have the properties \"root\" and \"parent\""
		}
	case collRepost, collLike:
		if !strongRef(rec["subject"]) {
			return "Record/subject must be a strong ref"
		}
	case collFollow:
		if !strings.HasPrefix(str(rec, "subject"), "did:") {
			return "Record/subject must be a valid did"
		}
	}
	return ""
}

// authorFeed is the AppView's view of actor's posts and reposts, newest
// first, with the brand's likes as the viewer's.
func (f *fakePDS) authorFeed(w http.ResponseWriter, actor, filter string) {
	if did, ok := f.handles[actor]; ok {
		actor = did
	}
	handle := ""
	for h, d := range f.handles {
		if d == actor {
			handle = h
		}
	}
	feed := []any{}
	for i := len(f.order) - 1; i >= 0; i-- {
		rec := f.records[f.order[i]]
		if !strings.HasPrefix(rec.URI, "at://"+actor+"/") {
			continue
		}
		author := map[string]any{"did": actor, "handle": handle}
		switch {
		case strings.Contains(rec.URI, "/"+collPost+"/"):
			if _, isReply := rec.Value["reply"]; isReply && filter == "posts_no_replies" {
				continue
			}
			item := map[string]any{"post": f.postView(rec, author)}
			if reply, ok := rec.Value["reply"].(map[string]any); ok {
				item["reply"] = map[string]any{"root": reply["root"], "parent": reply["parent"]}
			}
			feed = append(feed, item)
		case strings.Contains(rec.URI, "/"+collRepost+"/"):
			subject := f.records[str(rec.Value["subject"].(map[string]any), "uri")]
			su, _ := syntax.ParseATURI(subject.URI)
			feed = append(feed, map[string]any{
				"post":   f.postView(subject, map[string]any{"did": su.Authority().String(), "handle": "alice.test"}),
				"reason": map[string]any{"$type": "app.bsky.feed.defs#reasonRepost", "by": author, "indexedAt": rec.Value["createdAt"]},
			})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"feed": feed})
}

func (f *fakePDS) postView(rec fakeRecord, author map[string]any) map[string]any {
	view := map[string]any{"$type": "app.bsky.feed.defs#postView", "uri": rec.URI, "cid": rec.CID, "author": author,
		"record": rec.Value, "indexedAt": rec.Value["createdAt"]}
	for _, uri := range f.order {
		like := f.records[uri]
		if strings.HasPrefix(uri, "at://"+brandDID+"/"+collLike+"/") && str(like.Value["subject"].(map[string]any), "uri") == rec.URI {
			view["viewer"] = map[string]any{"like": uri}
		}
	}
	return view
}

// str reads a string field of a record as the fake PDS received it.
func str(in map[string]any, k string) string {
	s, _ := in[k].(string)
	return s
}
