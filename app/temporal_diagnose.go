package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/status"

	"github.com/greenlight/greenlight/config"
)

// probeTimeout bounds each step of diagnosing a failed dial, and how long a
// server that took the TLS handshake has to turn the client certificate down.
const probeTimeout = 2 * time.Second

// diagnoseDial turns a failed dial into one line naming what is wrong. The
// SDK reports TLS trouble as gRPC text, and under TLS 1.3 a refused client
// certificate may surface as a mere broken pipe, so the address is probed
// again by hand: a TCP connection, then the same TLS handshake. What that
// shows to be a mistake is marked not to be retried; nothing listening, or a
// server not answering yet, may still pass (a fresh stack starts in any order).
func diagnoseDial(ctx context.Context, cfg config.Config, tc *tls.Config, dialErr error) error {
	addr := cfg.TemporalAddr
	d := net.Dialer{Timeout: probeTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%s; check %s", unreachable(err), settingAddr)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(probeTimeout))
	mistake := func(format string, a ...any) error {
		return stopRetrying{err: fmt.Errorf("Temporal at %s "+format, append([]any{addr}, a...)...), named: true}
	}

	if tc == nil {
		// Does it want TLS? Only the handshake is tried; nothing is sent.
		probe := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}) //nolint:gosec // detects TLS, trusts nothing
		if probe.HandshakeContext(ctx) == nil {
			return mistake("serves TLS: set %s, and %s if its certificate is not publicly trusted", settingTLS, settingCA)
		}
		return fmt.Errorf("%s", grpcMessage(dialErr))
	}

	host, _, _ := net.SplitHostPort(addr)
	probe := tc.Clone()
	if probe.ServerName == "" {
		probe.ServerName = host
	}
	probe.NextProtos = []string{"h2"} // as gRPC, which a gRPC server requires
	tconn := tls.Client(conn, probe)
	err = tconn.HandshakeContext(ctx)
	if err == nil {
		// Under TLS 1.3 the server judges the client certificate after the
		// client's side of the handshake is done: its verdict is the next read.
		_, err = tconn.Read(make([]byte, 1))
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("%s", grpcMessage(dialErr)) // TLS is fine; the trouble is elsewhere
		}
	}
	var unknownCA x509.UnknownAuthorityError
	var wrongName x509.HostnameError
	var invalid x509.CertificateInvalidError
	var notTLS tls.RecordHeaderError
	switch {
	case errors.As(err, &unknownCA):
		if cfg.TemporalTLS.CAFile != "" {
			return mistake("presents a certificate that the CA in %s %s did not sign", settingCA, cfg.TemporalTLS.CAFile)
		}
		return mistake("presents a certificate that no CA of this system signed: set %s to its CA's certificate", settingCA)
	case errors.As(err, &wrongName):
		return mistake("presents a certificate for %s, not %s: set %s to one of those", certNames(wrongName.Certificate), wrongName.Host, settingName)
	case errors.As(err, &invalid):
		return mistake("presents a certificate this client cannot accept: %s", invalid.Error())
	case errors.As(err, &notTLS):
		return mistake("does not serve TLS: unset %s, %s, %s and %s, or check %s", settingTLS, settingCA, settingCert, settingKey, settingAddr)
	case err == nil, isTimeout(err):
		return fmt.Errorf("%s", grpcMessage(dialErr))
	}
	// The server's alerts arrive as text only (crypto/tls keeps their type
	// unexported): "tls: certificate required", "tls: bad certificate", ….
	alert, isAlert := strings.CutPrefix(rootMessage(err), "tls: ")
	switch {
	case isAlert && len(probe.Certificates) == 0 && strings.Contains(alert, "certificate"):
		return mistake("requires a client certificate: set %s and %s", settingCert, settingKey)
	case isAlert && alert == "certificate required":
		// Go's client withholds a certificate whose issuer is not among the
		// CAs the server asks for, and the server then finds none.
		return mistake("refused the client certificate %s %s: it wants one signed by a CA it trusts", settingCert, cfg.TemporalTLS.CertFile)
	case isAlert && strings.Contains(alert, "certificate"):
		return mistake("refused the client certificate %s %s (%s): is it signed by a CA the server trusts, and still valid?",
			settingCert, cfg.TemporalTLS.CertFile, alert)
	case isAlert:
		return mistake("refused the TLS handshake: %s", alert)
	}
	// Cut off without a word (a reset, an EOF): perhaps a load balancer with
	// nothing behind it yet, so it is waited for.
	return fmt.Errorf("the TLS handshake was cut off (%s)", rootMessage(err))
}

// unreachable says why nothing answered at an address, without the dialer's
// wrapping.
func unreachable(err error) string {
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (nothing listens there)"
	case errors.As(err, &dns):
		return "no such host " + dns.Name
	case isTimeout(err):
		return "no answer within " + probeTimeout.String()
	}
	return rootMessage(err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// rootMessage is the innermost error's text: what went wrong, without the
// layers that say where.
func rootMessage(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// grpcMessage is a gRPC or Temporal service error's message without its
// status code wrapping.
func grpcMessage(err error) string {
	if s, ok := status.FromError(err); ok {
		return s.Message()
	}
	if s := serviceerror.ToStatus(err); s != nil && s.Message() != "" {
		return s.Message()
	}
	return err.Error()
}

func certNames(c *x509.Certificate) string {
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no host name"
	}
	return strings.Join(names, ", ")
}
