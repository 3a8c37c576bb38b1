package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestSpoofedForwardedForChangesNothing: no proxy is trusted, so a client cannot
// pick the address the API sees (logs, future rate limits) with a header.
func TestSpoofedForwardedForChangesNothing(t *testing.T) {
	s := New(Deps{})
	s.engine.GET("/test/ip", func(c *gin.Context) { c.String(http.StatusOK, c.ClientIP()) })
	req := httptest.NewRequest("GET", "/test/ip", nil)
	req.RemoteAddr = "203.0.113.7:4711"
	req.Header.Set("X-Forwarded-For", "10.0.0.1")
	req.Header.Set("X-Real-IP", "10.0.0.2")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if got := rec.Body.String(); got != "203.0.113.7" {
		t.Fatalf("client address %q: a forwarded header was trusted", got)
	}
}
