package competitors_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/greenlight/greenlight/guardrails/competitors"
)

func TestAccountKeyIsOneKeyPerAccount(t *testing.T) {
	tests := []struct {
		platform, written, key string
		problem                bool
	}{
		{competitors.X, "@AcmeCo", "acmeco", false},
		{competitors.X, "https://x.com/acmeco", "acmeco", false},
		{competitors.X, "acmeco", "acmeco", false},
		{competitors.Mastodon, "@acme@Mastodon.Social", "acme@mastodon.social", false},
		{competitors.Mastodon, "https://mastodon.social/@acme", "acme@mastodon.social", false},
		{competitors.LinkedIn, "company/acme", "company/acme", false},
		{competitors.X, "", "", true},
		{competitors.X, "https://www.instagram.com/acme", "", true},
		{competitors.X, "https://x.com/acme/status/1", "", true},
		{competitors.Mastodon, "acme", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.platform+" "+tt.written, func(t *testing.T) {
			key, problem := competitors.AccountKey(tt.platform, tt.written)
			assert.Equal(t, tt.key, key)
			assert.Equal(t, tt.problem, problem != "", problem)
		})
	}
}
