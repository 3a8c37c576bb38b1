package playbooks

import (
	"slices"
	"strings"
)

// Platforms lists the platforms a campaign of pb with params (bound, defaults
// filled) acts on, sorted: the values of the parameters named platform or
// platforms, and every platform a step names outright in its with (a
// template there draws on parameters, which are already counted). A launch
// resolves each to one of the client's accounts.
func Platforms(pb *Playbook, params map[string]any) []string {
	set := map[string]bool{}
	add := func(v any) {
		switch v := v.(type) {
		case string:
			if v = strings.TrimSpace(v); v != "" && !strings.Contains(v, "${") {
				set[v] = true
			}
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					if s = strings.TrimSpace(s); s != "" && !strings.Contains(s, "${") {
						set[s] = true
					}
				}
			}
		case []string:
			for _, s := range v {
				if s = strings.TrimSpace(s); s != "" && !strings.Contains(s, "${") {
					set[s] = true
				}
			}
		}
	}
	for _, name := range []string{"platform", "platforms"} {
		add(params[name])
	}
	var walk func(steps []Step)
	walk = func(steps []Step) {
		for i := range steps {
			s := &steps[i]
			if s.Action != "" {
				add(s.With["platform"])
				add(s.With["platforms"])
			}
			for _, b := range bodies(s) {
				walk(b.steps)
			}
		}
	}
	walk(pb.Steps)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
