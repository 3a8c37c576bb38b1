package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/contexts"
)

// credentials is the token the CLI sends and where it came from, or, when it
// found none, every place it looked: a 401 then says so, with a command that
// makes the next call work.
type credentials struct {
	token  string
	from   string   // where token came from, for a 401 despite it
	looked []string // "place: what was there", in the order looked
	// tokenFile is an admin-token file the user most likely means when none
	// was found (a context's, or dev's default), for the suggested command.
	tokenFile string
}

// tokenSources are what findToken reads, as arguments so a test can point
// them anywhere.
type tokenSources struct {
	flag         string                 // --token
	api          string                 // --api, the URL the context is looked up by
	getenv       func(string) string    // os.Getenv
	contextsPath func() (string, error) // contexts.Path
	lookup       func(path, api string) (contexts.Context, bool, error)
	all          func(path string) (map[string]contexts.Context, error)
}

// findToken resolves the token to send, first found wins: --token, then
// GREENLIGHT_TOKEN, then the context `greenlight dev` recorded for the --api
// URL, then the admin token in dev's data dir ($GREENLIGHT_DATA_DIR or
// ./.greenlight), so the CLI works against a dev instance with nothing exported.
func findToken(src tokenSources) credentials {
	var c credentials
	if src.flag != "" {
		return credentials{token: src.flag, from: "--token"}
	}
	c.looked = append(c.looked, "--token: not given")
	if t := src.getenv("GREENLIGHT_TOKEN"); t != "" {
		return credentials{token: t, from: "GREENLIGHT_TOKEN"}
	}
	c.looked = append(c.looked, "GREENLIGHT_TOKEN: not set")

	if path, err := src.contextsPath(); err != nil {
		c.looked = append(c.looked, "contexts: "+err.Error())
	} else {
		where := fmt.Sprintf("context for %s in %s", contexts.Key(src.api), path)
		ctx, ok, err := src.lookup(path, src.api)
		switch {
		case err != nil:
			c.looked = append(c.looked, where+": "+err.Error())
		case !ok:
			c.looked = append(c.looked, where+": none recorded (`greenlight dev` records one when it starts)")
			c.tokenFile = sameServerTokenFile(src, path)
		default:
			tok, err := readToken(ctx.TokenFile)
			if err == nil {
				return credentials{token: tok, from: fmt.Sprintf("%s (the %s)", ctx.TokenFile, where)}
			}
			c.looked = append(c.looked, fmt.Sprintf("%s: names %s, which %v", where, ctx.TokenFile, err))
			c.tokenFile = ctx.TokenFile
		}
	}

	if !loopbackAPI(src.api) {
		// A dev admin token is for a dev instance on this machine: sent to
		// another host, it would hand that host the keys of this one.
		c.looked = append(c.looked, fmt.Sprintf("dev's admin-token file: not used, since %s is not on this machine", src.api))
		return c
	}
	dir := src.getenv("GREENLIGHT_DATA_DIR")
	why := "dev's data dir, from GREENLIGHT_DATA_DIR"
	if dir == "" {
		dir = config.Defaults().DataDir
		why = "dev's default data dir; GREENLIGHT_DATA_DIR moves it"
	}
	file := filepath.Join(dir, config.AdminTokenFile)
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	tok, err := readToken(file)
	if err == nil {
		return credentials{token: tok, from: fmt.Sprintf("%s (%s)", file, why)}
	}
	c.looked = append(c.looked, fmt.Sprintf("%s (%s): %v", file, why, err))
	return c
}

// sameServerTokenFile is the token file of the one recorded context on the
// same port as the --api URL, whose file exists: most likely the same dev
// instance spelled another way (localhost for 127.0.0.1, say).
func sameServerTokenFile(src tokenSources, path string) string {
	all, err := src.all(path)
	if err != nil {
		return ""
	}
	port := portOf(src.api)
	found := ""
	for key, ctx := range all {
		if portOf(key) != port || port == "" {
			continue
		}
		if _, err := readToken(ctx.TokenFile); err != nil {
			continue
		}
		if found != "" {
			return "" // more than one: guessing would pick a stranger's
		}
		found = ctx.TokenFile
	}
	return found
}

func portOf(api string) string {
	rest, ok := strings.CutPrefix(contexts.Key(api), "http://")
	if !ok {
		rest, _ = strings.CutPrefix(contexts.Key(api), "https://")
	}
	host, _, _ := strings.Cut(rest, "/")
	if i := strings.LastIndex(host, ":"); i >= 0 && !strings.HasSuffix(host, "]") {
		return host[i+1:]
	}
	return ""
}

// readToken reads a token file, saying plainly what was wrong with it.
func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", errors.New("does not exist")
	}
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", errors.New("is empty")
	}
	return tok, nil
}

// unauthorizedHint says, after a 401, what was sent or where the CLI looked,
// and one command that makes the next call work.
func (c credentials) unauthorizedHint(api string) string {
	var b strings.Builder
	if c.token != "" {
		fmt.Fprintf(&b, "\n  (the token sent came from %s; the API at %s does not accept it)", c.from, api)
		return b.String()
	}
	b.WriteString("\n  No token was sent. The CLI looked at:")
	for _, l := range c.looked {
		b.WriteString("\n    " + l)
	}
	if c.tokenFile != "" {
		fmt.Fprintf(&b, "\n  To send the admin token of that dev instance, run:\n    export GREENLIGHT_TOKEN=$(cat %s)", shellQuote(c.tokenFile))
		return b.String()
	}
	fmt.Fprintf(&b, "\n  If %s is `greenlight dev`, run (DATA_DIR being its --data-dir):\n    export GREENLIGHT_TOKEN=$(cat DATA_DIR/%s)", api, config.AdminTokenFile)
	b.WriteString("\n  otherwise set GREENLIGHT_TOKEN to a token its admin made with `greenlight tokens create`.")
	return b.String()
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// loopbackAPI says whether api names this machine (localhost or a loopback
// address).
func loopbackAPI(api string) bool {
	u, err := url.Parse(api)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
