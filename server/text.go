package server

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/greenlight/greenlight/playbooks"
)

// Text the store cannot hold is refused where it enters, as a class: every
// string and map key of a decoded request (decodeJSON), of a form post, every query parameter and path parameter, and the headers
// that are stored. PostgreSQL text cannot hold NUL, and invalid UTF-8 is not
// text; either, accepted, fails later where nobody sees it (an approval that
// never reaches the inbox while its silence policy runs).

// maxTextProblems bounds how many problems one answer lists.
const maxTextProblems = 20

// unstorable says why the store cannot hold s, or "" when it can.
func unstorable(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return `contains a NUL character (\u0000), which cannot be stored; remove it`
	}
	if !utf8.ValidString(s) {
		i := firstInvalidUTF8(s)
		return fmt.Sprintf("is not valid UTF-8 (byte 0x%02x at offset %d); send text as UTF-8", s[i], i)
	}
	return ""
}

func firstInvalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return 0
}

// textWalk collects the problems of one value. Each free-form
// (interface-typed) field is also held to maxFreeformValues and
// maxFreeformText. (A playbook's own text is checked by package playbooks.)
type textWalk struct {
	probs  []playbooks.Problem
	budget *freeformBudget // the free-form field being walked, if any
}

type freeformBudget struct{ values, text int }

// maxWalkDepth stops the walk of a value nested absurdly deep; decoded
// requests are bounded far below it by maxJSONDepth.
const maxWalkDepth = 1000

// textProblems walks v (a pointer to a decoded request) and lists every
// string and map key the store cannot hold, and every free-form field past its
// budget, each with its path ("params.brand", "decisions[2].comment",
// `edits["a\x00"]`), named by the fields' json tags.
func textProblems(v any) []playbooks.Problem {
	w := textWalk{}
	w.walk("", reflect.ValueOf(v), 0)
	return w.probs
}

func (w *textWalk) add(path, msg string) {
	if len(w.probs) < maxTextProblems {
		w.probs = append(w.probs, playbooks.Problem{Field: orBody(path), Message: msg})
	}
}

func (w *textWalk) walk(path string, v reflect.Value, depth int) {
	if !v.IsValid() || len(w.probs) >= maxTextProblems {
		return
	}
	if depth > maxWalkDepth {
		w.add(path, fmt.Sprintf("is nested more than %d levels deep", maxWalkDepth))
		return
	}
	if b := w.budget; b != nil && v.Kind() != reflect.Interface && v.Kind() != reflect.Pointer {
		b.values++
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			w.walk(path, v.Elem(), depth+1)
		}
	case reflect.String:
		s := v.String()
		if w.budget != nil {
			w.budget.text += len(s)
		}
		if msg := unstorable(s); msg != "" {
			w.add(path, msg)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, inline := fieldName(f)
			if name == "-" {
				continue
			}
			fp := path
			if !inline {
				fp = joinPath(path, name)
			}
			w.field(fp, v.Field(i), depth+1)
		}
	case reflect.Map:
		keys := v.MapKeys()
		if v.Type().Key().Kind() == reflect.String {
			slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		}
		for _, k := range keys {
			kp := path
			if k.Kind() == reflect.String {
				kp = joinPath(path, k.String())
				if w.budget != nil {
					w.budget.text += k.Len()
				}
				if msg := unstorable(k.String()); msg != "" {
					w.add(kp, "the name "+msg)
				}
			}
			w.walk(kp, v.MapIndex(k), depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes are not text
		}
		for i := range v.Len() {
			w.walk(path+"["+strconv.Itoa(i)+"]", v.Index(i), depth+1)
		}
	}
}

// field walks one struct field; a free-form one (any, map[string]any, []any)
// of a request is also measured against its budget.
func (w *textWalk) field(path string, v reflect.Value, depth int) {
	if w.budget != nil || !isFreeform(v.Type()) {
		w.walk(path, v, depth)
		return
	}
	w.budget = &freeformBudget{}
	w.walk(path, v, depth)
	b := w.budget
	w.budget = nil
	switch {
	case b.values > maxFreeformValues:
		w.add(path, fmt.Sprintf("has %d values; at most %d are accepted", b.values, maxFreeformValues))
	case b.text > maxFreeformText:
		w.add(path, fmt.Sprintf("holds %d bytes of text; at most %d are accepted", b.text, maxFreeformText))
	}
}

func isFreeform(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Map, reflect.Slice:
		return t.Elem().Kind() == reflect.Interface
	}
	return false
}

// fieldName is the field's JSON name, and whether it is an embedded struct
// whose fields appear at its parent's level.
func fieldName(f reflect.StructField) (string, bool) {
	tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if tag != "" {
		return tag, false
	}
	if f.Anonymous {
		return "", true
	}
	return f.Name, false
}

var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// joinPath appends a member name, quoting one that would not read as a name.
func joinPath(path, name string) string {
	if !plainName.MatchString(name) {
		return path + "[" + strconv.Quote(name) + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// valuesProblems checks named values (a form post, a query): each name and
// value, the problem named by the value's name and said to be a `what`.
func valuesProblems(what string, values map[string][]string) []playbooks.Problem {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var probs []playbooks.Problem
	for _, k := range keys {
		field := k
		if msg := unstorable(k); msg != "" {
			field = strconv.Quote(k)
			probs = append(probs, playbooks.Problem{Field: field, Message: what + " name " + msg})
		}
		for _, v := range values[k] {
			if msg := unstorable(v); msg != "" {
				probs = append(probs, playbooks.Problem{Field: field, Message: what + " " + msg})
				break
			}
		}
		if len(probs) >= maxTextProblems {
			break
		}
	}
	return probs
}
