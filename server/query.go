package server

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
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
