// Package browsertest drives a real headless Chromium for tests: a phone-sized
// tab, navigation, clicks, taps, typing, reading text, keyboard focus, the
// page's own accessibility checks, and a screenshot with the page's HTML saved
// when a test fails. Tests of any package use it, including end-to-end tests
// against a running Greenlight.
//
// Chromium is found at $GREENLIGHT_CHROMIUM, /usr/bin/chromium, or on the PATH.
// Without one the test is skipped, and under CI=true it fails instead.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Phone is the viewport the pages are made for: 375 × 812 CSS pixels, touch.
const (
	PhoneWidth  = 375
	PhoneHeight = 812
)

// actionTimeout bounds every single step, so a page that never answers fails
// the test instead of hanging it.
const actionTimeout = 30 * time.Second

//go:embed checks.js
var checksJS string

// Browser is one headless Chromium with one tab, for one test.
type Browser struct {
	t   testing.TB
	ctx context.Context
}

// Element describes a focused element.
type Element struct {
	Tag   string `json:"tag"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
	Text  string `json:"text"`
}

// String reads like a CSS selector with the text: `button[name=decision]=approve "Approve"`.
func (e Element) String() string {
	s := e.Tag
	switch {
	case e.ID != "":
		s += "#" + e.ID
	case e.Name != "":
		s += "[name=" + e.Name + "]"
	}
	if e.Value != "" && e.Tag == "button" {
		s += "=" + e.Value
	}
	if e.Text != "" {
		s += fmt.Sprintf(" %q", e.Text)
	}
	return s
}

// Executable is the Chromium the tests drive, or "" when there is none.
func Executable() string {
	if p := os.Getenv("GREENLIGHT_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium with a fresh profile and a phone-sized tab. It
// stops when the test ends; if the test failed, the page is saved first.
func New(t testing.TB) *Browser {
	t.Helper()
	exe := Executable()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: browser tests are mandatory, and no chromium was found (apt-get install chromium)")
		}
		t.Skip("no chromium: install it (apt-get install chromium) or set GREENLIGHT_CHROMIUM")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Without these the browser reaches out on its own, and a closed
		// network refuses its connections.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first action starts the browser and binds it to the context it runs
	// with, so it runs with the browser's own, not with a step's timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(PhoneWidth, PhoneHeight, chromedp.EmulateScale(2),
		chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatalf("browser: could not start %s: %v", exe, err)
	}
	return (&Browser{ctx: ctx}).For(t)
}

// For is the same browser and tab, reporting to t: a subtest uses the browser
// its parent started through For(t), so its failures are its own, and its page
// is saved when it fails.
func (b *Browser) For(t testing.TB) *Browser {
	sub := &Browser{t: t, ctx: b.ctx}
	// Registered after the browser's own cleanup, so it runs first.
	t.Cleanup(func() {
		if t.Failed() {
			sub.Save("failure")
		}
	})
	return sub
}

func (b *Browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, actionTimeout)
}

func (b *Browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func run[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// navigation runs actions that load a page and returns its HTTP status.
func (b *Browser) navigation(actions ...chromedp.Action[chromedp.Void]) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return int(resp.Status)
}

// Open loads url and returns the HTTP status of the page.
func (b *Browser) Open(url string) int {
	b.t.Helper()
	return b.navigation(chromedp.Navigate(url))
}

// Submit clicks the element that sel (CSS) selects, which loads a new page (a
// form's button, a link), and returns the new page's HTTP status.
func (b *Browser) Submit(sel string) int {
	b.t.Helper()
	return b.navigation(chromedp.Click(chromedp.CSS(sel)))
}

// TapSubmit is Submit with a touch tap, as a phone sends it.
func (b *Browser) TapSubmit(sel string) int {
	b.t.Helper()
	return b.navigation(chromedp.Tap(chromedp.CSS(sel)))
}

// PressEnter presses Enter on the focused element (a button, a link), which
// loads a new page, and returns its HTTP status.
func (b *Browser) PressEnter() int {
	b.t.Helper()
	return b.navigation(chromedp.KeyEvent("\r"))
}

// Click clicks the element that sel (CSS) selects, when nothing loads after it.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(sel)))
}

// Tap taps the element that sel (CSS) selects, when nothing loads after it.
func (b *Browser) Tap(sel string) {
	b.t.Helper()
	b.do(chromedp.Tap(chromedp.CSS(sel)))
}

// Fill replaces the text of the input or textarea that sel selects by typing
// text into it, key by key.
func (b *Browser) Fill(sel, text string) {
	b.t.Helper()
	var found bool
	b.Eval(fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.value = ""; return true; })()`, sel), &found)
	if !found {
		b.t.Fatalf("browser: nothing matches %s", sel)
	}
	b.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Value is the current value of the input or textarea that sel selects.
func (b *Browser) Value(sel string) string {
	b.t.Helper()
	return run(b, chromedp.Value(chromedp.CSS(sel)))
}

// Text is the visible text of the element that sel selects.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return run(b, chromedp.Text(chromedp.CSS(sel)))
}

// Count is how many elements sel selects now.
func (b *Browser) Count(sel string) int {
	b.t.Helper()
	var n int
	b.Eval(fmt.Sprintf("document.querySelectorAll(%q).length", sel), &n)
	return n
}

// HTML is the page's current markup.
func (b *Browser) HTML() string {
	b.t.Helper()
	return run(b, chromedp.OuterHTML(chromedp.CSS("html")))
}

// URL is the page's address.
func (b *Browser) URL() string {
	b.t.Helper()
	return run(b, chromedp.Location())
}

// Eval evaluates a JavaScript expression in the page and decodes its result
// into out (a pointer; nil discards it).
func (b *Browser) Eval(expr string, out any) {
	b.t.Helper()
	raw := run(b, chromedp.Evaluate[[]byte](expr))
	if out == nil {
		return
	}
	if err := json.Unmarshal(raw, out); err != nil {
		b.t.Fatalf("browser: the result of %q: %v", expr, err)
	}
}

// Tab presses the Tab key and returns the element that has the focus after it.
func (b *Browser) Tab() Element {
	b.t.Helper()
	b.do(chromedp.KeyEvent("\t"))
	return b.Focused()
}

// Focused is the element that has the keyboard focus.
func (b *Browser) Focused() Element {
	b.t.Helper()
	var e Element
	b.Eval(`(() => { const el = document.activeElement || document.body;
		return {tag: el.tagName.toLowerCase(), id: el.id || "", name: el.getAttribute("name") || "",
			value: el.value === undefined ? "" : String(el.value).slice(0, 60),
			text: (el.tagName === "TEXTAREA" || el.tagName === "INPUT") ? "" : (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60)}; })()`, &e)
	return e
}

// Accessibility runs the page's checks: lang and <title> set, a viewport meta,
// an accessible name on every input, textarea, select, button, link and
// summary, a contrast of at least 4.5:1 between every visible text's colour and
// its background (from getComputedStyle), and no sideways scrolling. It returns
// the problems found, none when the page passes.
func (b *Browser) Accessibility() []string {
	b.t.Helper()
	var problems []string
	b.Eval(checksJS, &problems)
	return problems
}

// Save writes a screenshot of the whole page and its HTML under the test's
// artifact folder ($GREENLIGHT_BROWSER_ARTIFACTS if set, which is kept; else
// the test's ArtifactDir, kept with go test -artifacts), logs where, and
// returns the screenshot's path.
func (b *Browser) Save(name string) string {
	b.t.Helper()
	dir := os.Getenv("GREENLIGHT_BROWSER_ARTIFACTS")
	if dir == "" {
		dir = b.t.ArtifactDir()
	} else {
		dir = filepath.Join(dir, safeName(b.t.Name()))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("browser: could not save the page: %v", err)
		return ""
	}
	base := filepath.Join(dir, safeName(name))
	ctx, cancel := b.step()
	defer cancel()
	var saved []string
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		b.t.Logf("browser: no screenshot: %v", err)
	} else if err := os.WriteFile(base+".png", png, 0o644); err != nil {
		b.t.Logf("browser: could not write the screenshot: %v", err)
	} else {
		saved = append(saved, base+".png")
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil {
		b.t.Logf("browser: no HTML: %v", err)
	} else if err := os.WriteFile(base+".html", []byte(html), 0o644); err != nil {
		b.t.Logf("browser: could not write the HTML: %v", err)
	} else {
		saved = append(saved, base+".html")
	}
	if len(saved) == 0 {
		return ""
	}
	b.t.Logf("browser: saved the page: %s (kept with go test -artifacts, or under $GREENLIGHT_BROWSER_ARTIFACTS)", strings.Join(saved, ", "))
	return base + ".png"
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_")
}
