package deploy

import (
	"net"
	"testing"
)

// TestComposeKeepsTemporalOffThePublicNetwork: the Temporal frontend and Web UI
// authenticate nobody in this file, and whoever reaches them can read every
// campaign and signal it as anyone, so they are published on loopback only. (The
// Greenlight API checks tokens and may be published.)
func TestComposeKeepsTemporalOffThePublicNetwork(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{temporalService, uiService} {
		for _, p := range ports(c.services[name]) {
			ip := net.ParseIP(p.host)
			if ip == nil || !ip.IsLoopback() {
				t.Errorf("service %s: port %s is published on %q; publish it on 127.0.0.1 only, or put it behind authentication (docs/deploy.md)", name, p.target, p.host)
			}
		}
	}
}
