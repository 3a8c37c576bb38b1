package platforms_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/greenlight/greenlight/platforms"
)

func TestSpamWave(t *testing.T) {
	for _, c := range []struct {
		total, suspicious int
		percent           int
		wave              bool
	}{
		// Too few followers, however many are spam.
		{0, 0, 0, false},
		{9, 9, 100, false},
		{9, 3, 33, false},
		// Ten is enough: the share decides.
		{10, 3, 30, false},
		{10, 4, 40, true},
		{10, 10, 100, true},
		// Just over 30% in whole percent, and just under.
		{100, 30, 30, false},
		{100, 31, 31, true},
		{13, 4, 30, false}, // 30.8%: rounded down, not over 30
		{16, 5, 31, true},  // 31.25%
		{20, 14, 70, true},
		{20, 6, 30, false},
		// Nonsense counts never make a wave.
		{10, 11, 110, false},
		{10, -1, 0, false},
		{-5, 3, 0, false},
	} {
		t.Run(fmt.Sprintf("%d of %d", c.suspicious, c.total), func(t *testing.T) {
			assert.Equal(t, c.percent, platforms.SuspiciousPercent(c.total, c.suspicious))
			assert.Equal(t, c.wave, platforms.SpamWave(c.total, c.suspicious))
		})
	}
}
