package server

import (
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/greenlight/greenlight/playbooks"
)

// shapeProblem is why a JSON body was refused before decoding, with the status
// to answer: 413 for a body past a size limit, 422 for text the store cannot hold.
type shapeProblem struct {
	status  int
	detail  string
	problem playbooks.Problem
}

// shapeFrame is one open array or object while scanning.
type shapeFrame struct {
	object    bool
	expectKey bool   // in an object, the next string is a member name
	key       []byte // in an object, the member being read (raw, as sent)
	index     int    // in an array, the element being read
}

// checkJSONShape scans body once, in place, before anything decodes it: it
// refuses nesting deeper than maxJSONDepth, more than maxJSONValues values,
// and strings or member names that are not valid UTF-8 (encoding/json would
// silently turn those bytes into U+FFFD). It allocates nothing on the way and
// tolerates malformed JSON, which the decoder reports afterwards with its
// line and column. Paths are JSON paths as sent ("params.brand", "decisions[2]").
func checkJSONShape(body []byte) *shapeProblem {
	var stack [maxJSONDepth]shapeFrame
	depth, values := 0, 0
	// value notes that a value starts at offset i, in whatever is open.
	value := func(i int) *shapeProblem {
		values++
		if depth > 0 && !stack[depth-1].object {
			stack[depth-1].index++
		}
		if values > maxJSONValues {
			return tooLarge(body, i, stack[:depth], fmt.Sprintf("the JSON body has more than %d values", maxJSONValues))
		}
		return nil
	}
	for i := 0; i < len(body); {
		switch ch := body[i]; {
		case ch == '"':
			end, bad := scanString(body, i+1)
			top := (*shapeFrame)(nil)
			if depth > 0 {
				top = &stack[depth-1]
			}
			isKey := top != nil && top.object && top.expectKey
			if isKey {
				top.key, top.expectKey = body[i+1:min(end, len(body))], false
			} else if p := value(i); p != nil {
				return p
			}
			if bad >= 0 {
				msg := "is not valid UTF-8; send text as UTF-8"
				if isKey {
					msg = "has a member name that is not valid UTF-8; send text as UTF-8"
				}
				line, col := lineCol(body, int64(bad))
				return &shapeProblem{status: http.StatusUnprocessableEntity,
					detail:  "the request has text the store cannot hold",
					problem: playbooks.Problem{Line: line, Column: col, Field: shapePath(stack[:depth]), Message: msg}}
			}
			i = end + 1
		case ch == '{' || ch == '[':
			if p := value(i); p != nil {
				return p
			}
			if depth == maxJSONDepth {
				return tooLarge(body, i, stack[:depth], fmt.Sprintf("the JSON body nests arrays and objects deeper than %d levels", maxJSONDepth))
			}
			stack[depth] = shapeFrame{object: ch == '{', expectKey: ch == '{', index: -1}
			depth++
			i++
		case ch == '}' || ch == ']':
			if depth > 0 {
				depth--
			}
			i++
		case ch == ',':
			if depth > 0 && stack[depth-1].object {
				stack[depth-1].expectKey = true
			}
			i++
		case ch == '-' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z':
			// A number or a literal: one value, however long.
			if p := value(i); p != nil {
				return p
			}
			for i < len(body) && isLiteralByte(body[i]) {
				i++
			}
		default:
			i++
		}
	}
	return nil
}

// scanString finds the closing quote of the string whose contents start at i
// and the offset of its first byte that is not valid UTF-8 (-1 for none).
func scanString(b []byte, i int) (end, bad int) {
	bad = -1
	for i < len(b) {
		switch c := b[i]; {
		case c == '"':
			return i, bad
		case c == '\\':
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 && bad < 0 {
				bad = i
			}
			i += size
		}
	}
	return len(b), bad
}

func isLiteralByte(c byte) bool {
	return c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func tooLarge(body []byte, off int, open []shapeFrame, detail string) *shapeProblem {
	line, col := lineCol(body, int64(off))
	return &shapeProblem{status: http.StatusRequestEntityTooLarge, detail: detail,
		problem: playbooks.Problem{Line: line, Column: col, Field: shapePath(open), Message: detail}}
}

// shapePath renders the open containers as a path to the value being read.
func shapePath(open []shapeFrame) string {
	var b []byte
	for _, f := range open {
		switch {
		case f.object && f.key != nil:
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, f.key...)
		case !f.object && f.index >= 0:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(f.index), 10)
			b = append(b, ']')
		}
	}
	if len(b) == 0 {
		return "body"
	}
	if !utf8.Valid(b) {
		b = []byte(strconv.Quote(string(b)))
	}
	return string(b)
}
