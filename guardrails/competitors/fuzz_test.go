package competitors_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/greenlight/greenlight/guardrails/competitors"
)

var xHandle = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)

// xPages are x.com paths that are the site's own pages: x.com/i is not @i.
var xPages = map[string]bool{
	"home": true, "explore": true, "search": true, "hashtag": true, "notifications": true, "messages": true,
	"settings": true, "compose": true, "share": true, "login": true, "logout": true, "signup": true,
	"tos": true, "privacy": true, "about": true, "download": true, "jobs": true, "i": true, "intent": true,
}

// FuzzRead: whatever is written, reading it and scanning it as text neither
// panics nor reports a target that is not in the text as written.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"@RivalCo", "https://x.com/RivalCo/status/1?s=20#x", "＠ＲｉｖａｌＣｏ", "https://mastodon.social/@a@b.example/1",
		"https://xn--rivalc-6ve.com/", "bsky.app/profile/did:plc:abc/post/1", "see rivalco.com/x, mail a@rivalco.com!",
		"http://[::1]:80/@x", "%", "https://x.com/%zz", "@", "@@", "a\u200b@b", "\xff@rivalco",
	} {
		f.Add(s)
	}
	g := competitors.New([]competitors.Competitor{{Name: "RivalCo",
		Accounts: map[string][]string{"x": {"@RivalCo"}, "mastodon": {"@rivalco@mastodon.social"}}, Domains: []string{"rivalco.com"}}})
	f.Fuzz(func(t *testing.T, s string) {
		tg := competitors.Read(s)
		if tg.Account != "" && strings.ToLower(tg.Account) != tg.Account {
			t.Fatalf("Read(%q).Account = %q is not folded", s, tg.Account)
		}
		if strings.ContainsAny(tg.Account+tg.Host+tg.Domain, " \t\n") {
			t.Fatalf("Read(%q) = %+v holds white space", s, tg)
		}
		g.Check(s)
		for _, fd := range g.Text(s) {
			if !strings.Contains(s, fd.Target) || fd.Target == "" {
				t.Fatalf("Text(%q) reports %q, which is not in the text", s, fd.Target)
			}
		}
	})
}

// FuzzHandlesMatchExactly: an x handle is reached in every form it can be
// written, and a different handle is never reached.
func FuzzHandlesMatchExactly(f *testing.F) {
	f.Add("RivalCo", "rivalcollective")
	f.Add("a", "a_")
	f.Add("rival_co", "rivalco")
	f.Fuzz(func(t *testing.T, h, other string) {
		if !xHandle.MatchString(h) {
			return
		}
		g := competitors.New([]competitors.Competitor{{Name: "them", Accounts: map[string][]string{"x": {"@" + h}}}})
		forms := []string{"@" + h, h, strings.ToUpper(h), toFullwidth("@" + h)}
		if !xPages[strings.ToLower(h)] {
			forms = append(forms, "https://x.com/"+h, "x.com/"+strings.ToUpper(h)+"/",
				"https://mobile.twitter.com/"+h+"?s=1", "https://x.com/"+h+"/status/42")
		}
		for _, w := range forms {
			if _, blocked, _ := g.Check(w); !blocked {
				t.Fatalf("%q is not blocked for @%s", w, h)
			}
		}
		if fs := g.Text("hi @" + h + "!"); len(fs) != 1 || !fs[0].Blocked {
			t.Fatalf("a tag of @%s in text is not blocked: %+v", h, fs)
		}
		if !xHandle.MatchString(other) || strings.EqualFold(other, h) {
			return
		}
		for _, w := range []string{"@" + other, "https://x.com/" + other, "x.com/" + other + "/status/1"} {
			if m, blocked, _ := g.Check(w); blocked {
				t.Fatalf("%q is blocked for @%s: %+v", w, h, m)
			}
		}
		if fs := g.Text("hi @" + other + " and @" + h + other); len(fs) != 0 {
			t.Fatalf("look-alikes of @%s in text are blocked: %+v", h, fs)
		}
	})
}

// toFullwidth writes ASCII in its fullwidth forms (＠ＲｉｖａｌＣｏ).
func toFullwidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > ' ' && r < utf8.RuneSelf {
			r += 0xFEE0
		}
		b.WriteRune(r)
	}
	return b.String()
}
