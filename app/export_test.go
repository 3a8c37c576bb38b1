package app

import (
	"testing"
	"time"
)

// FastRetries shortens start-up's retries for the external tests of package
// app_test, until t ends.
func FastRetries(t *testing.T, within time.Duration) { fastRetries(t, within) }
