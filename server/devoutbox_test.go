package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/notify/email"
	"github.com/greenlight/greenlight/preview"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store/storetest"
)

// outboxWith writes one request for dana into a fresh outbox and returns the
// outbox's folder and the API serving it.
func outboxWith(t *testing.T) (string, http.Handler) {
	t.Helper()
	dir := t.TempDir()
	now := time.Now().UTC()
	v := api.ApprovalView{ID: "c1.ok", CampaignID: "c1", Client: "acme", Title: "Post <this>?", Status: api.ApprovalPending,
		OnTimeout: "skip", RequestedAt: now, DueAt: now.Add(48 * time.Hour), Preview: json.RawMessage(`{"posts":["Hello"]}`)}
	_, err := email.NewOutbox(dir, "").Send(context.Background(), notify.Notice{
		Key: "c1.ok/dana/email/requested/0", Kind: api.NoticeRequested, Approval: preview.Of(v, nil), ThreadKey: v.ID,
		Recipient: notify.Recipient{PersonID: "dana@acme", Name: "Dana", Address: "dana@acme.example"},
		Links:     notify.Links{Approve: "http://127.0.0.1:8080/v1/approvals/c1.ok/decision?decision=approve&token=T"},
	})
	require.NoError(t, err)
	return dir, server.New(server.Deps{Store: storetest.SQLite(t), Namespace: "default", Outbox: dir}).Handler()
}

func local(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "127.0.0.1:50000"
	r.Host = "127.0.0.1:8080"
	return r
}

func TestDevOutboxListsAndOpensMessages(t *testing.T) {
	_, h := outboxWith(t)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, local("GET", "/dev/outbox"))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	page := rec.Body.String()
	assert.Contains(t, page, "dana@acme.example")
	assert.Contains(t, page, "Post &lt;this&gt;?", "escaped")
	i := strings.Index(page, `href="/dev/outbox/`)
	require.Positive(t, i, page)
	file := page[i+len(`href="/dev/outbox/`):]
	file = file[:strings.Index(file, `"`)]

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, local("GET", "/dev/outbox/"+file))
	require.Equal(t, http.StatusOK, rec.Code)
	msg := rec.Body.String()
	assert.Contains(t, msg, "decision?decision=approve&amp;token=T", "the text part's link is there to click")
	assert.Contains(t, msg, `src="/dev/outbox/`+file+`/html"`)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, local("GET", "/dev/outbox/"+file+"/html"))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `<base target="_top">`)
	assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "sandbox")

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, local("GET", "/dev/outbox/"+file+"?raw=1"))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "message/rfc822", rec.Header().Get("Content-Type"))
	assert.Contains(t, rec.Body.String(), "Message-ID:")
}

func TestDevOutboxIsOnlyForThisMachine(t *testing.T) {
	_, h := outboxWith(t)
	for name, r := range map[string]*http.Request{
		"another machine": func() *http.Request { r := local("GET", "/dev/outbox"); r.RemoteAddr = "192.0.2.7:4000"; return r }(),
		"a rebound name":  func() *http.Request { r := local("GET", "/dev/outbox"); r.Host = "evil.example:8080"; return r }(),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		assert.Equal(t, http.StatusForbidden, rec.Code, name)
		assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), name)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, local("GET", "/dev/outbox/..%2Fadmin-token"))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

func TestNoOutboxNoPage(t *testing.T) {
	h := server.New(server.Deps{Store: storetest.SQLite(t), Namespace: "default"}).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, local("GET", "/dev/outbox"))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}
