package cli

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const decidedApproval = `{"id":"apr_1","campaign_id":"c_1","client":"acme","step":"approve-posts",
	"title":"Approve 3 posts","status":"approved","requested_at":"2026-03-01T10:00:00Z",
	"due_at":"2026-03-03T10:00:00Z","decided_at":"2026-03-01T11:00:00Z","decision":"approve",
	"decided_by":"alice","comment":"looks good","channel":"cli"}`

func TestApproveSendsDecisionAndChannelHeader(t *testing.T) {
	api, got := fakeAPI(t, http.StatusOK, decidedApproval)

	stdout, stderr, code := runCLI(t, api, "approve", "apr_1", "--comment", "looks good", "--by", "alice")

	require.Equal(t, 0, code, stderr)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/v1/approvals/apr_1/decision", got.path)
	assert.Equal(t, "cli", got.header.Get("Greenlight-Channel"))
	assert.Equal(t, "application/json", got.header.Get("Content-Type"))
	assert.JSONEq(t, `{"decision":"approve","comment":"looks good","by":"alice"}`, string(got.body))
	for _, want := range []string{"apr_1", "approved", "alice via cli", "looks good"} {
		assert.Contains(t, stdout, want)
	}
}

func TestRejectDefaultsByFromEnvironment(t *testing.T) {
	tests := []struct {
		name, greenlightUser, user, want string
	}{
		{"GREENLIGHT_USER first", "gina", "unix", "gina"},
		{"then USER", "", "unix", "unix"},
		{"else cli", "", "", "cli"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GREENLIGHT_USER", tt.greenlightUser)
			t.Setenv("USER", tt.user)
			api, got := fakeAPI(t, http.StatusOK, decidedApproval)

			_, stderr, code := runCLI(t, api, "reject", "apr_1")

			require.Equal(t, 0, code, stderr)
			assert.JSONEq(t, `{"decision":"reject","by":"`+tt.want+`"}`, string(got.body))
		})
	}
}
