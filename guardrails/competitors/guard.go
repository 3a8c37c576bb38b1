package competitors

import "strings"

// Rule names the competitor guardrail in every record of what it blocked.
const Rule = "guardrails.competitors"

// How a blocked target reached a competitor.
const (
	ViaAccount = "account" // it is one of their accounts
	ViaPost    = "post"    // it is a post of theirs
	ViaDomain  = "domain"  // it is on their domain
	ViaTag     = "tag"     // text tags them
	ViaLink    = "link"    // text links to them: their domain, a profile or a post
)

// Match says which competitor a target reached, and through what.
type Match struct {
	Competitor string `json:"competitor"`
	Via        string `json:"via"`
	// Matched is what of the competitor's it matched, as listed:
	// "x account @RivalCo", "domain rivalco.com", "handle @RivalCo (any platform)".
	Matched string `json:"matched"`
}

// Guard matches targets against a client's competitors. It matches exactly:
// @rivalcollective is not @RivalCo, notrivalco.com is not rivalco.com.
type Guard struct {
	byKey   map[string]listed // platform + " " + account key
	byShort map[string]listed // a name on any platform, for handles written without one
	// byVanity finds LinkedIn pages by their name alone: a post link shows
	// only that.
	byVanity map[string]listed
	handles  map[string]listed // competitors written as a bare handle: any platform
	domains  map[string]listed
}

type listed struct{ competitor, what string }

// New returns the guard for list (as Parse returns it). Entries that do not
// read are skipped: Parse reports them.
func New(list []Competitor) *Guard {
	g := &Guard{
		byKey: map[string]listed{}, byShort: map[string]listed{}, byVanity: map[string]listed{},
		handles: map[string]listed{}, domains: map[string]listed{},
	}
	put := func(m map[string]listed, k string, l listed) {
		if _, ok := m[k]; !ok && k != "" {
			m[k] = l // the first listed wins, so records do not depend on order of lookup
		}
	}
	// A handle written without a platform is first the account whose whole
	// name it is (@rivalco on x), and only then a Mastodon user or a LinkedIn
	// page of that name: the record names the likeliest account.
	var partial []func()
	for _, c := range list {
		if c.Handle != "" {
			if t := Read(c.Handle); t.Kind == KindHandle {
				l := listed{c.Name, "handle " + c.Handle + " (any platform)"}
				put(g.handles, t.Short, l)
				put(g.byShort, t.Short, l)
			}
		}
		for _, p := range Platforms { // x first: the platform a bare handle most often means
			for _, a := range c.Accounts[p] {
				t := readAccount(p, a)
				if t.Kind != KindAccount {
					continue
				}
				l := listed{c.Name, p + " account " + a}
				put(g.byKey, t.Platform+" "+t.Account, l)
				if t.Account == t.Short {
					put(g.byShort, t.Short, l)
				} else {
					partial = append(partial, func() { put(g.byShort, t.Short, l) })
				}
				if t.Platform == LinkedIn {
					put(g.byVanity, t.Short, l)
				}
			}
		}
		for _, d := range c.Domains {
			if dom, msg := checkDomain(d); msg == "" {
				put(g.domains, dom, listed{c.Name, "domain " + dom})
			}
		}
	}
	for _, f := range partial {
		f()
	}
	return g
}

// Empty reports whether the guard knows no competitor.
func (g *Guard) Empty() bool {
	return len(g.byKey)+len(g.handles)+len(g.domains) == 0
}

// Check tells whether a written target (an account, a profile, post or other
// URL) reaches a competitor. For a post whose URL does not show its author,
// note says so: it is not blocked, because nothing says whose it is.
func (g *Guard) Check(written string) (m Match, blocked bool, note string) {
	t := Read(written)
	if l, via, ok := g.match(t); ok {
		return Match{Competitor: l.competitor, Via: via, Matched: l.what}, true, ""
	}
	return Match{}, false, t.Unattributed
}

// match finds the competitor t is, or is of.
func (g *Guard) match(t Target) (listed, string, bool) {
	via := ViaAccount
	if t.Kind == KindPost {
		via = ViaPost
	}
	switch t.Kind {
	case KindHandle:
		if l, ok := g.byShort[t.Short]; ok {
			return l, via, true
		}
	case KindAccount, KindPost:
		if l, ok := g.byKey[t.Platform+" "+t.Account]; ok && t.Account != "" {
			return l, via, true
		}
		if l, ok := g.handles[t.Short]; ok {
			return l, via, true
		}
		if t.Platform == LinkedIn && t.Account == "" {
			if l, ok := g.byVanity[t.Short]; ok {
				return l, via, true
			}
		}
	}
	for _, h := range []string{t.Domain, t.Host} {
		if l, ok := g.domain(h); ok {
			return l, ViaDomain, true
		}
	}
	return listed{}, "", false
}

// domain finds the competitor whose domain host is, or is under.
func (g *Guard) domain(host string) (listed, bool) {
	for h := host; h != ""; {
		if l, ok := g.domains[h]; ok {
			return l, true
		}
		_, rest, ok := strings.Cut(h, ".")
		if !ok {
			break
		}
		h = rest
	}
	return listed{}, false
}
