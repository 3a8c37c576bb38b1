// Package pages renders the pages people reach through signed links: one
// approval, what became of it, a person's inbox and a campaign's timeline. They
// are made for a phone: server-rendered, no script, one small stylesheet inlined
// under a Content-Security-Policy hash, nothing fetched from anywhere else.
// The server builds each page's data from package preview and writes it here.
package pages

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed style.css
var styleCSS string

// MaxPostText bounds the text of one edited post, in characters.
const MaxPostText = 5000

// MaxComment bounds a comment, in characters (the forms say so too).
const MaxComment = 2000

// Page is the data of one page; each type in models.go is one.
type Page interface {
	file() string
	// Title is the page's <title>.
	Title() string
}

var funcs = template.FuncMap{
	// The stylesheet is ours and its hash is in the CSP; template.CSS keeps it
	// byte for byte, so the hash matches.
	"css":  func() template.CSS { return template.CSS(styleCSS) },
	"inc":  func(i int) int { return i + 1 },
	"join": strings.Join,
	"when": func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 15:04 MST") },
	"count": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	},
}

var templates = parse("approval.html", "done.html", "message.html", "inbox.html", "bulk.html", "timeline.html", "codec.html")

func parse(names ...string) map[string]*template.Template {
	out := make(map[string]*template.Template, len(names))
	for _, n := range names {
		out[n] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", "templates/"+n))
	}
	return out
}

// styleHash is the CSP source that allows the inline stylesheet and nothing else.
var styleHash = func() string {
	sum := sha256.Sum256([]byte(styleCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// ContentSecurityPolicy allows the page's own stylesheet and its forms posting
// back to this server; no script, no image, no frame, nothing from elsewhere.
var ContentSecurityPolicy = "default-src 'none'; style-src " + styleHash +
	"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// SetHeaders sets the headers every page goes out with: the token in the URL
// must not leak through a Referer or a cache, and the page is never framed.
func SetHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
}

// Render writes p as HTML. html/template escapes every value, so hostile text
// in a preview, a comment or a name shows as text.
func Render(p Page) ([]byte, error) {
	t, ok := templates[p.file()]
	if !ok {
		return nil, fmt.Errorf("pages: no template %s", p.file())
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("pages: unable to render %s: %w", p.file(), err)
	}
	return buf.Bytes(), nil
}
