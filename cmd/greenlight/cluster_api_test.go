package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// glAPI is one `greenlight server` as a client with an admin token sees it.
type glAPI struct {
	base, token string
	retries     *atomic.Int64 // requests tried again, across all APIs
}

// do sends one request; body is JSON unless it is a string, sent as it is.
// out, when not nil, receives the decoded answer.
func (a glAPI) do(method, path string, body any, header http.Header, out any) (int, []byte, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	c := http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, raw, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return resp.StatusCode, raw, nil
}

// must sends a request until it gets want, as a client facing a cluster in
// failover does: a refused connection or a 5xx (Temporal unavailable while
// shards move) is tried again, for up to limit. Anything else fails the test.
func (a glAPI) must(t *testing.T, want int, method, path string, body any, header http.Header, out any, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for try := 0; ; try++ {
		code, raw, err := a.do(method, path, body, header, out)
		if err == nil && code == want {
			return
		}
		if err == nil && code < 500 {
			t.Fatalf("%s %s%s: %d, want %d: %s", method, a.base, path, code, want, raw)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s%s: still %d %v after %s: %s", method, a.base, path, code, err, limit, raw)
		}
		a.retries.Add(1)
		time.Sleep(min(time.Duration(try+1)*250*time.Millisecond, 2*time.Second))
	}
}

// waitUntil polls cond every 200ms until it holds, failing after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
