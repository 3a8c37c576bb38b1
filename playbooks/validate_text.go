package playbooks

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// text refuses NUL characters and invalid UTF-8 in any string of the decoded
// playbook. The source's bytes were checked before parsing, but a YAML escape
// ("\0" in a double-quoted string) still decodes to a NUL, and names, titles
// and inputs end up in the store, which cannot hold one (PostgreSQL refuses it
// in text), and in the Web UI.
func (v *validator) text() {
	v.textValue("", reflect.ValueOf(v.pb).Elem())
}

func (v *validator) textValue(path string, rv reflect.Value) {
	if v.dropped > 0 {
		return // already past MaxProblems
	}
	switch rv.Kind() {
	case reflect.String:
		if msg := badText(rv.String()); msg != "" {
			v.addf(fieldOrRoot(path), "%s", msg)
		}
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			v.textValue(path, rv.Elem())
		}
	case reflect.Struct:
		t := rv.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				v.textValue(path, rv.Field(i)) // embedded, such as Duration
				continue
			}
			v.textValue(joinField(path, name), rv.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			v.textValue(fmt.Sprintf("%s[%d]", path, i), rv.Index(i))
		}
	case reflect.Map:
		names := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			names = append(names, k.String())
		}
		slices.Sort(names)
		for _, k := range slices.Compact(names) {
			if msg := badText(k); msg != "" {
				v.addf(fieldOrRoot(path), "a key %s", msg)
				continue
			}
			v.textValue(fieldKey(path, k), rv.MapIndex(reflect.ValueOf(k)))
		}
	}
}

// badText says what is wrong with s for the store, or "".
func badText(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL character (\\0), which cannot be stored"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	return ""
}

func joinField(base, name string) string {
	if base == "" {
		return name
	}
	return base + "." + name
}

func fieldOrRoot(path string) string {
	if path == "" {
		return "$"
	}
	return path
}
