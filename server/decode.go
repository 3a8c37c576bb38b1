package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
		badRequest(c, "could not read the body: "+err.Error())
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
		badRequest(c, "invalid JSON body: "+describeJSONError(body, err))
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
	if probs := textProblems(dst, true); len(probs) > 0 {
		invalid(c, "the request has values the API does not accept", probs...)
		return false
	}
	return true
}

// describeJSONError says what is wrong with a JSON body and, when the error
// has a place, its line and column.
func describeJSONError(body []byte, err error) string {
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
		line, col := lineCol(body, typ.Offset)
		return fmt.Sprintf("line %d, column %d: field %q must be %s, not %s", line, col, typ.Field, typ.Type, typ.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
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
