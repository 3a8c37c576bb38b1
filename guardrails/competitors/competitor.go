// Package competitors is the competitor guardrail: who a client's competitors
// are (accounts on each platform, domains, a name), every way a target can be
// written that reaches one of them, and which inputs of an outreach or
// publishing action it strikes. It is pure: the playbook language validates
// competitor lists with it, and the activities apply it before any connector
// acts.
package competitors

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Competitor is one of a client's competitors.
type Competitor struct {
	// Name is how records name it ("RivalCo"); a competitor written as a bare
	// handle is named by that handle.
	Name string `json:"name"`
	// Accounts lists its accounts per platform (see Platforms), as written.
	Accounts map[string][]string `json:"accounts,omitempty"`
	// Domains are its web domains; any subdomain is theirs too.
	Domains []string `json:"domains,omitempty"`
	// Handle is set for a competitor written the old way, as one handle with no
	// platform ("@RivalCo"): it is every account of that name, on any platform.
	Handle string `json:"handle,omitempty"`
}

// Problem is one thing wrong with a competitor list. Field is relative to the
// list ("[1].accounts.x[0]"); the caller puts the parameter's path before it.
type Problem struct {
	Field   string
	Message string
}

// MaxCompetitors bounds a list, and MaxEntries the accounts and domains of one
// competitor: each is checked against every target of every guarded action.
const (
	MaxCompetitors = 100
	MaxEntries     = 100
)

// Parse reads a competitor list as a playbook default or a launch gives it:
// each entry either a string (a handle or profile URL, as lists were always
// written) or an object {name, accounts: {platform: [...]}, domains: [...]}.
// It reports every problem, each naming its entry and why.
func Parse(list []any) ([]Competitor, []Problem) {
	var out []Competitor
	var probs []Problem
	add := func(field, format string, args ...any) {
		probs = append(probs, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(list) > MaxCompetitors {
		add("", "lists %d competitors; the limit is %d", len(list), MaxCompetitors)
		return nil, probs
	}
	for i, raw := range list {
		f := fmt.Sprintf("[%d]", i)
		switch v := raw.(type) {
		case string:
			c, msg := parseHandle(v)
			if msg != "" {
				add(f, "%s", msg)
				continue
			}
			out = append(out, c)
		case map[string]any:
			c, ps := parseObject(f, v)
			probs = append(probs, ps...)
			if len(ps) == 0 {
				out = append(out, c)
			}
		default:
			add(f, "must be a handle such as \"@rivalco\" or an object {name, accounts, domains}, not %s", Describe(raw))
		}
	}
	return out, probs
}

// parseHandle reads a competitor written the old way: a handle, or a profile
// URL or Mastodon address, which names the platform as well.
func parseHandle(s string) (Competitor, string) {
	if strings.TrimSpace(s) == "" {
		return Competitor{}, "is empty: write a handle such as \"@rivalco\""
	}
	t := Read(s)
	switch {
	case t.Kind == KindHandle:
		return Competitor{Name: strings.TrimSpace(s), Handle: strings.TrimSpace(s)}, ""
	case t.Kind == KindAccount:
		return Competitor{Name: strings.TrimSpace(s), Accounts: map[string][]string{t.Platform: {strings.TrimSpace(s)}}}, ""
	case t.Kind == KindPost:
		return Competitor{}, fmt.Sprintf("%q is a post, not an account: give the account (its profile URL or handle)", s)
	case t.Kind == KindLink:
		return Competitor{}, fmt.Sprintf("%q is a link, not an account: list a competitor's site as {name: …, domains: [%s]}", s, t.Host)
	}
	return Competitor{}, fmt.Sprintf("%q is not a handle (letters, digits, _ . -) or a profile URL", s)
}

var objectKeys = []string{"name", "accounts", "domains"}

func parseObject(f string, m map[string]any) (Competitor, []Problem) {
	var probs []Problem
	add := func(field, format string, args ...any) {
		probs = append(probs, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(objectKeys, k) {
			add(f+"."+k, "a competitor takes %s, not %q", strings.Join(objectKeys, ", "), k)
		}
	}
	var c Competitor
	switch name := m["name"].(type) {
	case string:
		if c.Name = strings.TrimSpace(name); c.Name == "" {
			add(f+".name", "is empty: name the competitor, such as RivalCo")
		}
	case nil:
		add(f+".name", "is required: name the competitor, such as RivalCo")
	default:
		add(f+".name", "must be text, not %s", Describe(name))
	}
	switch accs := m["accounts"].(type) {
	case nil:
	case map[string]any:
		c.Accounts = map[string][]string{}
		for _, p := range slices.Sorted(maps.Keys(accs)) {
			pf := f + ".accounts." + p
			if !slices.Contains(Platforms, p) {
				add(pf, "%q is not a platform; use %s", p, strings.Join(Platforms, ", "))
				continue
			}
			list, ok := accs[p].([]any)
			if !ok {
				add(pf, "must be a list of accounts, such as [%q], not %s", example[p], Describe(accs[p]))
				continue
			}
			if len(list) > MaxEntries {
				add(pf, "lists %d accounts; the limit is %d", len(list), MaxEntries)
				continue
			}
			for j, a := range list {
				af := fmt.Sprintf("%s[%d]", pf, j)
				s, ok := a.(string)
				if !ok {
					add(af, "must be text such as %q, not %s", example[p], Describe(a))
					continue
				}
				if msg := checkAccount(p, s); msg != "" {
					add(af, "%s", msg)
					continue
				}
				c.Accounts[p] = append(c.Accounts[p], strings.TrimSpace(s))
			}
		}
	default:
		add(f+".accounts", "must be an object of platform to accounts, such as {x: [\"@rivalco\"]}, not %s", Describe(accs))
	}
	switch doms := m["domains"].(type) {
	case nil:
	case []any:
		if len(doms) > MaxEntries {
			add(f+".domains", "lists %d domains; the limit is %d", len(doms), MaxEntries)
			break
		}
		for j, d := range doms {
			df := fmt.Sprintf("%s.domains[%d]", f, j)
			s, ok := d.(string)
			if !ok {
				add(df, "must be a domain such as rivalco.com, not %s", Describe(d))
				continue
			}
			dom, msg := checkDomain(s)
			if msg != "" {
				add(df, "%s", msg)
				continue
			}
			c.Domains = append(c.Domains, dom)
		}
	default:
		add(f+".domains", "must be a list of domains, such as [rivalco.com], not %s", Describe(doms))
	}
	if len(probs) == 0 && len(c.Accounts) == 0 && len(c.Domains) == 0 {
		add(f, "names no account and no domain, so it would block nothing: give accounts or domains")
	}
	return c, probs
}

// example is an account as each platform writes it, for messages.
var example = map[string]string{
	X: "@rivalco", Mastodon: "@rivalco@mastodon.social", Bluesky: "rivalco.bsky.social",
	LinkedIn: "company/rivalco", Instagram: "@rivalco", Facebook: "rivalco", TikTok: "@rivalco", YouTube: "@rivalco",
}

// checkAccount says what is wrong with an account listed under platform p.
func checkAccount(p, s string) string {
	if strings.TrimSpace(s) == "" {
		return fmt.Sprintf("is empty: write the account, such as %q", example[p])
	}
	t := readAccount(p, s)
	switch {
	case t.Kind == KindAccount && t.Platform == p:
		return ""
	case t.Kind == KindPost:
		return fmt.Sprintf("%q is a post, not an account: give the account, such as %q", s, example[p])
	case t.Kind == KindAccount:
		return fmt.Sprintf("%q is an account on %s, not on %s: list it under %s", s, t.Platform, p, t.Platform)
	}
	switch p {
	case Mastodon:
		return fmt.Sprintf("%q is not a Mastodon account: write @user@instance, such as %q, or its profile URL", s, example[p])
	case Bluesky:
		return fmt.Sprintf("%q is not a Bluesky handle: a handle is a domain, such as %q", s, example[p])
	case LinkedIn:
		return fmt.Sprintf("%q is not a LinkedIn page: write company/NAME or in/NAME, such as %q, or the page's URL", s, example[p])
	}
	return fmt.Sprintf("%q is not an account on %s: write its handle, such as %q, or its profile URL", s, p, example[p])
}

// readAccount reads an account listed under platform p: a URL, or the
// platform's own way of writing one.
func readAccount(p, s string) Target {
	f := strings.TrimSpace(foldString(s))
	if strings.Contains(f, "://") || PlatformOf(hostPart(f)) != "" {
		return Read(s)
	}
	h := strings.TrimPrefix(f, "@")
	switch p {
	case X:
		if xHandle.MatchString(h) {
			return account(X, h, h)
		}
	case Instagram:
		if igHandle.MatchString(h) {
			return account(Instagram, h, h)
		}
	case TikTok:
		if tiktokHandle.MatchString(h) {
			return account(TikTok, h, h)
		}
	case Facebook:
		if id, ok := strings.CutPrefix(h, "id:"); ok && digits.MatchString(id) {
			return account(Facebook, h, id)
		}
		if fbPage.MatchString(h) {
			page := strings.ReplaceAll(h, ".", "")
			return account(Facebook, page, page)
		}
	case YouTube:
		if strings.HasPrefix(f, "@") && ytHandle.MatchString(h) {
			return account(YouTube, "@"+h, h)
		}
		if kind, name, ok := strings.Cut(f, "/"); ok && (kind == "channel" || kind == "c" || kind == "user") && handleChars.MatchString(name) {
			return account(YouTube, f, name)
		}
	case LinkedIn:
		if kind, name, ok := strings.Cut(f, "/"); ok && liVanity.MatchString(name) {
			switch kind {
			case "company", "in", "school", "showcase":
				return account(LinkedIn, f, name)
			}
		}
	case Bluesky:
		if domainPattern.MatchString(h) || bskyDID.MatchString(h) {
			t := account(Bluesky, h, h)
			if domainPattern.MatchString(h) {
				t.Domain = h
			}
			return t
		}
	case Mastodon:
		if t := readHandle(f); t.Platform == Mastodon {
			return t
		}
		return Read(s)
	}
	return Target{}
}

// hostPart is what comes before the first slash.
func hostPart(s string) string {
	h, _, _ := strings.Cut(s, "/")
	return h
}

// secondLevels are labels under which registries hand out domains (co.uk,
// com.au): such a two-label "domain" is everyone's.
var secondLevels = map[string]bool{"co": true, "com": true, "net": true, "org": true, "gov": true, "ac": true, "edu": true, "ne": true, "or": true}

// sharedHosts hand out subdomains or accounts to anyone: as a competitor's
// domain they would block everyone there.
var sharedHosts = map[string]bool{
	"bsky.social": true, "mastodon.social": true, "mastodon.online": true, "github.io": true,
	"blogspot.com": true, "wordpress.com": true, "substack.com": true, "medium.com": true,
	"tumblr.com": true, "linktr.ee": true, "threads.net": true, "google.com": true,
}

// checkDomain reads a competitor's domain, or says why it is not one.
func checkDomain(s string) (string, string) {
	f := strings.TrimSpace(foldString(s))
	switch {
	case f == "":
		return "", "is empty: write a domain such as rivalco.com"
	case strings.Contains(f, "://") || strings.Contains(f, "/"):
		return "", fmt.Sprintf("%q is a URL: write the domain alone, such as %s", s, canonicalHost(hostPart(strings.TrimPrefix(strings.TrimPrefix(f, "https://"), "http://"))))
	}
	d := canonicalHost(f)
	labels := strings.Split(d, ".")
	switch {
	case !domainPattern.MatchString(d):
		return "", fmt.Sprintf("%q is not a domain such as rivalco.com", s)
	case len(labels) == 2 && secondLevels[labels[0]]:
		return "", fmt.Sprintf("%q is a registry's suffix, shared by every site under it: write the competitor's own domain", s)
	case PlatformOf(d) != "":
		return "", fmt.Sprintf("%q is %s itself: list the competitor's account under accounts.%s instead", s, PlatformOf(d), PlatformOf(d))
	case sharedHosts[d]:
		return "", fmt.Sprintf("%q is shared by many people's accounts and sites: list the competitor's own address under it, such as rivalco.%s", s, d)
	}
	return d, ""
}

// Describe names the kind of a JSON value for a message: the text "x", a
// number, a list. The playbook language words its messages with it too.
func Describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the text %q", v)
	case bool:
		return "a boolean"
	case float64, int, int64, uint64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// AccountKey reads an account written under platform p (a handle in the
// platform's own form, or its profile URL), as a competitor list accepts it,
// and returns its key on the platform: what every spelling of one account
// shares ("rivalco" for "@RivalCo" on X, "user@instance" on Mastodon,
// "company/rivalco" on LinkedIn). Otherwise the key is "" and problem says what
// is wrong. p must be one of Platforms.
func AccountKey(p, written string) (key, problem string) {
	if msg := checkAccount(p, written); msg != "" {
		return "", msg
	}
	return readAccount(p, written).Account, ""
}
