package browsertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const badPage = `<!doctype html><html><head><meta charset="utf-8"><title>Bad</title></head>
<body><p style="color:#bbbbbb">pale text</p><input id="q"><button></button>
<div style="width:1200px">too wide</div></body></html>`

const goodPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Good</title></head>
<body><p>dark text</p><form method="post" action="/post"><label for="q">Query</label><input id="q" name="q"><button id="go">Go</button></form></body></html>`

func serve(t *testing.T) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/bad":
			_, _ = w.Write([]byte(badPage))
		case "/good":
			_, _ = w.Write([]byte(goodPage))
		default:
			_ = r.ParseForm()
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>Teapot</title><p>` + r.Method + `</p></html>`))
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// The checks find what they are for: a test that relies on them can fail.
func TestAccessibilityFindsProblems(t *testing.T) {
	base := serve(t)
	b := New(t)
	require.Equal(t, http.StatusOK, b.Open(base+"/bad"))
	problems := strings.Join(b.Accessibility(), "\n")
	for _, want := range []string{
		"the page has no lang",
		"no viewport meta",
		"no accessible name: input#q",
		"no accessible name: button",
		"contrast 1.92 < 4.5: p (pale text)",
		"scrolls sideways",
	} {
		assert.Contains(t, problems, want)
	}

	require.Equal(t, http.StatusOK, b.Open(base+"/good"))
	assert.Empty(t, b.Accessibility())
	b.Fill("#q", "typed")
	assert.Equal(t, "typed", b.Value("#q"))
	assert.Equal(t, "button#go \"Go\"", b.Tab().String(), "after the input, the button")
	assert.Equal(t, "dark text", b.Text("p"))
	assert.Equal(t, 1, b.Count("input"))
	assert.Contains(t, b.HTML(), `<label for="q">Query</label>`)

	// A form post answers with the next page's status.
	assert.Equal(t, http.StatusTeapot, b.Submit("#go"))
	assert.Equal(t, "POST", b.Text("p"))
}

func TestSaveWritesTheScreenshotAndTheHTML(t *testing.T) {
	base := serve(t)
	t.Setenv("GREENLIGHT_BROWSER_ARTIFACTS", t.TempDir())
	b := New(t)
	require.Equal(t, http.StatusOK, b.Open(base+"/good"))
	png := b.Save("good page")
	require.NotEmpty(t, png)
	raw, err := os.ReadFile(png)
	require.NoError(t, err)
	assert.Equal(t, "\x89PNG", string(raw[:4]))
	html, err := os.ReadFile(strings.TrimSuffix(png, ".png") + ".html")
	require.NoError(t, err)
	assert.Contains(t, string(html), "dark text")
}
