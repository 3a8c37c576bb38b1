package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLaunchSendsPlaybookClientAndParsedParams(t *testing.T) {
	base, got := fakeAPI(t, http.StatusCreated,
		`{"id":"c_42","workflow_id":"campaign-c_42","status":"running","ui_url":"http://127.0.0.1:8233/namespaces/default/workflows/campaign-c_42"}`)
	file := filepath.Join(t.TempDir(), "params.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"brand":"Old","budget":100}`), 0o600))

	stdout, stderr, code := runCLI(t, base, "launch", "reputation-repair",
		"--client", "acme", "--version", "2",
		"--params-file", file,
		"--param", "brand=Acme", // overrides the file
		"--param", "count=3",
		"--param", "dry_run=true",
		"--param", `platforms=["x","instagram"]`,
		"--param", "note=a=b, c",
		"--param", "zip=007", // not JSON: stays a string
		"--idempotency-key", "launch-1",
	)

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/v1/campaigns", got.path)
	assert.Equal(t, "application/json", got.header.Get("Content-Type"))
	assert.Equal(t, "launch-1", got.header.Get("Idempotency-Key"))
	assert.JSONEq(t, `{"playbook":"reputation-repair","version":2,"client":"acme","params":{
		"brand":"Acme","budget":100,"count":3,"dry_run":true,"platforms":["x","instagram"],
		"note":"a=b, c","zip":"007"}}`, string(got.body))
	assert.Contains(t, stdout, "c_42")
	assert.Contains(t, stdout, "running")
	assert.Contains(t, stdout, "http://127.0.0.1:8233/namespaces/default/workflows/campaign-c_42")
}

func TestLaunchOmitsVersionAndIdempotencyKeyWhenNotGiven(t *testing.T) {
	base, got := fakeAPI(t, http.StatusCreated, `{"id":"c_1","status":"running"}`)

	_, stderr, code := runCLI(t, base, "launch", "crisis-triage", "--client", "acme")

	require.Equal(t, 0, code, stderr)
	assert.JSONEq(t, `{"playbook":"crisis-triage","client":"acme"}`, string(got.body))
	assert.Empty(t, got.header.Values("Idempotency-Key"))
}

func TestParamValue(t *testing.T) {
	tests := []struct {
		in   string
		want string // the value as JSON
	}{
		{"Acme", `"Acme"`},
		{"", `""`},
		{"42", `42`},
		{"12345678901234567890", `12345678901234567890`}, // exact, not a float
		{"false", `false`},
		{`"quoted"`, `"quoted"`},
		{`["a","b"]`, `["a","b"]`},
		{`{"k":1}`, `{"k":1}`},
		{"7d", `"7d"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			params, err := launchParams("", []string{"k=" + tt.in})
			require.NoError(t, err)
			assert.Equal(t, `{"k":`+tt.want+`}`, mustJSON(t, params))
		})
	}
}
