package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"

	"github.com/gin-gonic/gin"
)

// Every request has an id: the caller's X-Request-Id when it is a sane token
// (so a trace spans a proxy and the API), else a fresh one. It is echoed in the
// response header, put in every problem document, and on every log line of the
// request, so a user's error report leads straight to the logs.

const requestIDHeader = "X-Request-Id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type requestIDKey struct{}

func (s *Server) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !requestIDPattern.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Header(requestIDHeader, id)
		c.Set(requestIDCtxKey, id)
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
		c.Next()
	}
}

const requestIDCtxKey = "request_id"

// requestIDOf is the id of the request c serves ("" outside a request).
func requestIDOf(c *gin.Context) string { return c.GetString(requestIDCtxKey) }

// requestIDFrom is the id of the request ctx comes from ("" for none), for
// work that holds only the context (a decision, a Slack click's).
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestLogHandler adds the request id to every record logged with a request's
// context, whichever logger call made it.
type requestLogHandler struct{ slog.Handler }

func (h requestLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestLogHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestLogHandler) WithGroup(name string) slog.Handler {
	return requestLogHandler{h.Handler.WithGroup(name)}
}
