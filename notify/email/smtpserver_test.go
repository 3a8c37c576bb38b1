package email

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

// relay is an in-process SMTP server that records what arrives, the wire
// every Sender test talks to.
type relay struct {
	host string
	port int

	password  string          // AUTH PLAIN offered and required when set
	rcptReply *smtp.SMTPError // every RCPT is refused with this when set
	hold      chan struct{}   // DATA waits for it when set
	inData    chan struct{}   // closed when DATA starts waiting for hold
	insecure  bool            // AUTH offered without TLS

	mu        sync.Mutex
	got       []delivery
	authTries int
}

type delivery struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

type relayMode int

const (
	plainRelay relayMode = iota
	startTLSRelay
	implicitTLSRelay
)

// startRelay listens on 127.0.0.1 (or host) and serves until the test ends.
// With TLS, the certificate is self-signed for localhost and 127.0.0.1 and
// caFile holds it, for Config.CAFile.
func startRelay(t *testing.T, mode relayMode, setup func(*relay)) (r *relay, caFile string) {
	t.Helper()
	r = &relay{host: "127.0.0.1"}
	if setup != nil {
		setup(r)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(r.host, "0"))
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	r.port, _ = strconv.Atoi(port)

	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = r.insecure
	if mode != plainRelay {
		var cert tls.Certificate
		cert, caFile = selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if mode == implicitTLSRelay {
			l = tls.NewListener(l, srv.TLSConfig)
		}
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		if r.hold != nil {
			close(r.hold)
		}
		_ = srv.Close()
	})
	return r, caFile
}

func (r *relay) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

func (r *relay) config(mode string, caFile string) Config {
	return Config{Host: r.host, Port: r.port, TLS: mode, From: testFrom, CAFile: caFile, Timeout: 10 * time.Second}
}

func (r *relay) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{relay: r, conn: c}
	if r.password != "" {
		return &authSession{s}, nil
	}
	return s, nil
}

type session struct {
	relay *relay
	conn  *smtp.Conn
	user  string
	cur   delivery
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.relay.password != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = delivery{From: from, User: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.relay.rcptReply != nil {
		return s.relay.rcptReply
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if s.relay.hold != nil {
		close(s.relay.inData)
		<-s.relay.hold
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

func (s *session) Reset()        { s.cur = delivery{} }
func (s *session) Logout() error { return nil }

type authSession struct{ *session }

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		s.relay.mu.Lock()
		s.relay.authTries++
		s.relay.mu.Unlock()
		if password != s.relay.password {
			// A careless relay echoes what it got; the sender must not pass it on.
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials " + user + ":" + password}
		}
		s.user = user
		return nil
	}), nil
}

// selfSigned makes a certificate for localhost and 127.0.0.1 and writes it
// as a PEM file to trust.
func selfSigned(t *testing.T) (tls.Certificate, string) {
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
