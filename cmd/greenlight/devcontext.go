package main

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/contexts"
)

// recordDevContext records, per user, that the API at apiURL takes the admin
// token in dataDir, so the CLI finds it for --api apiURL with nothing exported,
// and tells the user so. When it cannot record, it says how to send the token
// by hand instead: whatever it prints is true.
func recordDevContext(stdout io.Writer, apiURL, dataDir string) {
	// Shown as --data-dir spelled it, like the ready line's data=; recorded
	// absolute, as the CLI may run from anywhere.
	tokenFile := filepath.Join(dataDir, config.AdminTokenFile)
	path, err := contexts.Path()
	if err == nil {
		var abs string
		if abs, err = filepath.Abs(tokenFile); err == nil {
			var cs []contexts.Context
			for _, u := range devAPIURLs(apiURL) {
				cs = append(cs, contexts.Context{API: u, TokenFile: abs, DataDir: filepath.Dir(abs)})
			}
			err = contexts.Record(path, cs...)
		}
	}
	if err != nil {
		fmt.Fprintf(stdout, "API token: in %s; the CLI could not be told where (%v), so for the CLI and curl: export GREENLIGHT_TOKEN=$(cat %s)\n",
			tokenFile, err, tokenFile)
		return
	}
	fmt.Fprintf(stdout, "API token: in %s; the CLI finds it for --api %s (recorded in %s); for curl: export GREENLIGHT_TOKEN=$(cat %s)\n",
		tokenFile, apiURL, path, tokenFile)
}

// devAPIURLs are the URLs a client on this machine reaches apiURL by: itself;
// localhost for a loopback address; and for an API on every interface
// (0.0.0.0, ::), the loopback ones too, which is what a user types.
func devAPIURLs(apiURL string) []string {
	urls := []string{apiURL}
	u, err := url.Parse(apiURL)
	if err != nil {
		return urls
	}
	ip := net.ParseIP(u.Hostname())
	var hosts []string
	switch {
	case ip == nil:
	case ip.IsUnspecified():
		hosts = []string{"127.0.0.1", "localhost", "[::1]"}
	case ip.IsLoopback():
		hosts = []string{"localhost"}
	}
	for _, host := range hosts {
		v := *u
		v.Host = host + ":" + u.Port()
		urls = append(urls, v.String())
	}
	return urls
}
