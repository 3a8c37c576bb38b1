package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seen is the request a fake API received, checked after the command ran (asserting
// inside the handler would run on the server's goroutine).
type seen struct {
	method string
	path   string
	query  url.Values
	header http.Header
	body   []byte
}

// fakeAPI answers every request with status and body, as problem+json when the
// status is an error, and records the last request.
func fakeAPI(t *testing.T, status int, body string) (string, *seen) {
	t.Helper()
	got := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*got = seen{method: r.Method, path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone(), body: b}
		ct := "application/json"
		if status >= 400 {
			ct = "application/problem+json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

// recordingAPI answers each request with answer (given the body it read) and
// records every request, in order.
func recordingAPI(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) (string, *[]seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{method: r.Method, path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone(), body: b})
		mu.Unlock()
		answer(w, r, b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &got
}

// runCLI runs greenlight against api the way main does, through Execute (which
// builds newRootCmd and sets the args), and returns what it printed and its exit code.
func runCLI(t *testing.T, base string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("GREENLIGHT_API", base)
	var out, errb bytes.Buffer
	code = Execute(context.Background(), args, &out, &errb, Local{})
	return out.String(), errb.String(), code
}

func TestClientSendsBearerTokenOnlyWhenSet(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{"items":[]}`)
	// No dev admin token to fall back on.
	t.Setenv("GREENLIGHT_DATA_DIR", t.TempDir())

	t.Setenv("GREENLIGHT_TOKEN", "s3cret")
	_, _, code := runCLI(t, base, "playbooks", "list")
	require.Equal(t, 0, code)
	assert.Equal(t, "Bearer s3cret", got.header.Get("Authorization"))

	t.Setenv("GREENLIGHT_TOKEN", "")
	_, _, code = runCLI(t, base, "playbooks", "list")
	require.Equal(t, 0, code)
	assert.Empty(t, got.header.Values("Authorization"))
}

func TestProblemBecomesErrorWithDetailAndEachError(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusConflict, `{"type":"about:blank","title":"Conflict","status":409,
		"detail":"approval apr_1 is already approved",
		"errors":[{"field":"decision","message":"already decided"}]}`)

	stdout, stderr, code := runCLI(t, base, "approve", "apr_1")

	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "greenlight: Conflict: approval apr_1 is already approved\n  decision: already decided\n", stderr)
}

func TestNonProblemErrorSaysTheStatus(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusBadGateway, `<html>bad gateway</html>`)

	_, stderr, code := runCLI(t, base, "campaigns", "show", "c1")

	assert.Equal(t, 1, code)
	assert.Equal(t, "greenlight: the API answered 502 Bad Gateway\n", stderr)
}

func TestUnauthorizedWithoutTokenSaysHowToSendOne(t *testing.T) {
	t.Setenv("GREENLIGHT_TOKEN", "")
	base, _ := fakeAPI(t, http.StatusUnauthorized, `{"title":"Unauthorized","status":401}`)

	_, stderr, code := runCLI(t, base, "campaigns", "list")

	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "GREENLIGHT_TOKEN")
}

func TestConnectionRefusedSuggestsDev(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more

	_, stderr, code := runCLI(t, base, "campaigns", "list")

	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "the Greenlight API at "+base+" is not reachable")
	assert.Contains(t, stderr, "greenlight dev")
}

func TestJSONFlagPrintsTheResponsePrettyPrinted(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusOK, `{"items":[{"id":"c1","status":"running"}],"next_page_token":""}`)

	stdout, stderr, code := runCLI(t, base, "--json", "campaigns", "list")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, `{
  "items": [
    {
      "id": "c1",
      "status": "running"
    }
  ],
  "next_page_token": ""
}
`, stdout)
}

func TestJSONFlagOnFailurePrintsTheProblemAndExitsNonZero(t *testing.T) {
	base, _ := fakeAPI(t, http.StatusNotFound, `{"title":"Not Found","status":404,"detail":"no campaign c9"}`)

	stdout, stderr, code := runCLI(t, base, "--json", "campaigns", "show", "c9")

	assert.Equal(t, 1, code)
	assert.JSONEq(t, `{"title":"Not Found","status":404,"detail":"no campaign c9"}`, stdout)
	assert.Contains(t, stderr, "no campaign c9")
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"api refused", &apiError{status: 409}, 1},
		{"invalid playbook", errInvalidPlaybook, 1},
		{"plain failure", errors.New("boom"), 1},
		{"marked usage", usageErrorf("--client is required"), 2},
		{"wrapped usage", errors.Join(errors.New("x"), usageErrorf("y")), 2},
		{"cobra unknown command", errors.New(`unknown command "bogus" for "greenlight"`), 2},
		{"pflag unknown flag", errors.New("unknown flag: --bogus"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, exitCode(tt.err))
		})
	}
}

func TestUsageMistakesExitTwo(t *testing.T) {
	base, got := fakeAPI(t, http.StatusOK, `{}`)
	tests := []struct {
		name string
		args []string
	}{
		{"unknown command", []string{"bogus"}},
		{"unknown subcommand", []string{"campaigns", "bogus"}},
		{"unknown flag", []string{"campaigns", "list", "--bogus"}},
		{"missing argument", []string{"campaigns", "show"}},
		{"extra argument", []string{"approve", "a1", "a2"}},
		{"launch without client", []string{"launch", "reputation-repair"}},
		{"param without equals", []string{"launch", "reputation-repair", "--client", "acme", "--param", "brand"}},
		{"bad flag value", []string{"launch", "reputation-repair", "--client", "acme", "--version", "two"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*got = seen{}
			_, stderr, code := runCLI(t, base, tt.args...)
			assert.Equal(t, 2, code, stderr)
			assert.Empty(t, got.method, "a usage mistake must not reach the API")
		})
	}
}

func TestRelTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, ""},
		{now.Add(20 * time.Second), "now"},
		{now.Add(5*time.Minute + 20*time.Second), "in 5m"},
		{now.Add(5*time.Minute + 40*time.Second), "in 6m"},
		{now.Add(59*time.Minute + 45*time.Second), "in 1h"},
		// A 4h deadline, a moment after it was set, is still 4h away.
		{now.Add(4*time.Hour - time.Second), "in 4h"},
		{now.Add(4 * time.Hour), "in 4h"},
		{now.Add(3*time.Hour + 20*time.Minute), "in 3h"},
		{now.Add(47*time.Hour + 59*time.Minute), "in 48h"},
		{now.Add(71*time.Hour + 40*time.Minute), "in 3d"},
		{now.Add(80 * time.Hour), "in 3d"},
		{now.Add(110 * time.Hour), "in 5d"},
		{now.Add(-2 * time.Hour), "2h ago"},
		{now.Add(-(2*time.Hour + 40*time.Minute)), "3h ago"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, relTime(tt.t, now), tt.t)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
