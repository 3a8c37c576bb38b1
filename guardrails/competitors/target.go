package competitors

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/idna"
)

// Platforms whose accounts a competitor lists, as written under `accounts`.
const (
	X         = "x"
	Mastodon  = "mastodon"
	Bluesky   = "bluesky"
	LinkedIn  = "linkedin"
	Instagram = "instagram"
	Facebook  = "facebook"
	TikTok    = "tiktok"
	YouTube   = "youtube"
)

// Platforms lists them in order, for messages.
var Platforms = []string{X, Mastodon, Bluesky, LinkedIn, Instagram, Facebook, TikTok, YouTube}

// Kinds of target.
const (
	// KindHandle is a handle written without its platform ("@RivalCo",
	// "rivalco"): the same account as any account of that name.
	KindHandle = "handle"
	// KindAccount is an account on a known platform, read from a profile URL or a
	// Mastodon address.
	KindAccount = "account"
	// KindPost is a post; Account is its author when the URL shows it.
	KindPost = "post"
	// KindLink is any other link: only its domain says whose it is.
	KindLink = "link"
)

// Target is what one written target refers to, in folded form.
type Target struct {
	Kind     string
	Platform string // the platform of an account or post
	// Account is the account's key on Platform: a handle without @
	// ("rivalco"), "user@instance" on Mastodon, "company/rivalco" on LinkedIn,
	// "@rivalco" or "channel/ID" on YouTube, a page name without dots on
	// Facebook. Empty for a post whose URL does not show its author.
	Account string
	// Short is the account's name without the platform's decoration: what a
	// handle written without a platform is compared with.
	Short string
	// Host is a URL's domain, without www.
	Host string
	// Domain is the domain the account itself lives on: a Mastodon instance, a
	// Bluesky handle, or a handle that is a domain. Host and Domain are checked
	// against the competitors' domains.
	Domain string
	// Unattributed says why a post's author cannot be told from its URL.
	Unattributed string
}

// Read tells what a written target refers to: a handle (with or without @, any
// case, look-alike letters folded), a profile or post URL of a known platform
// (with or without scheme and www., with any query, fragment or trailing
// slash), a Mastodon address (@user@instance or https://instance/@user), or a
// link. An empty or unreadable target reads as the zero Target, which matches
// nothing.
func Read(written string) Target {
	s := strings.TrimSpace(foldString(written))
	if s == "" {
		return Target{}
	}
	if strings.Contains(s, "://") || strings.Contains(s, "/") {
		return readURL(s)
	}
	return readHandle(s)
}

var (
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$`)
	handleChars   = regexp.MustCompile(`^[a-z0-9_.-]+$`)
	xHandle       = regexp.MustCompile(`^[a-z0-9_]{1,15}$`)
	igHandle      = regexp.MustCompile(`^[a-z0-9._]{1,30}$`)
	tiktokHandle  = regexp.MustCompile(`^[a-z0-9._]{2,24}$`)
	ytHandle      = regexp.MustCompile(`^[a-z0-9._-]{3,30}$`)
	fbPage        = regexp.MustCompile(`^[a-z0-9.]{5,50}$`)
	digits        = regexp.MustCompile(`^[0-9]+$`)
	liVanity      = regexp.MustCompile(`^[a-z0-9-]{2,100}$`)
	bskyDID       = regexp.MustCompile(`^did:[a-z]+:[a-z0-9._:-]+$`)
)

// readHandle reads "@name", "name", "@user@instance" or "user@instance".
func readHandle(s string) Target {
	s = strings.TrimPrefix(s, "@")
	s = strings.TrimRight(s, ".")
	if user, host, ok := strings.Cut(s, "@"); ok {
		host = canonicalHost(host)
		if user == "" || !handleChars.MatchString(user) || !domainPattern.MatchString(host) {
			return Target{}
		}
		return Target{Kind: KindAccount, Platform: Mastodon, Account: user + "@" + host, Short: user, Domain: host}
	}
	if !handleChars.MatchString(s) {
		return Target{}
	}
	t := Target{Kind: KindHandle, Account: s, Short: s}
	if domainPattern.MatchString(s) {
		// A Bluesky handle is a domain, and a domain given where an account is
		// expected may well be the competitor's site.
		t.Domain = canonicalHost(s)
	}
	return t
}

// canonicalHost is a host as domains compare: folded, without a trailing dot
// or a www. prefix, punycode read back into letters.
func canonicalHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if u, err := idna.Punycode.ToUnicode(h); err == nil && u != h {
		// rivalcо.com (Cyrillic о) arrives as xn--…: read it back, fold it,
		// and keep the result if it is a name at all.
		if d := asciiHost(foldString(u)); domainPattern.MatchString(d) {
			h = d
		}
	} else {
		h = asciiHost(h)
	}
	return strings.TrimPrefix(h, "www.")
}

// platformHosts maps the hosts of the known platforms (after www. is removed)
// to the platform.
var platformHosts = map[string]string{
	"x.com": X, "twitter.com": X, "mobile.twitter.com": X, "mobile.x.com": X, "m.twitter.com": X,
	"bsky.app":     Bluesky,
	"linkedin.com": LinkedIn, "m.linkedin.com": LinkedIn,
	"instagram.com": Instagram, "m.instagram.com": Instagram,
	"facebook.com": Facebook, "m.facebook.com": Facebook, "web.facebook.com": Facebook, "fb.com": Facebook,
	"mbasic.facebook.com": Facebook, "touch.facebook.com": Facebook,
	"tiktok.com": TikTok, "m.tiktok.com": TikTok, "vm.tiktok.com": TikTok, "vt.tiktok.com": TikTok,
	"youtube.com": YouTube, "m.youtube.com": YouTube, "youtu.be": YouTube, "music.youtube.com": YouTube,
}

// PlatformOf names the platform a host belongs to, or "".
func PlatformOf(host string) string {
	h := canonicalHost(host)
	if p, ok := platformHosts[h]; ok {
		return p
	}
	if strings.HasSuffix(h, ".linkedin.com") {
		return LinkedIn // country subdomains: uk.linkedin.com
	}
	return ""
}

// readURL reads a URL, with or without its scheme.
func readURL(s string) Target {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return Target{}
	}
	host := canonicalHost(u.Hostname())
	if !domainPattern.MatchString(host) {
		return Target{}
	}
	var segs []string
	for _, p := range strings.Split(u.Path, "/") {
		// Percent-encoding is undone after the first fold: fold again.
		if p = foldString(p); p != "" {
			segs = append(segs, p)
		}
	}
	link := Target{Kind: KindLink, Host: host}
	var t Target
	switch platform := PlatformOf(host); platform {
	case X:
		t = readX(segs, u.Query())
	case Bluesky:
		t = readBluesky(segs)
	case LinkedIn:
		t = readLinkedIn(segs)
	case Instagram:
		t = readInstagram(segs)
	case Facebook:
		t = readFacebook(segs, u.Query())
	case TikTok:
		t = readTikTok(host, segs)
	case YouTube:
		t = readYouTube(host, segs)
	default:
		t = readFediverse(host, segs)
	}
	if t.Kind == "" {
		return link
	}
	t.Host = host
	return t
}

func account(platform, key, short string) Target {
	return Target{Kind: KindAccount, Platform: platform, Account: key, Short: short}
}

func post(platform, key, short string) Target {
	return Target{Kind: KindPost, Platform: platform, Account: key, Short: short}
}

func unattributed(platform, why string) Target {
	return Target{Kind: KindPost, Platform: platform, Unattributed: why}
}

// xReserved are x.com paths that are pages of the site, not accounts.
var xReserved = map[string]bool{
	"home": true, "explore": true, "search": true, "hashtag": true, "notifications": true, "messages": true,
	"settings": true, "compose": true, "share": true, "login": true, "logout": true, "signup": true,
	"tos": true, "privacy": true, "about": true, "download": true, "jobs": true, "i": true, "intent": true,
}

func readX(segs []string, q url.Values) Target {
	if len(segs) == 0 {
		return Target{}
	}
	first := strings.TrimPrefix(segs[0], "@")
	switch {
	case first == "i" && len(segs) >= 3 && segs[len(segs)-2] == "status":
		return unattributed(X, "an x.com/i/…/status link does not name its author")
	case first == "intent":
		// x.com/intent/follow?screen_name=RivalCo follows RivalCo.
		if h := strings.TrimPrefix(foldString(q.Get("screen_name")), "@"); xHandle.MatchString(h) {
			return account(X, h, h)
		}
		return Target{}
	case xReserved[first] || !xHandle.MatchString(first):
		return Target{}
	case len(segs) >= 3 && (segs[1] == "status" || segs[1] == "statuses"):
		return post(X, first, first)
	}
	// Sub-pages (/with_replies, /media, /followers) are the profile.
	return account(X, first, first)
}

func readBluesky(segs []string) Target {
	if len(segs) < 2 || segs[0] != "profile" {
		return Target{}
	}
	h := strings.TrimPrefix(segs[1], "@")
	if !domainPattern.MatchString(h) && !bskyDID.MatchString(h) {
		return Target{}
	}
	t := account(Bluesky, h, h)
	if len(segs) >= 4 && segs[2] == "post" {
		t.Kind = KindPost
	}
	if domainPattern.MatchString(h) {
		t.Domain = h // a handle on the competitor's own domain is theirs
	}
	return t
}

func readLinkedIn(segs []string) Target {
	if len(segs) < 2 {
		return Target{}
	}
	switch segs[0] {
	case "company", "in", "school", "showcase":
		if !liVanity.MatchString(segs[1]) {
			return Target{}
		}
		return account(LinkedIn, segs[0]+"/"+segs[1], segs[1])
	case "posts":
		// linkedin.com/posts/rivalco_launch-day-activity-7123…: the part before
		// the first underscore is the author's vanity name, company or person.
		vanity, _, ok := strings.Cut(segs[1], "_")
		if !ok || !liVanity.MatchString(vanity) {
			return unattributed(LinkedIn, "this LinkedIn post link does not name its author")
		}
		return post(LinkedIn, "", vanity)
	case "feed":
		return unattributed(LinkedIn, "a LinkedIn feed/update link does not name its author")
	}
	return Target{}
}

// igReserved are instagram.com paths that are pages of the site.
var igReserved = map[string]bool{
	"explore": true, "accounts": true, "direct": true, "about": true, "legal": true, "developer": true,
	"web": true, "challenge": true,
}

func readInstagram(segs []string) Target {
	if len(segs) == 0 {
		return Target{}
	}
	switch first := strings.TrimPrefix(segs[0], "@"); {
	case first == "p" || first == "reel" || first == "reels" || first == "tv":
		return unattributed(Instagram, "an Instagram post link (/p/, /reel/) does not name its author")
	case first == "stories" && len(segs) >= 2 && igHandle.MatchString(segs[1]):
		return post(Instagram, segs[1], segs[1])
	case igReserved[first] || !igHandle.MatchString(first):
		return Target{}
	case len(segs) >= 3 && (segs[1] == "p" || segs[1] == "reel"):
		// instagram.com/rivalco/p/ID names its author.
		return post(Instagram, first, first)
	default:
		return account(Instagram, first, first)
	}
}

// fbPosts are facebook.com paths that show a post without naming its author.
var fbPosts = map[string]bool{
	"share": true, "story.php": true, "permalink.php": true, "photo.php": true, "photo": true,
	"watch": true, "reel": true, "video.php": true,
}

// fbReserved are facebook.com paths that are pages of the site.
var fbReserved = map[string]bool{
	"groups": true, "events": true, "hashtag": true, "marketplace": true, "gaming": true, "login": true,
	"login.php": true, "help": true, "policies": true, "settings": true, "pages": true, "sharer": true,
	"sharer.php": true, "dialog": true, "plugins": true,
}

func readFacebook(segs []string, q url.Values) Target {
	if len(segs) == 0 {
		return Target{}
	}
	first := segs[0]
	switch {
	case first == "profile.php":
		if id := q.Get("id"); digits.MatchString(id) {
			return account(Facebook, "id:"+id, id)
		}
		return Target{}
	case first == "people" && len(segs) >= 3 && digits.MatchString(segs[2]):
		return account(Facebook, "id:"+segs[2], segs[2])
	case fbPosts[first]:
		return unattributed(Facebook, "this Facebook link (/"+first+") does not name whose post it is")
	case fbReserved[first] || !fbPage.MatchString(first):
		return Target{}
	}
	// Facebook ignores dots in page names: rival.co is rivalco.
	page := strings.ReplaceAll(first, ".", "")
	if len(segs) >= 3 && (segs[1] == "posts" || segs[1] == "videos" || segs[1] == "photos") {
		return post(Facebook, page, page)
	}
	return account(Facebook, page, page)
}

func readTikTok(host string, segs []string) Target {
	if host == "vm.tiktok.com" || host == "vt.tiktok.com" || len(segs) > 0 && segs[0] == "t" {
		return unattributed(TikTok, "a TikTok short link does not name its author")
	}
	if len(segs) == 0 || !strings.HasPrefix(segs[0], "@") {
		return Target{}
	}
	h := strings.TrimPrefix(segs[0], "@")
	if !tiktokHandle.MatchString(h) {
		return Target{}
	}
	if len(segs) >= 3 && (segs[1] == "video" || segs[1] == "photo") {
		return post(TikTok, h, h)
	}
	return account(TikTok, h, h)
}

func readYouTube(host string, segs []string) Target {
	if host == "youtu.be" {
		return unattributed(YouTube, "a youtu.be link does not name its channel")
	}
	if len(segs) == 0 {
		return Target{}
	}
	switch first := segs[0]; {
	case strings.HasPrefix(first, "@"):
		h := strings.TrimPrefix(first, "@")
		if !ytHandle.MatchString(h) {
			return Target{}
		}
		return account(YouTube, "@"+h, h)
	case (first == "channel" || first == "c" || first == "user") && len(segs) >= 2 && handleChars.MatchString(segs[1]):
		return account(YouTube, first+"/"+segs[1], segs[1])
	case first == "watch" || first == "shorts" || first == "live" || first == "embed" || first == "playlist":
		return unattributed(YouTube, "a YouTube video link does not name its channel")
	}
	return Target{}
}

// readFediverse reads the paths Mastodon and its kin give accounts and posts on
// any host: /@user, /@user/ID, /@user@other.instance, /users/user/statuses/ID.
func readFediverse(host string, segs []string) Target {
	if len(segs) == 0 {
		return Target{}
	}
	var user string
	var rest []string
	switch {
	case strings.HasPrefix(segs[0], "@"):
		user, rest = strings.TrimPrefix(segs[0], "@"), segs[1:]
	case segs[0] == "users" && len(segs) >= 2:
		user, rest = segs[1], segs[2:]
		if len(rest) >= 1 && rest[0] == "statuses" {
			rest = rest[1:]
		}
	default:
		return Target{}
	}
	instance := host
	if u, h, ok := strings.Cut(user, "@"); ok {
		user, instance = u, canonicalHost(h)
	}
	if user == "" || !handleChars.MatchString(user) || !domainPattern.MatchString(instance) {
		return Target{}
	}
	t := account(Mastodon, user+"@"+instance, user)
	t.Domain = instance
	if len(rest) >= 1 && digits.MatchString(rest[0]) {
		t.Kind = KindPost
	}
	return t
}

// asciiHost is a host in another script in its ASCII (punycode) form, in
// which it compares.
func asciiHost(h string) string {
	if isASCII(h) {
		return h
	}
	if a, err := idna.Punycode.ToASCII(h); err == nil {
		return a
	}
	return h
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
