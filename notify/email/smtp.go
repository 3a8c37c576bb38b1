package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
	mailsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/greenlight/greenlight/notify"
)

// SMTP sends through a relay, one connection per message: notices are few
// and far between, and a fresh connection leaves no state to go stale.
type SMTP struct {
	cfg Config
	tls *tls.Config
	now func() time.Time
}

// NewSMTP checks cfg and reads its CA file, so a bad setting stops the
// process at start rather than at the first approval.
func NewSMTP(cfg Config) (*SMTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("email: read %s: %w", EnvCAFile, err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("email: %s %s holds no PEM certificate", EnvCAFile, cfg.CAFile)
		}
	}
	return &SMTP{cfg: cfg, tls: tc, now: time.Now}, nil
}

// Send delivers n. Cancelling ctx closes the connection at once, whatever
// command is under way.
func (s *SMTP) Send(ctx context.Context, n notify.Notice) (Receipt, error) {
	msg, err := build(n, s.cfg.From, "", s.now())
	if err != nil {
		return Receipt{}, err
	}
	receipt := Receipt{MessageID: msg.GetMessageID()}
	var stop func() bool
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		if s.cfg.tlsMode() == TLSImplicit {
			tc := tls.Client(conn, s.tls.Clone())
			if err := tc.HandshakeContext(dctx); err != nil {
				_ = conn.Close()
				return nil, err
			}
			conn = tc
		}
		stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
	// Implicit TLS is the dialer's work; STARTTLS is the library's, and
	// mandatory: a relay that does not offer it gets nothing in plain text.
	policy := mail.NoTLS
	if s.cfg.tlsMode() == TLSStartTLS {
		policy = mail.TLSMandatory
	}
	opts := []mail.Option{
		mail.WithPort(s.cfg.port()), mail.WithTimeout(s.cfg.timeout()), mail.WithDialContextFunc(dial),
		mail.WithTLSConfig(s.tls), mail.WithTLSPolicy(policy),
	}
	if s.cfg.HeloName != "" {
		opts = append(opts, mail.WithHELO(s.cfg.HeloName))
	}
	if s.cfg.User != "" {
		// PLAIN refuses to send the password over a connection without TLS,
		// except to a relay on this machine.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.cfg.User), mail.WithPassword(s.cfg.Password))
	}
	client, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return Receipt{}, notify.Permanent(fmt.Errorf("email: relay %s: %s", s.cfg, s.redact(err)))
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if stop != nil {
		stop()
	}
	if msg.IsDelivered() {
		// The relay took the message; a failed QUIT after that changes
		// nothing, and a retry would deliver it twice.
		return receipt, nil
	}
	if err == nil {
		return Receipt{}, fmt.Errorf("email: relay %s did not confirm %s", s.cfg, receipt.MessageID)
	}
	if ctx.Err() != nil {
		return Receipt{}, fmt.Errorf("email: send %s to relay %s stopped: %w", receipt.MessageID, s.cfg, ctx.Err())
	}
	// The library's error is flattened to redacted text, so no wrapped error
	// can carry the password out; the classification survives on top of it.
	out := fmt.Errorf("email: send %s to relay %s: %s", receipt.MessageID, s.cfg, s.redact(err))
	if permanentSMTP(err) {
		return Receipt{}, notify.Permanent(out)
	}
	return Receipt{}, out
}

// permanentSMTP says whether err is a refusal that the same message to the
// same relay will meet again: a 5xx reply (an unknown mailbox, a rejected
// login), or a relay that cannot meet the configured security (a certificate
// that does not verify, PLAIN offered on a connection without TLS). 4xx
// replies and network failures pass.
func permanentSMTP(err error) bool {
	var send *mail.SendError
	if errors.As(err, &send) && send.ErrorCode() != 0 {
		return send.ErrorCode() >= 500
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code >= 500
	}
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verify) || errors.Is(err, mailsmtp.ErrUnencrypted) || errors.Is(err, mail.ErrPlainAuthNotSupported)
}

// redact writes err without the password, whatever a relay or a library
// chose to echo.
func (s *SMTP) redact(err error) string {
	text := err.Error()
	if s.cfg.Password != "" {
		text = strings.ReplaceAll(text, s.cfg.Password, "[redacted]")
	}
	return text
}
