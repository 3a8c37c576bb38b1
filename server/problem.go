package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// Problem is an RFC 9457 problem document; every error the API returns is one.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Errors []playbooks.Problem `json:"errors,omitempty"`
	// RequestID matches the X-Request-Id header and the request's log lines.
	RequestID string `json:"request_id,omitempty"`
	// Conflict says which account a launch may not hold, and why.
	Conflict *api.HoldConflict `json:"conflict,omitempty"`
}

const problemContentType = "application/problem+json"

// Problem types, relative URIs documented in docs/api.md.
const (
	probBadRequest  = "/problems/bad-request"
	probValidation  = "/problems/validation"
	probNotFound    = "/problems/not-found"
	probConflict    = "/problems/conflict"
	probUnavailable = "/problems/unavailable"
	probInternal    = "/problems/internal"
)

func problem(c *gin.Context, status int, typ, title, detail string, errs ...playbooks.Problem) {
	b, err := json.Marshal(Problem{Type: typ, Title: title, Status: status, Detail: detail, Errors: errs, RequestID: requestIDOf(c)})
	if err != nil {
		b = []byte(`{"type":"/problems/internal","title":"Internal error","status":500}`)
	}
	c.Abort()
	c.Data(status, problemContentType, b)
}

func invalid(c *gin.Context, detail string, errs ...playbooks.Problem) {
	problem(c, http.StatusUnprocessableEntity, probValidation, "Validation failed", detail, errs...)
}

func notFound(c *gin.Context, detail string) {
	problem(c, http.StatusNotFound, probNotFound, "Not found", detail)
}

func badRequest(c *gin.Context, detail string) {
	problem(c, http.StatusBadRequest, probBadRequest, "Bad request", detail)
}

func conflict(c *gin.Context, detail string) {
	problem(c, http.StatusConflict, probConflict, "Conflict", detail)
}

func unavailable(c *gin.Context, detail string) {
	problem(c, http.StatusServiceUnavailable, probUnavailable, "Service unavailable", detail)
}

// retryAfterStore is what a caller is told to wait while the database is out of reach.
const retryAfterStore = 5 * time.Second

// internal hides the cause from the caller but logs it. A database that cannot be
// reached is not a defect: that answers 503 with Retry-After, so clients and load
// balancers wait and retry.
func (s *Server) internal(c *gin.Context, msg string, err error) {
	s.log.ErrorContext(c.Request.Context(), msg, "error", err, "path", c.Request.URL.Path)
	if store.Unavailable(err) {
		refuseUnavailable(retryAfterStore, "%s: the database is not reachable; try again", msg).write(c)
		return
	}
	problem(c, http.StatusInternalServerError, probInternal, "Internal error", msg)
}

// invalidFrom turns a playbooks.InvalidError into a 422 listing every problem.
func invalidFrom(c *gin.Context, detail string, err error) bool {
	var ie *playbooks.InvalidError
	if errors.As(err, &ie) {
		invalid(c, detail, ie.Problems...)
		return true
	}
	return false
}
