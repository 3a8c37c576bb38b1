package playbooks

import (
	"fmt"
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

// ParseDuration accepts Go durations plus whole days (d) and weeks (w) in front of them.
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Duration{}, fmt.Errorf("empty duration")
	}
	var total time.Duration
	rest := in
	for _, u := range []struct {
		suffix byte
		size   time.Duration
	}{{'w', week}, {'d', day}} {
		i := strings.IndexByte(rest, u.suffix)
		if i < 0 {
			continue
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n < 0 {
			return Duration{}, fmt.Errorf("%q is not a duration (use e.g. 30m, 48h, 7d, 2w)", s)
		}
		total += time.Duration(n) * u.size
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return Duration{}, fmt.Errorf("%q is not a duration (use e.g. 30m, 48h, 7d, 2w)", s)
		}
		total += d
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
