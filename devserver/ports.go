package devserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// FreeAddr returns "127.0.0.1:<port>" for a currently free TCP port (for tests and
// for callers that want ephemeral ports).
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("devserver: find free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("devserver: find free port: %w", err)
	}
	return addr, nil
}

// endpoint is a user-supplied listen address, split into what to bind and what
// clients should dial (a wildcard bind address is not dialable everywhere).
type endpoint struct {
	bindIP   string
	dialHost string
	port     int
}

func (e endpoint) bindAddr() string { return net.JoinHostPort(e.bindIP, strconv.Itoa(e.port)) }
func (e endpoint) dialAddr() string { return net.JoinHostPort(e.dialHost, strconv.Itoa(e.port)) }

// parseEndpoint accepts "ip:port", "localhost:port" and ":port". Temporal binds
// its gRPC listeners on an IP, so host names other than localhost are refused.
func parseEndpoint(role, addr string) (endpoint, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return endpoint{}, fmt.Errorf("devserver: %s address %q: %w", role, addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return endpoint{}, fmt.Errorf("devserver: %s address %q: invalid port", role, addr)
	}
	switch host {
	case "":
		host = "0.0.0.0"
	case "localhost":
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return endpoint{}, fmt.Errorf("devserver: %s address %q: host must be an IP address or localhost", role, addr)
	}
	e := endpoint{bindIP: ip.String(), dialHost: ip.String(), port: port}
	if ip.IsUnspecified() {
		e.dialHost = "127.0.0.1"
		if ip.To4() == nil {
			e.dialHost = "::1"
		}
	}
	return e, nil
}

// Roles of the addresses a caller chooses (Options.FrontendAddr, UIAddr), as
// AddrError names them.
const (
	RoleFrontend = "frontend"
	RoleUI       = "web UI"
)

// AddrError is an address the server cannot listen on (most often, one in use).
// Role says which, so a caller can name the setting that moves it.
type AddrError struct {
	Role string // RoleFrontend, RoleUI, or "internal" for a port picked here
	Addr string
	Err  error
}

func (e *AddrError) Error() string {
	return fmt.Sprintf("devserver: %s address %s is not available: %v", e.Role, e.Addr, e.Err)
}

func (e *AddrError) Unwrap() error { return e.Err }

// reservation holds listeners on ports the server will use. Holding them while
// other ports are picked stops the kernel from handing the same port out twice,
// and a taken user-chosen port is detected before anything has started.
type reservation struct {
	listeners []net.Listener
}

// reserve binds e (port 0 picks one) and returns e with its actual port.
func (r *reservation) reserve(role string, e endpoint) (endpoint, error) {
	ln, err := net.Listen("tcp", e.bindAddr())
	if err != nil {
		return e, &AddrError{Role: role, Addr: e.bindAddr(), Err: err}
	}
	r.listeners = append(r.listeners, ln)
	e.port = ln.Addr().(*net.TCPAddr).Port
	return e, nil
}

// reserveFree picks a free port on ip for an internal listener.
func (r *reservation) reserveFree(ip string) (int, error) {
	e, err := r.reserve("internal", endpoint{bindIP: ip, dialHost: ip})
	if err != nil {
		return 0, err
	}
	return e.port, nil
}

// release frees the reserved ports so the real servers can bind them.
func (r *reservation) release() error {
	var errs []error
	for _, ln := range r.listeners {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	r.listeners = nil
	return errors.Join(errs...)
}
