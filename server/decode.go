package server

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// readBody reads the request body within maxBody, answering 413 past it.
func readBody(c *gin.Context) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			problem(c, http.StatusRequestEntityTooLarge, probBadRequest, "Request too large",
				fmt.Sprintf("the body is larger than %d bytes", maxBody))
			return nil, false
		}
		// A read error is the connection's (cut short, reset): its text names
		// addresses and Go's net package, so it goes to the log only.
		slog.Default().DebugContext(c.Request.Context(), "could not read a request body", "error", err, "request_id", requestIDOf(c))
		badRequest(c, "could not read the body: the connection broke or the upload was malformed")
		return nil, false
	}
	return b, true
}

// decodeJSON decodes one JSON object into dst strictly: unknown fields and trailing
// data are refused, and syntax errors name their line and column. Before
// decoding, the body's shape is checked against the limits (limits.go); after,
// every string and map key of dst must be text the store can hold.
func decodeJSON(c *gin.Context, dst any) bool {
	body, ok := readBody(c)
	if !ok {
		return false
	}
	return decodeJSONBody(c, body, dst)
}

// decodeJSONBody is decodeJSON for a body already read.
func decodeJSONBody(c *gin.Context, body []byte, dst any) bool {
	if p := checkJSONShape(body); p != nil {
		if p.status == http.StatusRequestEntityTooLarge {
			problem(c, p.status, probBadRequest, "Request too large", p.detail, p.problem)
		} else {
			invalid(c, p.detail, p.problem)
		}
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		badRequest(c, "invalid JSON body: "+describeJSONError(body, dst, err))
		return false
	}
	if dec.More() {
		badRequest(c, "invalid JSON body: unexpected data after the JSON object")
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		badRequest(c, "invalid JSON body: unexpected data after the JSON object")
		return false
	}
	if probs := textProblems(dst); len(probs) > 0 {
		invalid(c, "the request has values the API does not accept", probs...)
		return false
	}
	return true
}

// describeJSONError says what is wrong with a JSON body decoded into dst and,
// when the error has a place, its line and column.
func describeJSONError(body []byte, dst any, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty; send a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := lineCol(body, int64(len(body)))
		return fmt.Sprintf("line %d, column %d: the body ends before the JSON does (is it cut short?)", line, col)
	case errors.As(err, &syn):
		line, col := lineCol(body, syn.Offset)
		return fmt.Sprintf("line %d, column %d: %s", line, col, syn.Error())
	case errors.As(err, &typ):
		// encoding/json names the Go type (server.launchRequest, []string);
		// the caller wrote JSON, so the answer speaks JSON.
		if typ.Field == "" {
			return fmt.Sprintf("the body must be %s, not %s", jsonKind(typ.Type), jsonValue(typ.Value))
		}
		line, col := lineCol(body, typ.Offset)
		return fmt.Sprintf("line %d, column %d: field %q must be %s, not %s", line, col, typ.Field, jsonKind(typ.Type), jsonValue(typ.Value))
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	// encoding/json names an unknown field but not where it is; find its key.
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		if unquoted, err := strconv.Unquote(name); err == nil {
			if off := unknownKeyOffset(body, reflect.TypeOf(dst), unquoted); off >= 0 {
				line, col := lineCol(body, off)
				return fmt.Sprintf("line %d, column %d: %s (this route does not take it)", line, col, msg)
			}
		}
		return msg + " (this route does not take it)"
	}
	// Anything else is encoding/json's own wording, which may name Go types.
	return "the body is not JSON this route reads"
}

// jsonKind names, in JSON's words, what a value of Go type t is written as.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.Slice, reflect.Array:
		return "a JSON array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another kind of value"
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// jsonValue names the JSON value encoding/json found ("array", "number -1").
func jsonValue(v string) string {
	kind, literal, _ := strings.Cut(v, " ")
	switch kind {
	case "array":
		return "an array"
	case "object":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "number":
		if literal != "" {
			return literal
		}
		return "a number"
	}
	return v
}

// unknownKeyOffset is where the key of the unknown field name starts in body,
// walking it alongside dst's type so that a key of the same name inside a
// free-form object (params, edits) is not mistaken for it; -1 when not found.
// The body has passed checkJSONShape, so the walk is bounded.
func unknownKeyOffset(body []byte, dst reflect.Type, name string) int64 {
	dec := json.NewDecoder(bytes.NewReader(body))
	off, _ := findUnknownKey(dec, body, dst, name)
	return off
}

// findUnknownKey reads one JSON value of type t from dec; it answers the offset
// of a key that t does not know and that is called name, or -1.
func findUnknownKey(dec *json.Decoder, body []byte, t reflect.Type, name string) (int64, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return -1, err
	}
	d, ok := tok.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return -1, nil
	}
	for dec.More() {
		var next reflect.Type
		switch {
		case d == '[' && t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			next = t.Elem()
		case d == '{':
			start := dec.InputOffset()
			key, err := dec.Token()
			if err != nil {
				return -1, err
			}
			k, _ := key.(string)
			switch {
			case t != nil && t.Kind() == reflect.Map:
				next = t.Elem()
			case t != nil && t.Kind() == reflect.Struct:
				f, known := jsonField(t, k)
				if !known && k == name {
					return start + int64(bytes.IndexByte(body[start:], '"')), nil
				}
				next = f
			}
		}
		if off, err := findUnknownKey(dec, body, next, name); off >= 0 || err != nil {
			return off, err
		}
	}
	_, err = dec.Token() // the closing delimiter
	return -1, err
}

// jsonField is the type of struct t's field that encoding/json decodes key
// into (it matches names without regard to case), and whether there is one.
func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if strings.EqualFold(tag, key) {
			return f.Type, true
		}
	}
	return nil, false
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col := 1, 1
	for _, ch := range b[:off] {
		if ch == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}
