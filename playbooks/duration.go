package playbooks

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written the way people plan campaigns: "48h", "7d",
// "2w", "90m", "1d12h". It marshals back to the same compact form, so a playbook
// carried in workflow input reads the same in the Web UI as in its YAML.
type Duration struct{ time.Duration }

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// ErrDurationTooLong says a duration is well-formed but does not fit a
// time.Duration (about 292 years): it must be refused, never wrapped around
// into a negative or a small one.
var ErrDurationTooLong = errors.New("duration too long")

// goDuration is the syntax time.ParseDuration accepts, so that its refusal of a
// well-formed but too large value can be told from a malformed one.
var goDuration = regexp.MustCompile(`^[+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// ParseDuration accepts Go durations plus whole days (d) and weeks (w) in front of
// them. A value too long for a time.Duration wraps ErrDurationTooLong.
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Duration{}, fmt.Errorf("empty duration")
	}
	malformed := fmt.Errorf("%q is not a duration (use e.g. 30m, 48h, 7d, 2w)", s)
	tooLong := fmt.Errorf("%q is too long: a duration is at most about 292 years: %w", s, ErrDurationTooLong)
	var total time.Duration
	add := func(d time.Duration) bool {
		if d > math.MaxInt64-total {
			return false
		}
		total += d
		return true
	}
	rest := in
	for _, u := range []struct {
		suffix byte
		size   time.Duration
	}{{'w', week}, {'d', day}} {
		i := strings.IndexByte(rest, u.suffix)
		if i < 0 {
			continue
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		var numErr *strconv.NumError
		switch {
		case errors.As(err, &numErr) && errors.Is(numErr.Err, strconv.ErrRange) && !strings.HasPrefix(rest[:i], "-"):
			return Duration{}, tooLong
		case err != nil || n < 0:
			return Duration{}, malformed
		case n > int64(math.MaxInt64/u.size) || !add(time.Duration(n)*u.size):
			return Duration{}, tooLong
		}
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		switch {
		case err != nil && goDuration.MatchString(rest):
			return Duration{}, tooLong // well-formed: time refuses only values past its range
		case err != nil || d < 0:
			return Duration{}, malformed
		case !add(d):
			return Duration{}, tooLong
		}
	}
	return Duration{total}, nil
}

// String renders whole weeks and days compactly and the rest as Go does.
func (d Duration) String() string {
	if d.Duration == 0 {
		return "0s"
	}
	var b strings.Builder
	rest := d.Duration
	if rest >= week && rest%day == 0 && (rest/day)%7 == 0 {
		fmt.Fprintf(&b, "%dw", rest/week)
		return b.String()
	}
	if rest >= day {
		fmt.Fprintf(&b, "%dd", rest/day)
		rest %= day
	}
	if rest > 0 {
		s := rest.String()
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		b.WriteString(s)
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler (JSON and YAML).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalYAML reads a duration from YAML. go-yaml hands a TextUnmarshaler the
// node re-rendered from the token list of the whole file, which costs time in
// the size of the file for every duration in it: quadratic in the number of
// steps. Decoding the node as a string does not.
func (d *Duration) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	return d.UnmarshalText([]byte(s))
}

// UnmarshalText implements encoding.TextUnmarshaler (JSON).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseTimeAgo reads a point in time written as an RFC 3339 time or as a
// duration back from now in this notation ("30d", "2w", "48h", "1d12h"). ago
// is that duration, zero when a time was given, so a caller can bound it. The
// API and the CLI both read report windows with it, so both accept exactly the
// same values.
func ParseTimeAgo(s string, now time.Time) (t time.Time, ago Duration, err error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), Duration{}, nil
	}
	d, err := ParseDuration(s)
	if errors.Is(err, ErrDurationTooLong) {
		return time.Time{}, Duration{}, err
	}
	if err != nil {
		return time.Time{}, Duration{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration back from now (e.g. 30d, 2w, 48h)", s)
	}
	return now.Add(-d.Duration).UTC(), d, nil
}
