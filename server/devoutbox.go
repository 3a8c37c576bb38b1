package server

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/notify/email"
)

// The dev outbox is `greenlight dev`'s mail catcher: every email it would send
// is an .eml file under <data-dir>/outbox, listed at /dev/outbox, so a
// newcomer clicks from the "email" to the approval page without an SMTP
// server. The messages carry signed links, so the pages answer only requests
// from this machine, addressed to this machine (a page elsewhere cannot
// rebind a name to reach them).

// maxOutboxShown bounds the list: a long-running dev instance keeps every
// message it sent.
const maxOutboxShown = 200

func (s *Server) devOutboxRoutes(e *gin.Engine) {
	g := e.Group("/dev/outbox", localOnly())
	g.GET("", s.outboxList)
	g.GET("/:file", s.outboxMessage)
	g.GET("/:file/html", s.outboxHTML)
}

// localOnly refuses a request that does not come from, and name, this machine.
func localOnly() gin.HandlerFunc {
	return func(c *gin.Context) {
		host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
		ip := net.ParseIP(host)
		name := c.Request.Host
		if h, _, err := net.SplitHostPort(name); err == nil {
			name = h
		}
		nameIP := net.ParseIP(name)
		if err != nil || ip == nil || !ip.IsLoopback() || !(name == "localhost" || nameIP != nil && nameIP.IsLoopback()) {
			problem(c, http.StatusForbidden, probForbidden, "Forbidden", "the dev outbox is shown only to this machine, at a loopback address")
			c.Abort()
			return
		}
		c.Next()
	}
}

func (s *Server) outboxList(c *gin.Context) {
	list, total, err := email.List(s.outbox, maxOutboxShown)
	if err != nil {
		s.internal(c, "could not list the outbox", err)
		return
	}
	more := total - len(list)
	s.writeDevPage(c, http.StatusOK, outboxListTemplate, map[string]any{"Items": list, "More": more, "Dir": s.outbox})
}

// outboxMail is one message opened: its headers, its text part, and whether
// it has an HTML part to show.
type outboxMail struct {
	File, From, To, Subject, Date, MessageID, InReplyTo, Text string
	HTML                                                      bool
}

func (s *Server) outboxMessage(c *gin.Context) {
	raw, ok := s.readOutbox(c)
	if !ok {
		return
	}
	if c.Query("raw") == "1" {
		c.Header("Content-Disposition", `attachment; filename="`+c.Param("file")+`"`)
		c.Data(http.StatusOK, "message/rfc822", raw)
		return
	}
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		s.internal(c, "could not read the message", err)
		return
	}
	text, html := mailParts(m)
	var dec mime.WordDecoder
	header := func(k string) string {
		v, err := dec.DecodeHeader(m.Header.Get(k))
		if err != nil {
			return m.Header.Get(k)
		}
		return v
	}
	s.writeDevPage(c, http.StatusOK, outboxMessageTemplate, outboxMail{
		File: c.Param("file"), From: header("From"), To: header("To"), Subject: header("Subject"),
		Date: header("Date"), MessageID: header("Message-ID"), InReplyTo: header("In-Reply-To"),
		Text: text, HTML: html != "",
	})
}

// outboxHTML serves a message's HTML part as its own document, shown in a
// sandboxed frame: it may style itself, run nothing, and its links open in
// the whole window, as a mail client opens them.
func (s *Server) outboxHTML(c *gin.Context) {
	raw, ok := s.readOutbox(c)
	if !ok {
		return
	}
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		s.internal(c, "could not read the message", err)
		return
	}
	_, html := mailParts(m)
	if html == "" {
		notFound(c, "this message has no HTML part")
		return
	}
	html = strings.Replace(html, "<head>", `<head><base target="_top">`, 1)
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox allow-top-navigation-by-user-activation allow-popups")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(html))
}

func (s *Server) readOutbox(c *gin.Context) ([]byte, bool) {
	raw, err := email.Read(s.outbox, c.Param("file"))
	if errors.Is(err, fs.ErrNotExist) {
		notFound(c, "no message "+c.Param("file")+" in the outbox")
		return nil, false
	}
	if err != nil {
		s.internal(c, "could not read the outbox", err)
		return nil, false
	}
	return raw, true
}

// mailParts returns the text and HTML parts of a message (multipart or not),
// decoded from their transfer encoding.
func mailParts(m *netmail.Message) (text, html string) {
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return "", ""
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		body := decodePart(m.Header.Get("Content-Transfer-Encoding"), m.Body)
		if mediaType == "text/html" {
			return "", body
		}
		return body, ""
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err != nil {
			return text, html
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case strings.HasPrefix(pt, "multipart/"):
			t, h := mailParts(&netmail.Message{Header: netmail.Header{"Content-Type": {p.Header.Get("Content-Type")}}, Body: p})
			text, html = firstOf(text, t), firstOf(html, h)
		case pt == "text/plain" && text == "":
			text = decodePart(p.Header.Get("Content-Transfer-Encoding"), p)
		case pt == "text/html" && html == "":
			html = decodePart(p.Header.Get("Content-Transfer-Encoding"), p)
		}
	}
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func decodePart(encoding string, r io.Reader) string {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, _ := io.ReadAll(io.LimitReader(r, 4<<20))
	return string(b)
}

func (s *Server) writeDevPage(c *gin.Context, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		s.internal(c, "could not render the page", err)
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; frame-ancestors 'none'")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

var devFuncs = template.FuncMap{"when": func(t time.Time) string { return t.Local().Format("Mon 2 Jan 15:04:05") }}

var outboxListTemplate = template.Must(template.New("outbox").Funcs(devFuncs).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Dev outbox · Greenlight</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
a { color: #0a4fa8; }
.muted { color: #555; font-size: .9rem; }
</style>
</head>
<body>
<h1>Dev outbox</h1>
<p class="muted">Every email <code>greenlight dev</code> would have sent, newest first, kept as .eml files in {{.Dir}}. Open one and click its links as the recipient would.</p>
{{if .Items}}
<table>
<thead><tr><th scope="col">When</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Kind</th></tr></thead>
<tbody>
{{range .Items}}<tr><td>{{when .Date}}</td><td>{{.To}}</td><td><a href="/dev/outbox/{{.File}}">{{.Subject}}</a></td><td>{{.Kind}}</td></tr>
{{end}}</tbody>
</table>
{{if .More}}<p class="muted">and {{.More}} older messages, in the folder.</p>{{end}}
{{else}}<p>No messages yet. Add a person with an email address for a client (<code>greenlight people create</code>) and launch a campaign for that client.</p>{{end}}
</body>
</html>`))

var outboxMessageTemplate = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Subject}} · Dev outbox</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; color: #1a1a1a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
iframe { width: 100%; height: 70vh; border: 1px solid #ccc; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f5f5f5; padding: .75rem; }
a { color: #0a4fa8; }
</style>
</head>
<body>
<p><a href="/dev/outbox">← Outbox</a> · <a href="/dev/outbox/{{.File}}?raw=1">Download .eml</a></p>
<h1>{{.Subject}}</h1>
<dl>
<dt>From</dt><dd>{{.From}}</dd>
<dt>To</dt><dd>{{.To}}</dd>
<dt>Date</dt><dd>{{.Date}}</dd>
<dt>Message-ID</dt><dd>{{.MessageID}}</dd>
{{if .InReplyTo}}<dt>In-Reply-To</dt><dd>{{.InReplyTo}}</dd>{{end}}
</dl>
{{if .HTML}}<h2>As the recipient sees it</h2>
<iframe title="The message as HTML" src="/dev/outbox/{{.File}}/html" sandbox="allow-top-navigation-by-user-activation allow-popups"></iframe>{{end}}
<h2>Plain text</h2>
<pre>{{.Text}}</pre>
</body>
</html>`))
