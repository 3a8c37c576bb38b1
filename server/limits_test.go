package server

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/playbooks"
)

// TestLimitsAreDocumented keeps docs/api.md's Limits table in step with the
// constants of limits.go: change one, and this fails until the other follows.
func TestLimitsAreDocumented(t *testing.T) {
	raw, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start := strings.Index(doc, "## Limits")
	if start < 0 {
		t.Fatal(`docs/api.md has no "## Limits" section`)
	}
	section := doc[start:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	thousands := func(n int) string {
		s := strconv.Itoa(n)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	for name, want := range map[string]string{
		"maxBody":           strconv.Itoa(maxBody>>20) + " MiB",
		"maxJSONDepth":      strconv.Itoa(maxJSONDepth) + " levels",
		"maxJSONValues":     thousands(maxJSONValues) + " (",
		"maxFreeformValues": thousands(maxFreeformValues) + " values",
		"maxFreeformText":   strconv.Itoa(maxFreeformText>>10) + " KiB",
		"maxQueryDuration":  "at most `" + playbooks.Duration{Duration: maxQueryDuration}.String() + "`",
		"maxBulkDecisions":  strconv.Itoa(maxBulkDecisions) + " per request",
		"maxLinkTTL":        "1s–" + playbooks.Duration{Duration: maxLinkTTL}.String(),
		"maxIdempotencyKey": strconv.Itoa(maxIdempotencyKey) + " characters",
		"maxPersonList":     strconv.Itoa(maxPersonList) + " clients, " + strconv.Itoa(maxPersonList) + " roles, " + strconv.Itoa(maxPersonList) + " channels",
		"maxChannelAddress": strconv.Itoa(maxChannelAddress) + " bytes",
		"maxEmailAddress":   strconv.Itoa(maxEmailAddress) + " characters)",
	} {
		if !strings.Contains(section, want) {
			t.Errorf("docs/api.md Limits does not say %q (%s)", want, name)
		}
	}
}
