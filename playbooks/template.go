package playbooks

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// A reference such as ${params.brand} or ${steps.audit.output.summary} reads a
// campaign fact. A string that is exactly one reference takes the referenced value
// with its type (a list stays a list); references inside longer text are rendered
// as text. Resolution is a pure function of its inputs, so workflow code may call it.
var refPattern = regexp.MustCompile(`\$\{\s*([A-Za-z0-9_.\-]*)\s*\}`)

// Scope is what references can read.
type Scope struct {
	Params   map[string]any
	Steps    map[string]map[string]any // step id → its output
	Campaign map[string]any            // id, client, playbook
}

// Resolve returns v with every reference replaced. Maps and lists are copied.
func Resolve(v any, s Scope) (any, error) {
	switch t := v.(type) {
	case string:
		return resolveString(t, s)
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range sortedKeys(t) {
			r, err := Resolve(t[k], s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			r, err := Resolve(e, s)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// ResolveMap is Resolve for a step's `with` or `preview` block.
func ResolveMap(m map[string]any, s Scope) (map[string]any, error) {
	if m == nil {
		return map[string]any{}, nil
	}
	r, err := Resolve(m, s)
	if err != nil {
		return nil, err
	}
	return r.(map[string]any), nil
}

func resolveString(str string, s Scope) (any, error) {
	locs := refPattern.FindAllStringSubmatchIndex(str, -1)
	if len(locs) == 0 {
		return str, nil
	}
	if len(locs) == 1 && locs[0][0] == 0 && locs[0][1] == len(str) {
		return s.lookup(str[locs[0][2]:locs[0][3]])
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		b.WriteString(str[last:l[0]])
		val, err := s.lookup(str[l[2]:l[3]])
		if err != nil {
			return nil, err
		}
		b.WriteString(Text(val))
		last = l[1]
	}
	b.WriteString(str[last:])
	return b.String(), nil
}

// Text renders a value for interpolation into prose.
func Text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = Text(e)
		}
		return strings.Join(parts, ", ")
	case float64:
		if t == float64(int64(t)) {
			return fmt.Sprintf("%d", int64(t))
		}
	}
	return fmt.Sprint(v)
}

func (s Scope) lookup(path string) (any, error) {
	parts := strings.Split(path, ".")
	var cur any
	switch parts[0] {
	case "params":
		cur = s.Params
	case "campaign":
		cur = s.Campaign
	case "steps":
		if len(parts) < 2 {
			return nil, fmt.Errorf("${%s}: name a step, as in ${steps.ID.output}", path)
		}
		out, ok := s.Steps[parts[1]]
		if !ok {
			return nil, fmt.Errorf("${%s}: step %q has not produced output yet", path, parts[1])
		}
		cur = map[string]any{"output": out}
		parts = parts[1:]
	default:
		return nil, fmt.Errorf("${%s}: references start with params, steps or campaign", path)
	}
	for i, p := range parts[1:] {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("${%s}: %s is not an object", path, strings.Join(parts[:i+1], "."))
		}
		v, ok := m[p]
		if !ok {
			return nil, fmt.Errorf("${%s}: no field %q", path, p)
		}
		cur = v
	}
	return cur, nil
}

// references lists the paths referenced anywhere inside v, for validation.
func references(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		for _, m := range refPattern.FindAllStringSubmatch(t, -1) {
			out = append(out, m[1])
		}
	case map[string]any:
		for _, k := range sortedKeys(t) {
			out = append(out, references(t[k])...)
		}
	case []any:
		for _, e := range t {
			out = append(out, references(e)...)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
