// Package smtptest is an in-process SMTP relay for tests: it records what
// arrives, in plain text, with STARTTLS or implicit TLS (a self-signed
// certificate made for the test), with or without AUTH PLAIN, and can refuse
// recipients (all, or some) or hold a message in DATA. Parse reads what
// arrived as a mail client does.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// Relay is an in-process SMTP server that records what arrives.
type Relay struct {
	Host string // 127.0.0.1 unless set before it listens
	Port int

	Password  string          // AUTH PLAIN offered and required when set
	RcptReply *smtp.SMTPError // every RCPT is refused with this when set
	Hold      chan struct{}   // DATA waits for it when set
	InData    chan struct{}   // closed when DATA starts waiting for Hold
	Insecure  bool            // AUTH offered without TLS

	mu        sync.Mutex
	got       []Delivery
	authTries int
	refused   map[string]*smtp.SMTPError // by recipient
}

// Delivery is one message as it arrived.
type Delivery struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// NoSuchMailbox is the reply of a relay that knows no such recipient: 550,
// a permanent refusal, for Refuse.
var NoSuchMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}

// Mode is how a relay secures its connections.
type Mode int

const (
	Plain       Mode = iota // plain text
	StartTLS                // plain text upgraded with STARTTLS
	ImplicitTLS             // TLS from the first byte
)

// Start listens on 127.0.0.1 (or Host, set by setup) and serves until the
// test ends. With TLS, the certificate is self-signed for localhost and
// 127.0.0.1 and caFile holds it as PEM, to trust.
func Start(t testing.TB, mode Mode, setup func(*Relay)) (r *Relay, caFile string) {
	t.Helper()
	r = &Relay{Host: "127.0.0.1"}
	if setup != nil {
		setup(r)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(r.Host, "0"))
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	r.Port, _ = strconv.Atoi(port)

	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = r.Insecure
	if mode != Plain {
		var cert tls.Certificate
		cert, caFile = selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if mode == ImplicitTLS {
			l = tls.NewListener(l, srv.TLSConfig)
		}
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		if r.Hold != nil {
			close(r.Hold)
		}
		_ = srv.Close()
	})
	return r, caFile
}

// Deliveries returns what arrived so far, in order.
func (r *Relay) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// AuthTries counts the AUTH attempts the relay saw.
func (r *Relay) AuthTries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.authTries
}

// Refuse makes the relay refuse RCPT TO:<address> with reply from now on.
func (r *Relay) Refuse(address string, reply *smtp.SMTPError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refused == nil {
		r.refused = map[string]*smtp.SMTPError{}
	}
	r.refused[address] = reply
}

// Addr is the relay's host:port.
func (r *Relay) Addr() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// NewSession implements smtp.Backend.
func (r *Relay) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{relay: r, conn: c}
	if r.Password != "" {
		return &authSession{s}, nil
	}
	return s, nil
}

type session struct {
	relay *Relay
	conn  *smtp.Conn
	user  string
	cur   Delivery
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.relay.Password != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = Delivery{From: from, User: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.relay.RcptReply != nil {
		return s.relay.RcptReply
	}
	s.relay.mu.Lock()
	reply := s.relay.refused[to]
	s.relay.mu.Unlock()
	if reply != nil {
		return reply
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if s.relay.Hold != nil {
		close(s.relay.InData)
		<-s.relay.Hold
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.relay.mu.Lock()
	s.relay.got = append(s.relay.got, s.cur)
	s.relay.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = Delivery{} }
func (s *session) Logout() error { return nil }

type authSession struct{ *session }

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		s.relay.mu.Lock()
		s.relay.authTries++
		s.relay.mu.Unlock()
		if password != s.relay.Password {
			// A careless relay echoes what it got; the sender must not pass it on.
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials " + user + ":" + password}
		}
		s.user = user
		return nil
	}), nil
}

// selfSigned makes a certificate for localhost and 127.0.0.1 and writes it
// as a PEM file to trust.
func selfSigned(t testing.TB) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "relay-ca.pem")
	require.NoError(t, os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}
