package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// Per input, decoding may cost at most decodeMemoryPerByte bytes of heap and
// stack for each byte of body, plus decodeMemoryBase, and decodeTimeLimit.
// Reading a body and decoding what the limits admit takes about 6 bytes per
// byte; 9,000 nested objects took 100 bytes per byte (5.7 MB for 54 KB) before
// the limits. The time is generous for a loaded 2-core machine: a refused body
// takes microseconds, a full 1 MiB one tens of milliseconds.
const (
	decodeMemoryPerByte = 8
	decodeMemoryBase    = 2 << 20
	decodeTimeLimit     = 2 * time.Second
)

// decodeTargets are the request types decodeJSON serves, each new per call.
var decodeTargets = map[string]func() any{
	"launch":   func() any { return &launchRequest{} },
	"decision": func() any { return &decisionRequest{} },
	"bulk":     func() any { return &bulkDecisionRequest{} },
	"token":    func() any { return &tokenRequest{} },
	"link":     func() any { return &linkRequest{} },
	"pause":    func() any { return &pauseRequest{} },
}

// decodeSeeds are the attack inputs, and a few good bodies to mutate from.
func decodeSeeds() [][]byte {
	nest := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	return [][]byte{
		[]byte(`{"playbook":"quick","client":"acme","params":{"brand":"Acme","handles":["@a"]}}`),
		[]byte(`{"decision":"approve","comment":"ok","edits":{"posts":["reworded"]}}`),
		[]byte(`{"decisions":[{"approval_id":"c1.a","decision":"approve"}],"by":"dana"}`),
		[]byte(`{"name":"ops","role":"viewer","clients":["acme"]}`),
		[]byte(`{"approver":{"id":"dana@acme"},"ttl":"72h"}`),
		// Item 5: deep nesting and wide bodies.
		[]byte(`{"playbook":"q","client":"acme","params":{"a":` + strings.Repeat("[", 50_000) + `}}`),
		[]byte(`{"decision":"approve","edits":{"a":` + strings.Repeat("[", 50_000) + `}}`),
		[]byte(`{"playbook":"q","client":"acme","params":` + nest(`{"a":`, `}`, 9_000) + `}`),
		[]byte(`{"decision":"approve","edits":` + nest(`{"a":[`, `]}`, 4_900) + `}`),
		[]byte(`{"playbook":"q","client":"acme","params":{"a":[` + strings.Repeat(`0,`, 500_000) + `0]}}`),
		[]byte(`{"decision":"approve","edits":{` + strings.Repeat(`"":{},`, 150_000) + `"b":0}}`),
		// Item 9: text the store cannot hold.
		[]byte(`{"playbook":"q","client":"acme","params":{"brand":"Ac\u0000me"}}`),
		[]byte(`{"decision":"approve","edits":{"a\u0000":1}}`),
		[]byte("{\"name\":\"ops\xff\",\"role\":\"viewer\"}"),
		[]byte(`{"decision":"approve","comment":"\ud800"}`),
		// Item 13: truncated, trailing, empty.
		[]byte("{\n\"playbook\": \"q\",\n\"client\": \"ac"),
		[]byte(`{"decision":"approve"} {"decision":"reject"}`),
		[]byte(``),
	}
}

// FuzzDecodeJSON drives decodeJSON with every request type and checks, for
// any body: it answers in bounded memory and time; a refusal is a 400, 413 or
// 422 problem; an accepted value nests within maxJSONDepth and holds no NUL.
func FuzzDecodeJSON(f *testing.F) {
	gin.SetMode(gin.ReleaseMode)
	for _, seed := range decodeSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, target := range decodeTargets {
			dst := target()
			var rec *httptest.ResponseRecorder
			var ok bool
			mem, took := measure(func() {
				rec = httptest.NewRecorder()
				c, _ := gin.CreateTestContext(rec)
				c.Request = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				ok = decodeJSON(c, dst)
			})
			if limit := decodeMemoryPerByte*int64(min(len(body), maxBody)) + decodeMemoryBase; mem > limit {
				t.Fatalf("%s: decoding %d bytes used %d bytes of memory; the limit is %d", name, len(body), mem, limit)
			}
			if took > decodeTimeLimit {
				t.Fatalf("%s: decoding %d bytes took %s; the limit is %s", name, len(body), took, decodeTimeLimit)
			}
			if !ok {
				checkRefusal(t, name, rec)
				continue
			}
			out, err := json.Marshal(dst)
			if err != nil {
				t.Fatalf("%s: an accepted value does not encode: %v", name, err)
			}
			if bytes.Contains(out, []byte(`\u0000`)) {
				t.Fatalf("%s: accepted a NUL: %s", name, out)
			}
			if d := jsonDepth(out); d > maxJSONDepth {
				t.Fatalf("%s: accepted a value nested %d deep", name, d)
			}
		}
	})
}

func checkRefusal(t *testing.T, name string, rec *httptest.ResponseRecorder) {
	t.Helper()
	switch rec.Code {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
	default:
		t.Fatalf("%s: refused with %d: %s", name, rec.Code, rec.Body)
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.Detail == "" {
		t.Fatalf("%s: the refusal is not a problem document (%v): %s", name, err, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != problemContentType {
		t.Fatalf("%s: refused as %q", name, got)
	}
}

// measure runs fn on a goroutine of its own and reports the heap it allocated
// plus the stack it grew, and how long it took.
func measure(fn func()) (int64, time.Duration) {
	var mem int64
	var took time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		fn()
		took = time.Since(start)
		runtime.ReadMemStats(&after)
		mem = int64(after.TotalAlloc-before.TotalAlloc) + max(0, int64(after.StackInuse)-int64(before.StackInuse))
	}()
	<-done
	return mem, took
}

// jsonDepth is how deeply encoded JSON nests arrays and objects.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}
