package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// onlyQuery refuses query parameters a route does not know, with 400 naming
// them: a misspelt filter (`?clinet=acme`) must not silently list everything, and
// nothing a caller sends reaches a query unless it is on the route's list.
func onlyQuery(c *gin.Context, allowed ...string) bool {
	var unknown []string
	for k := range c.Request.URL.Query() {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return true
	}
	sort.Strings(unknown)
	sort.Strings(allowed)
	badRequest(c, fmt.Sprintf("unknown query parameter(s) %s; this route takes %s",
		strings.Join(unknown, ", "), strings.Join(allowed, ", ")))
	return false
}

// checkRequestText runs on every route, before authentication and the
// handler. Go's URL parsing silently drops a query pair it cannot read (one
// holding `;`, or a bad %-escape), so `?client=x;` would list every client:
// such a query is refused with 400 naming the parameter. Query and path
// parameters the store cannot hold (NUL, invalid UTF-8) are refused with 422
// naming them, as every other text a request carries is (text.go).
func checkRequestText() gin.HandlerFunc {
	return func(c *gin.Context) {
		if msg := rawQueryProblem(c.Request.URL.RawQuery); msg != "" {
			badRequest(c, msg)
			return
		}
		probs := valuesProblems("query parameter", c.Request.URL.Query())
		for _, p := range c.Params {
			if msg := unstorable(p.Value); msg != "" {
				probs = append(probs, playbooks.Problem{Field: p.Key, Message: "path parameter " + msg})
			}
		}
		if len(probs) > 0 {
			invalid(c, "the request's URL has values the API does not accept", probs...)
			return
		}
		c.Next()
	}
}

// rawQueryProblem says why Go would drop part of raw, or "" when it reads all of it.
func rawQueryProblem(raw string) string {
	for pair := range strings.SplitSeq(raw, "&") {
		name, value, _ := strings.Cut(pair, "=")
		shown, err := url.QueryUnescape(name)
		if err != nil {
			return fmt.Sprintf("query parameter %q is not properly %%-escaped: %v", name, err)
		}
		if strings.Contains(pair, ";") {
			return fmt.Sprintf("query parameter %q contains ';', which is not a separator here and would be dropped; escape it as %%3B", shown)
		}
		if _, err := url.QueryUnescape(value); err != nil {
			return fmt.Sprintf("query parameter %q has a value that is not properly %%-escaped: %v", shown, err)
		}
	}
	return ""
}

// errQueryRange marks a query value that is well-formed but outside what the
// API accepts (422), where a malformed one is 400.
var errQueryRange = errors.New("out of range")

// queryDuration reads a duration query parameter, at most maxQueryDuration.
func queryDuration(name, v string) (time.Duration, error) {
	d, err := playbooks.ParseDuration(v)
	switch {
	case errors.Is(err, playbooks.ErrDurationTooLong) || err == nil && d.Duration > maxQueryDuration:
		return 0, tooLongForQuery(name, v)
	case err != nil:
		return 0, err
	}
	return d.Duration, nil
}

// tooLongForQuery is the error of a duration in a query beyond maxQueryDuration.
func tooLongForQuery(name, v string) error {
	return fmt.Errorf("%s %q is longer than %s, the longest duration accepted here (give an RFC 3339 time instead): %w",
		name, v, playbooks.Duration{Duration: maxQueryDuration}, errQueryRange)
}

// badQueryValue answers a query parameter's error: 422 naming it when the
// value is out of range, else 400.
func badQueryValue(c *gin.Context, name string, err error) {
	if errors.Is(err, errQueryRange) {
		invalid(c, "the query has problems", playbooks.Problem{Field: name, Message: err.Error()})
		return
	}
	if !strings.Contains(err.Error(), name) {
		err = fmt.Errorf("%s: %w", name, err)
	}
	problem(c, http.StatusBadRequest, probBadRequest, "Bad request", err.Error())
}

// maxPageLimit is the largest page of the keyset-paged lists (campaigns,
// people), as the store allows.
const maxPageLimit = 200

// pageLimit reads a paged list's ?limit=, 0 when absent; false when it
// answered 400.
func pageLimit(c *gin.Context) (int, bool) {
	v := c.Query("limit")
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageLimit {
		badRequest(c, fmt.Sprintf("limit must be a whole number from 1 to %d", maxPageLimit))
		return 0, false
	}
	return n, true
}

// listFailed answers a paged list the store could not give: a page_token it
// did not issue is the caller's mistake (400), anything else is internal.
func (s *Server) listFailed(c *gin.Context, what string, err error) {
	if errors.Is(err, store.ErrInvalid) {
		badRequest(c, "page_token is not one this API issued")
		return
	}
	s.internal(c, "could not list "+what, err)
}
