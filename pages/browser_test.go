package pages

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/pages/browsertest"
)

// serve answers every path with the sample page of that name, with the headers
// the server sends, so the browser applies the real CSP.
func serve(t *testing.T) string {
	t.Helper()
	pages := samples()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path[1:]]
		if !ok {
			http.NotFound(w, r)
			return
		}
		html, err := Render(p)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		SetHeaders(w.Header())
		_, _ = w.Write(html)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// Every page passes its accessibility checks on a phone, with hostile text in
// it, and the stylesheet applies under the CSP (its hash is right).
func TestPagesOnAPhone(t *testing.T) {
	base := serve(t)
	browser := browsertest.New(t)
	for name := range samples() {
		t.Run(name, func(t *testing.T) {
			b := browser.For(t)
			require.Equal(t, http.StatusOK, b.Open(base+"/"+name))
			assert.Empty(t, b.Accessibility())
			var bar string
			b.Eval(`getComputedStyle(document.querySelector(".bar")).backgroundColor`, &bar)
			assert.Equal(t, "rgb(20, 83, 45)", bar, "the inline stylesheet applies: the CSP allows its hash")
			var alerted bool
			b.Eval(`typeof window.alerted !== "undefined"`, &alerted)
			assert.False(t, alerted)
		})
	}
}

func TestApprovalPageKeyboardOrder(t *testing.T) {
	base := serve(t)
	b := browsertest.New(t)
	require.Equal(t, http.StatusOK, b.Open(base+"/approval"))
	var seen []string
	for range 30 {
		e := b.Tab()
		seen = append(seen, e.String())
		if e.Tag == "body" {
			break
		}
	}
	idx := func(want string) int {
		for i, s := range seen {
			if s == want {
				return i
			}
		}
		return -1
	}
	summary, comment := idx(`summary "Edit post 1"`), idx("textarea#comment")
	approve, reject := idx(`button[name=decision]=approve "Approve"`), idx(`button[name=decision]=reject "Reject"`)
	require.True(t, summary >= 0 && comment >= 0 && approve >= 0 && reject >= 0, "Tab reaches them all: %v", seen)
	assert.Less(t, summary, comment)
	assert.Equal(t, comment+1, approve, "the comment, then Approve: %v", seen)
	assert.Equal(t, approve+1, reject, "then Reject: %v", seen)

	// The editor opens from the keyboard, and its textarea is labelled.
	b.Eval(`document.querySelector("summary").focus()`, nil)
	b.Tap("summary")
	b.Fill("#post-0", "Reworded")
	assert.Equal(t, "Reworded", b.Value("#post-0"))
	assert.Empty(t, b.Accessibility())
}
