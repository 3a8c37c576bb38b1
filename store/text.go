package store

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Rows written from workflows (projections, audit events, platform actions)
// carry text nobody checked: a title or step name built by an expression from
// a parameter, an error message, a connector's target, a voter named in a
// signal sent past the API. PostgreSQL refuses a whole statement over one NUL,
// one invalid UTF-8 byte or one string longer than its VARCHAR column, and a
// projection that is refused is retried forever while the campaign runs on
// unseen: its approval never reaches the inbox while its silence policy runs.
// So such rows are made storable at the write, here, whatever the API already
// refuses: NUL and invalid bytes become U+FFFD, free text is cut to its
// column's size (ending in "…"), and a key or indexed column too long for its
// column keeps its start and ends in a hash of the whole, so distinct keys stay
// distinct and the same key always lands on the same row.

// storableText is s as PostgreSQL text can hold it.
func storableText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// textColumn is a string field of a model: where it is, its VARCHAR size
// (0 for TEXT) and whether it is a key or indexed, hence cut with a hash.
type textColumn struct {
	index int
	ptr   bool // *string
	size  int
	key   bool
}

var textColumnsByType sync.Map // reflect.Type → []textColumn

func textColumns(t reflect.Type) []textColumn {
	if cols, ok := textColumnsByType.Load(t); ok {
		return cols.([]textColumn)
	}
	var cols []textColumn
	for i := range t.NumField() {
		f := t.Field(i)
		ptr := f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.String
		if f.Type.Kind() != reflect.String && !ptr {
			continue
		}
		col := textColumn{index: i, ptr: ptr}
		for opt := range strings.SplitSeq(f.Tag.Get("gorm"), ";") {
			name, value, _ := strings.Cut(opt, ":")
			switch name {
			case "size":
				col.size, _ = strconv.Atoi(value)
			case "primaryKey", "uniqueIndex", "index":
				col.key = true
			}
		}
		cols = append(cols, col)
	}
	textColumnsByType.Store(t, cols)
	return cols
}

// makeStorable rewrites every text column of the model row points to so the
// store can hold it; see the comment at the top of this file.
func makeStorable(row any) {
	v := reflect.ValueOf(row).Elem()
	for _, col := range textColumns(v.Type()) {
		f := v.Field(col.index)
		if col.ptr {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		if s := col.storable(f.String()); s != f.String() {
			f.SetString(s)
		}
	}
}

func (col textColumn) storable(s string) string {
	s = storableText(s)
	switch {
	case col.size == 0 || utf8.RuneCountInString(s) <= col.size:
		return s
	case col.key:
		sum := sha256.Sum256([]byte(s))
		return prefixRunes(s, col.size-16) + "~" + hex.EncodeToString(sum[:])[:15]
	}
	return cutRunes(s, col.size)
}

// storableField is s as makeStorable would store it in model's field, for
// looking a row up by the value its writer was given.
func storableField(model any, field string, s string) string {
	t := reflect.TypeOf(model)
	for _, col := range textColumns(t) {
		if t.Field(col.index).Name == field {
			return col.storable(s)
		}
	}
	return s
}

// cutRunes cuts s to at most n characters (PostgreSQL counts VARCHAR sizes
// in characters), marking the cut with an ellipsis.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return prefixRunes(s, n-1) + "…"
}

// prefixRunes is the first n characters of s.
func prefixRunes(s string, n int) string {
	i := 0
	for kept := 0; i < len(s) && kept < n; kept++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}
