package devserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"

	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"go.temporal.io/server/common/config"
)

// TLSFiles serves the embedded Temporal frontend over TLS, from PEM files as a
// Temporal cluster would be configured. Only the frontend, the port clients
// use, is encrypted: history, matching and the system worker listen on
// 127.0.0.1 for Temporal alone.
type TLSFiles struct {
	CertFile string // the frontend's certificate (optionally followed by its chain)
	KeyFile  string // its private key
	// ClientCAFile, when set, makes the frontend require a client certificate
	// signed by a CA in this file (mTLS); empty accepts any TLS client.
	ClientCAFile string
}

// frontendTLS is TLSFiles loaded and checked, plus the identity Temporal's own
// clients of the frontend (its system worker, the Web UI, the readiness
// probe, the caller's in-process clients) present. That identity is made at
// each start and trusted by this process alone, so the user's client CA
// never has to sign anything for the dev server.
type frontendTLS struct {
	files      TLSFiles
	serverName string // what internal clients check the frontend's certificate against
	serverPEM  []byte // the frontend's certificate file, trusted as-is by internal clients
	clientCA   []byte // the user's client CA file; nil without mTLS
	ownCert    []byte // the internal identity, PEM
	ownKey     []byte
}

// loadFrontendTLS reads f and makes the internal identity; dialHost is where
// internal clients reach the frontend. Every failure names the file at fault.
func loadFrontendTLS(f TLSFiles, dialHost string) (*frontendTLS, error) {
	if f.CertFile == "" || f.KeyFile == "" {
		return nil, errors.New("devserver: TLS needs both a certificate file and a key file")
	}
	if _, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile); err != nil {
		return nil, fmt.Errorf("devserver: TLS certificate %s with key %s: %w", f.CertFile, f.KeyFile, err)
	}
	serverPEM, err := os.ReadFile(f.CertFile)
	if err != nil {
		return nil, fmt.Errorf("devserver: TLS certificate %s: %w", f.CertFile, err)
	}
	leaf, err := firstCertificate(serverPEM)
	if err != nil {
		return nil, fmt.Errorf("devserver: TLS certificate %s: %w", f.CertFile, err)
	}
	name, err := nameToCheck(leaf, dialHost)
	if err != nil {
		return nil, fmt.Errorf("devserver: TLS certificate %s: %w", f.CertFile, err)
	}
	t := &frontendTLS{files: f, serverName: name, serverPEM: serverPEM}
	if f.ClientCAFile != "" {
		if t.clientCA, err = os.ReadFile(f.ClientCAFile); err != nil {
			return nil, fmt.Errorf("devserver: TLS client CA %s: %w", f.ClientCAFile, err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(t.clientCA) {
			return nil, fmt.Errorf("devserver: TLS client CA %s holds no PEM certificate", f.ClientCAFile)
		}
	}
	if t.ownCert, t.ownKey, err = internalIdentity(); err != nil {
		return nil, err
	}
	return t, nil
}

// nameToCheck picks the name internal clients, which dial dialHost, verify the
// frontend's certificate against: dialHost itself when the certificate names
// it, else localhost or the certificate's first DNS name (the connection still
// goes to dialHost).
func nameToCheck(leaf *x509.Certificate, dialHost string) (string, error) {
	for _, n := range []string{dialHost, "localhost"} {
		if leaf.VerifyHostname(n) == nil {
			return n, nil
		}
	}
	if len(leaf.DNSNames) > 0 {
		return leaf.DNSNames[0], nil
	}
	return "", fmt.Errorf("names neither %s nor any DNS name, so Temporal's own clients could not verify it", dialHost)
}

func firstCertificate(pemBytes []byte) (*x509.Certificate, error) {
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("holds no PEM certificate")
		}
		if block.Type == "CERTIFICATE" {
			return x509.ParseCertificate(block.Bytes)
		}
	}
}

// internalIdentity makes a self-signed client certificate, which the frontend
// trusts beside the user's client CA.
func internalIdentity() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("devserver: TLS internal client key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, fmt.Errorf("devserver: TLS internal client serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "greenlight devserver internal client"},
		NotBefore:    now.Add(-time.Hour),
		// The process holding the key is the only one that trusts it; it need
		// only outlive a long-running dev server.
		NotAfter:    now.AddDate(10, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		// A CA of itself, so it can stand in the frontend's client CA pool.
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("devserver: TLS internal client certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("devserver: TLS internal client key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// rootTLS is Temporal's TLS configuration: the frontend serves the user's
// files; the system worker, which dials the frontend, presents the internal
// identity and trusts the frontend's certificate.
func (t *frontendTLS) rootTLS() config.RootTLS {
	b64 := base64.StdEncoding.EncodeToString
	server := config.ServerTLS{CertFile: t.files.CertFile, KeyFile: t.files.KeyFile}
	if t.clientCA != nil {
		server.RequireClientAuth = true
		// Temporal takes CA files or CA data, not both.
		server.ClientCAData = []string{b64(t.clientCA), b64(t.ownCert)}
	}
	return config.RootTLS{
		Frontend: config.GroupTLS{Server: server},
		SystemWorker: config.WorkerTLS{
			CertData: b64(t.ownCert),
			KeyData:  b64(t.ownKey),
			Client:   config.ClientTLS{ServerName: t.serverName, RootCAData: []string{b64(t.serverPEM)}},
		},
	}
}

// clientConfig is the TLS configuration of an in-process client of the
// frontend: it trusts the frontend's certificate and presents the internal
// identity.
func (t *frontendTLS) clientConfig() (*tls.Config, error) {
	pair, err := tls.X509KeyPair(t.ownCert, t.ownKey)
	if err != nil {
		return nil, fmt.Errorf("devserver: TLS internal client: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(t.serverPEM)
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		ServerName:   t.serverName,
		RootCAs:      roots,
		Certificates: []tls.Certificate{pair},
	}, nil
}

// uiTLS is how the Web UI, another in-process client, reaches the frontend;
// nil t is a plaintext frontend.
func (t *frontendTLS) uiTLS() uiconfig.TLS {
	if t == nil {
		return uiconfig.TLS{}
	}
	b64 := base64.StdEncoding.EncodeToString
	return uiconfig.TLS{
		CaData: b64(t.serverPEM), CertData: b64(t.ownCert), KeyData: b64(t.ownKey),
		ServerName: t.serverName, EnableHostVerification: true,
	}
}
