package playbooks

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDurationOverflow: a well-formed duration too long for a time.Duration is
// refused as too long, never wrapped around into a small or negative one
// (`since=10000000d` once became a date in 2121).
func TestDurationOverflow(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     time.Duration
		tooLong  bool
		bad      bool
	}{
		{name: "days that overflow", in: "10000000d", tooLong: true},
		{name: "weeks that overflow", in: "2000000w", tooLong: true},
		{name: "days past int64", in: "99999999999999999999d", tooLong: true},
		{name: "hours that overflow", in: "9999999999h", tooLong: true},
		{name: "seconds that overflow", in: "9223372037s", tooLong: true},
		{name: "weeks plus days that overflow together", in: "15250w106752d", tooLong: true},
		{name: "days plus hours that overflow together", in: "106751d24h", tooLong: true},
		{name: "the longest that fits", in: "106751d23h47m16s", want: 106751*day + 23*time.Hour + 47*time.Minute + 16*time.Second},
		{name: "negative days", in: "-1d", bad: true},
		{name: "a unit alone", in: "h", bad: true},
		{name: "garbage hours", in: "1d1x", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDuration(tc.in)
			switch {
			case tc.tooLong:
				require.ErrorIs(t, err, ErrDurationTooLong)
				require.Contains(t, err.Error(), "too long")
			case tc.bad:
				require.Error(t, err)
				require.False(t, errors.Is(err, ErrDurationTooLong), "%q is malformed, not too long: %v", tc.in, err)
			default:
				require.NoError(t, err)
				require.Equal(t, tc.want, d.Duration)
				require.Positive(t, d.Duration)
				require.LessOrEqual(t, d.Duration, time.Duration(math.MaxInt64))
			}
		})
	}
}

// TestParseTimeAgo: a report bound is an RFC 3339 time or a duration back from
// now; the API bounds the duration, so it must come back as given.
func TestParseTimeAgo(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, in string
		want     time.Time
		ago      time.Duration
		err      string
	}{
		{"a time", "2026-03-01T00:00:00+01:00", time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC), 0, ""},
		{"days back", "30d", now.Add(-30 * day), 30 * day, ""},
		{"mixed, with spaces", " 1d12h ", now.Add(-36 * time.Hour), 36 * time.Hour, ""},
		{"words", "last week", time.Time{}, 0, "neither an RFC 3339 time nor a duration back from now"},
		{"negative", "-2d", time.Time{}, 0, "neither an RFC 3339 time nor a duration back from now"},
		{"too long", "10000000000w", time.Time{}, 0, "too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ago, err := ParseTimeAgo(tc.in, now)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.True(t, tc.want.Equal(got), "got %s, want %s", got, tc.want)
			require.Equal(t, tc.ago, ago.Duration)
		})
	}
}
