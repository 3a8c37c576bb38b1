package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// DefaultReportWindow is how far back a report reaches without `since`: a
// month shows a pattern without burying this week under last quarter.
const DefaultReportWindow = 30 * 24 * time.Hour

// approvalsReport is the "let go" report: per client and approver, how long
// decisions took, how often silence decided, and what the waiting cost. The
// figures and their definitions are api.ApprovalReport's.
func (s *Server) approvalsReport(c *gin.Context) {
	if !onlyQuery(c, "client", "since", "until") {
		return
	}
	now := time.Now().UTC()
	until, ok := reportBound(c, "until", now, now)
	if !ok {
		return
	}
	since, ok := reportBound(c, "since", now.Add(-DefaultReportWindow), now)
	if !ok {
		return
	}
	if !since.Before(until) {
		badRequest(c, fmt.Sprintf("since (%s) must be before until (%s)", since.Format(time.RFC3339), until.Format(time.RFC3339)))
		return
	}
	rep, err := s.store.ApprovalReport(c.Request.Context(), store.ApprovalReportFilter{
		ClientID: c.Query("client"), Since: since, Until: until,
		ClientIDs: scopeFilter(c.Request.Context(), c.Query("client")),
	})
	if err != nil {
		s.internal(c, "could not build the approvals report", err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

// reportBound reads the query parameter name as a report bound, def when it
// is absent; a malformed one is answered with a 400 naming the parameter.
func reportBound(c *gin.Context, name string, def, now time.Time) (time.Time, bool) {
	raw, present := c.GetQuery(name)
	if !present || strings.TrimSpace(raw) == "" {
		return def, true
	}
	t, err := parseReportTime(raw, now)
	if err != nil {
		badQueryValue(c, name, err)
		return time.Time{}, false
	}
	return t, true
}

// parseReportTime reads a report bound (see playbooks.ParseTimeAgo); a
// duration back from now is at most maxQueryDuration (a longer one wraps
// errQueryRange).
func parseReportTime(s string, now time.Time) (time.Time, error) {
	t, ago, err := playbooks.ParseTimeAgo(s, now)
	if errors.Is(err, playbooks.ErrDurationTooLong) || err == nil && ago.Duration > maxQueryDuration {
		return time.Time{}, tooLongForQuery("the duration", strings.TrimSpace(s))
	}
	return t, err
}
