package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

var (
	nameLine    = regexp.MustCompile(`(?m)^name: .*$`)
	versionLine = regexp.MustCompile(`(?m)^version: .*$`)
)

// playbookVariant is the built-in reputation-repair under another name and version:
// a playbook the validator accepts however the language grows.
func playbookVariant(t *testing.T, h http.Handler, name string, version int) string {
	t.Helper()
	rec, body := call(t, h, "GET", "/v1/playbooks/reputation-repair?version=1", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	src := body["source"].(string)
	src = nameLine.ReplaceAllLiteralString(src, "name: "+name)
	return versionLine.ReplaceAllLiteralString(src, "version: "+strconv.Itoa(version))
}

func TestRegisterPlaybookVersionsAreImmutable(t *testing.T) {
	h := newAPI(t)
	v1 := playbookVariant(t, h, "test-outreach", 1)
	v2 := playbookVariant(t, h, "test-outreach", 2)

	rec, _ := call(t, h, "POST", "/v1/playbooks", v1)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, "/v1/playbooks/test-outreach?version=1", rec.Header().Get("Location"))

	rec, created := call(t, h, "POST", "/v1/playbooks", v2)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, "/v1/playbooks/test-outreach?version=2", rec.Header().Get("Location"))
	require.Equal(t, true, created["created"])
	require.Equal(t, false, created["builtin"])
	require.Equal(t, v2, created["source"])
	// The answer is what GET shows for that version, plus "created".
	_, got := call(t, h, "GET", "/v1/playbooks/test-outreach?version=2", "")
	delete(created, "created")
	require.Equal(t, got, created)

	t.Run("same body again is a no-op", func(t *testing.T) {
		rec, again := call(t, h, "POST", "/v1/playbooks", v2)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, "/v1/playbooks/test-outreach?version=2", rec.Header().Get("Location"))
		require.Equal(t, false, again["created"])
		require.Equal(t, got["created_at"], again["created_at"], "the first registration is kept")
	})

	t.Run("changed body under a used version is refused", func(t *testing.T) {
		rec, body := call(t, h, "POST", "/v1/playbooks", v2+"# one more line\n")
		require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
		require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
		require.Equal(t, "/problems/conflict", body["type"])
		require.Contains(t, body["detail"], "immutable")
		require.Contains(t, body["detail"], "bump `version`")
		require.Contains(t, body["detail"], "use 3")

		_, stored := call(t, h, "GET", "/v1/playbooks/test-outreach?version=2", "")
		require.Equal(t, v2, stored["source"])
		require.Equal(t, got["digest"], stored["digest"])
	})

	t.Run("every version stays readable", func(t *testing.T) {
		rec, list := call(t, h, "GET", "/v1/playbooks", "")
		require.Equal(t, http.StatusOK, rec.Code)
		item := findItem(t, list, "test-outreach")
		require.Equal(t, []any{float64(1), float64(2)}, item["versions"])
		require.Equal(t, float64(2), item["version"])

		_, latest := call(t, h, "GET", "/v1/playbooks/test-outreach", "")
		require.Equal(t, float64(2), latest["version"])
		_, first := call(t, h, "GET", "/v1/playbooks/test-outreach?version=1", "")
		require.Equal(t, v1, first["source"])
	})
}

func TestRegisterPlaybookListsEveryProblemWithLines(t *testing.T) {
	h := newAPI(t)
	yaml := "name: x\nversion: 0\nsteps:\n  - id: a\n    action: nope\n  - id: b\n    approval: {title: t, timeout: 1h}\n"
	rec, body := call(t, h, "POST", "/v1/playbooks", yaml)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Equal(t, "/problems/validation", body["type"])
	errs := body["errors"].([]any)
	require.GreaterOrEqual(t, len(errs), 3, "%v", errs)
	fields := map[string]bool{}
	for _, e := range errs {
		p := e.(map[string]any)
		require.Greater(t, p["line"], float64(0), "%v", p)
		require.Greater(t, p["column"], float64(0), "%v", p)
		require.NotEmpty(t, p["message"], "%v", p)
		fields[p["field"].(string)] = true
	}
	require.True(t, fields["version"], "%v", fields)

	rec, _ = call(t, h, "GET", "/v1/playbooks/x", "")
	require.Equal(t, http.StatusNotFound, rec.Code, "an invalid playbook is not stored")

	rec, body = call(t, h, "POST", "/v1/playbooks", "")
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "an empty body is not a playbook: %s", rec.Body.String())
	require.NotEmpty(t, body["errors"])
}

func TestRegisterPlaybookBodyLimit(t *testing.T) {
	h := newAPI(t)
	rec, body := call(t, h, "POST", "/v1/playbooks", "name: x\n# "+strings.Repeat("x", 2<<20)+"\n")
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	require.Equal(t, "/problems/bad-request", body["type"])
}

func TestRegisterNewVersionOfBuiltin(t *testing.T) {
	h := newAPI(t)
	_, builtin := call(t, h, "GET", "/v1/playbooks/reputation-repair?version=1", "")

	// The built-in's own bytes again: nothing changes and it stays built in.
	rec, same := call(t, h, "POST", "/v1/playbooks", builtin["source"].(string))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, true, same["builtin"])

	rec, body := call(t, h, "POST", "/v1/playbooks", playbookVariant(t, h, "reputation-repair", 1000))
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, false, body["builtin"], "a registered version is not built in, whatever its name")

	_, v1 := call(t, h, "GET", "/v1/playbooks/reputation-repair?version=1", "")
	require.Equal(t, true, v1["builtin"])
}

func TestRegisterLowerVersionKeepsLatestHighest(t *testing.T) {
	h := newAPI(t)
	rec, _ := call(t, h, "POST", "/v1/playbooks", playbookVariant(t, h, "test-outreach", 5))
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec, _ = call(t, h, "POST", "/v1/playbooks", playbookVariant(t, h, "test-outreach", 3))
	require.Equal(t, http.StatusCreated, rec.Code, "an unused number below the latest is accepted: %s", rec.Body.String())

	_, latest := call(t, h, "GET", "/v1/playbooks/test-outreach", "")
	require.Equal(t, float64(5), latest["version"], "latest means the highest number, not the newest registration")
	_, list := call(t, h, "GET", "/v1/playbooks", "")
	item := findItem(t, list, "test-outreach")
	require.Equal(t, []any{float64(3), float64(5)}, item["versions"])
	require.Equal(t, float64(5), item["version"])
}

func findItem(t *testing.T, list map[string]any, name string) map[string]any {
	t.Helper()
	for _, it := range list["items"].([]any) {
		if m := it.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no playbook %s in %v", name, list)
	return nil
}

// TestOutgrownStoredPlaybook: a version registered under older rules that
// today's limits refuse (here, more steps than allowed) is reported as the
// caller's to replace, with its problems, never as a 500.
func TestOutgrownStoredPlaybook(t *testing.T) {
	st := storetest.SQLite(t)
	h := server.New(server.Deps{Store: st, Namespace: "default"}).Handler()
	var src strings.Builder
	src.WriteString("name: huge\nversion: 1\nsteps:\n")
	for i := range playbooks.MaxSteps + 1 {
		fmt.Fprintf(&src, "  - {id: s%d, wait: 1s}\n", i)
	}
	_, err := st.RegisterPlaybook(context.Background(), store.Playbook{Name: "huge", Version: 1, Source: src.String()})
	require.NoError(t, err)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/v1/playbooks/huge", ""},
		{"POST", "/v1/campaigns", `{"playbook":"huge","client":"acme"}`},
	} {
		rec, body := call(t, h, tc.method, tc.path, tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%s %s: %s", tc.method, tc.path, rec.Body.String())
		require.Contains(t, body["detail"], "registered under older rules")
		require.NotEmpty(t, body["errors"])
	}
}
