package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/pages"
	"github.com/greenlight/greenlight/preview"
)

// The pages people reach through signed links (package pages renders them):
// an approval, what became of it, an inbox, a campaign's timeline. GET only
// shows; every change is a POST from the page's own form, so the link
// scanners of mail and chat, which fetch every URL in a message, decide nothing.

// pageLayout is how times read on the pages, as package preview writes them.
const pageLayout = "Mon 2 Jan 15:04 MST"

// renderPage writes p with the pages' headers: no caching, no referrer (the
// token is in the URL), no framing, a CSP that runs no script.
func (s *Server) renderPage(c *gin.Context, status int, p pages.Page) {
	html, err := pages.Render(p)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "could not render a page", "error", err)
		c.Abort()
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("could not render the page"))
		return
	}
	pages.SetHeaders(c.Writer.Header())
	c.Abort()
	c.Data(status, "text/html; charset=utf-8", html)
}

// renderRefusal shows a refusal as a page that says what is wrong.
func (s *Server) renderRefusal(c *gin.Context, r *refusal) {
	s.renderPage(c, r.Status, pages.Message{Heading: r.Title, Text: r.Detail})
}

// readable is an approval as the pages show it.
func readable(v api.ApprovalView) preview.Approval { return preview.Of(v, time.UTC) }

// pageTime is a time as the pages show it.
func pageTime(t time.Time) string { return t.UTC().Format(pageLayout) }

// pageTimeOf is pageTime of an optional time; "" for none.
func pageTimeOf(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return pageTime(*t)
}
