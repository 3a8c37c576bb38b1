package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/store"
)

// Problem types of decisions and signed links (the general ones are in problem.go).
const (
	probForbidden   = "/problems/forbidden"
	probLinkInvalid = "/problems/link-invalid"
	probLinkExpired = "/problems/link-expired"
	probLinkUsed    = "/problems/link-used"
)

// refusal is why a decision was not taken, kept as a value: a single decision
// answers it as its problem, a bulk decision reports it as one item's outcome.
type refusal struct {
	Problem
	retryAfter time.Duration // > 0: the caller may try again after this long
}

func refuse(status int, typ, title, format string, a ...any) *refusal {
	return &refusal{Problem: Problem{Type: typ, Title: title, Status: status, Detail: fmt.Sprintf(format, a...)}}
}

func refuseNotFound(format string, a ...any) *refusal {
	return refuse(http.StatusNotFound, probNotFound, "Not found", format, a...)
}

func refuseConflict(format string, a ...any) *refusal {
	return refuse(http.StatusConflict, probConflict, "Conflict", format, a...)
}

func refuseForbidden(format string, a ...any) *refusal {
	return refuse(http.StatusForbidden, probForbidden, "Forbidden", format, a...)
}

func refuseInvalid(format string, a ...any) *refusal {
	return refuse(http.StatusUnprocessableEntity, probValidation, "Validation failed", format, a...)
}

func refuseInternal(format string, a ...any) *refusal {
	return refuse(http.StatusInternalServerError, probInternal, "Internal error", format, a...)
}

// refuseStore is a failed read or write: 503 while the database is out of reach,
// else 500.
func refuseStore(err error, msg string) *refusal {
	if store.Unavailable(err) {
		return refuseUnavailable(retryAfterStore, "%s: the database is not reachable; try again", msg)
	}
	return refuseInternal("%s", msg)
}

// refuseUnavailable says the decision could not be taken now and may be tried again.
func refuseUnavailable(retryAfter time.Duration, format string, a ...any) *refusal {
	r := refuse(http.StatusServiceUnavailable, probUnavailable, "Service unavailable", format, a...)
	r.retryAfter = retryAfter
	return r
}

// write answers the request with the refusal as application/problem+json.
func (r *refusal) write(c *gin.Context) {
	if r.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((r.retryAfter+time.Second-1)/time.Second)))
	}
	problem(c, r.Status, r.Type, r.Title, r.Detail, r.Errors...)
}

// transient reports whether trying again later may succeed.
func (r *refusal) transient() bool { return r.Status >= 500 }
