package email

import (
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"time"
)

// TLS modes of the connection to the relay.
const (
	TLSNone     = "none"     // plain text; AUTH only to a relay on localhost
	TLSStartTLS = "starttls" // plain text upgraded with STARTTLS, which must succeed
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS)
)

// DefaultTimeout bounds each exchange with the relay (connect, each command).
const DefaultTimeout = 30 * time.Second

// Config is how Greenlight reaches its SMTP relay. The password is a secret:
// String, GoString and LogValue leave it out, and no error repeats it.
type Config struct {
	Host     string
	Port     int    // 0: 25 for none, 587 for starttls, 465 for tls
	TLS      string // none, starttls or tls; "" means starttls
	User     string // AUTH PLAIN when set
	Password string
	From     string // "Greenlight <greenlight@example.com>" or a bare address
	HeloName string // the name in EHLO; "" means this machine's host name
	CAFile   string // PEM roots to trust instead of the system's, for a relay with a private CA
	Timeout  time.Duration
}

// Environment variables of each setting, for messages (package config reads them;
// docs/notifications.md lists them).
const (
	EnvHost         = "GREENLIGHT_SMTP_HOST"
	EnvPort         = "GREENLIGHT_SMTP_PORT"
	EnvTLS          = "GREENLIGHT_SMTP_TLS"
	EnvUser         = "GREENLIGHT_SMTP_USER"
	EnvPassword     = "GREENLIGHT_SMTP_PASSWORD"
	EnvPasswordFile = "GREENLIGHT_SMTP_PASSWORD_FILE"
	EnvFrom         = "GREENLIGHT_SMTP_FROM"
	EnvHelo         = "GREENLIGHT_SMTP_HELO"
	EnvCAFile       = "GREENLIGHT_SMTP_TLS_CA"
	EnvTimeout      = "GREENLIGHT_SMTP_TIMEOUT"
)

// Enabled says whether a relay is configured at all.
func (c Config) Enabled() bool { return c.Host != "" }

// Validate names every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Host == "" {
		errs = append(errs, fmt.Errorf("email: %s is empty", EnvHost))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("email: %s %d is not a port number", EnvPort, c.Port))
	}
	switch c.TLS {
	case "", TLSNone, TLSStartTLS, TLSImplicit:
	default:
		errs = append(errs, fmt.Errorf("email: %s %q: want none, starttls or tls", EnvTLS, c.TLS))
	}
	if c.From == "" {
		errs = append(errs, fmt.Errorf("email: %s is empty", EnvFrom))
	} else if _, err := netmail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("email: %s %q is not an address: %w", EnvFrom, c.From, err))
	}
	if c.User == "" && c.Password != "" {
		errs = append(errs, fmt.Errorf("email: a password is set but %s is empty", EnvUser))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("email: %s %s is negative", EnvTimeout, c.Timeout))
	}
	return errors.Join(errs...)
}

func (c Config) tlsMode() string {
	if c.TLS == "" {
		return TLSStartTLS
	}
	return c.TLS
}

func (c Config) port() int {
	if c.Port != 0 {
		return c.Port
	}
	switch c.tlsMode() {
	case TLSNone:
		return 25
	case TLSImplicit:
		return 465
	}
	return 587
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// String describes the relay without the password.
func (c Config) String() string {
	auth := "no auth"
	if c.User != "" {
		auth = "user " + c.User
	}
	return fmt.Sprintf("smtp %s:%d (%s, %s) from %s", c.Host, c.port(), c.tlsMode(), auth, c.From)
}

// GoString keeps %#v from printing the password.
func (c Config) GoString() string { return "email.Config{" + c.String() + "}" }

// LogValue keeps slog from printing the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.port()), slog.String("tls", c.tlsMode()),
		slog.String("user", c.User), slog.Bool("password_set", c.Password != ""), slog.String("from", c.From),
	)
}
