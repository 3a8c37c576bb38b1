package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Notify says how people are told of approvals: email over SMTP (or, in dev
// mode, a folder of .eml files), Slack, and webhook subscriptions. Secrets come
// from the environment or a file named by the environment (…_FILE), never
// from a flag that would show in a process list, and never from a playbook.
type Notify struct {
	SMTPHost     string
	SMTPPort     string // default: 587 for starttls, 465 for tls, 25 for none
	SMTPTLS      string // starttls (default) | tls | none
	SMTPCAFile   string // PEM roots to trust for a relay with a private CA
	SMTPHelo     string // the name given in EHLO; this machine's host name when empty
	SMTPTimeout  string // limit on connecting and on each command, e.g. 30s
	SMTPUser     string
	SMTPPassword string
	SMTPFrom     string // the From address, e.g. "Greenlight <approvals@agency.example>"
	// Outbox is a folder where dev mode writes every email as an .eml file
	// instead of sending it; empty outside dev mode, or when SMTP is set.
	Outbox             string
	SlackToken         string // a bot token (xoxb-…)
	SlackSigningSecret string // verifies Slack's interaction requests
	SlackAPIURL        string // Slack's Web API base; set only to reach a proxy or a test double
	WebhookURLs        []string
	WebhookSecret      string // whsec_… (Standard Webhooks), signs every webhook

	fileErrs []error // a …_FILE that could not be read, reported by Validate
}

// fromEnv overlays the notification settings of lookup on n.
func (n *Notify) fromEnv(lookup func(string) (string, bool)) {
	for _, v := range []envVar{
		{"GREENLIGHT_SMTP_HOST", &n.SMTPHost},
		{"GREENLIGHT_SMTP_PORT", &n.SMTPPort},
		{"GREENLIGHT_SMTP_TLS", &n.SMTPTLS},
		{"GREENLIGHT_SMTP_USER", &n.SMTPUser},
		{"GREENLIGHT_SMTP_FROM", &n.SMTPFrom},
		{"GREENLIGHT_SMTP_TLS_CA", &n.SMTPCAFile},
		{"GREENLIGHT_SMTP_HELO", &n.SMTPHelo},
		{"GREENLIGHT_SMTP_TIMEOUT", &n.SMTPTimeout},
		{"GREENLIGHT_OUTBOX", &n.Outbox},
		{"GREENLIGHT_SLACK_API_URL", &n.SlackAPIURL},
	} {
		if val, ok := lookup(v.name); ok && val != "" {
			*v.dst = val
		}
	}
	if val, ok := lookup("GREENLIGHT_WEBHOOK_URLS"); ok && strings.TrimSpace(val) != "" {
		n.WebhookURLs = nil
		for _, u := range strings.Split(val, ",") {
			if u = strings.TrimSpace(u); u != "" {
				n.WebhookURLs = append(n.WebhookURLs, u)
			}
		}
	}
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{"GREENLIGHT_SMTP_PASSWORD", &n.SMTPPassword},
		{"GREENLIGHT_SLACK_TOKEN", &n.SlackToken},
		{"GREENLIGHT_SLACK_SIGNING_SECRET", &n.SlackSigningSecret},
		{"GREENLIGHT_WEBHOOK_SECRET", &n.WebhookSecret},
	} {
		if val, ok := lookup(s.name); ok && val != "" {
			*s.dst = val
		}
		if path, ok := lookup(s.name + "_FILE"); ok && path != "" {
			b, err := os.ReadFile(filepath.Clean(path))
			if err != nil {
				// The path may be shown; the contents never are.
				n.fileErrs = append(n.fileErrs, fmt.Errorf("config: %s_FILE %s: %w", s.name, path, err))
				continue
			}
			*s.dst = strings.TrimSpace(string(b))
		}
	}
}

// validate names each bad notification setting.
func (n *Notify) validate() error {
	errs := append([]error{}, n.fileErrs...)
	// The relay's own settings (from, TLS mode) are checked by package
	// notify/email when the worker starts; here only what is read from the
	// environment.
	if n.SMTPPort != "" {
		if p, err := strconv.Atoi(n.SMTPPort); err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("config: GREENLIGHT_SMTP_PORT %q is not a port", n.SMTPPort))
		}
	}
	if n.SMTPTimeout != "" {
		if d, err := time.ParseDuration(n.SMTPTimeout); err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("config: GREENLIGHT_SMTP_TIMEOUT %q is not a positive duration such as 30s", n.SMTPTimeout))
		}
	}
	if n.SMTPHost != "" && n.SMTPUser != "" && n.SMTPPassword == "" {
		errs = append(errs, errors.New("config: GREENLIGHT_SMTP_USER is set without GREENLIGHT_SMTP_PASSWORD (or GREENLIGHT_SMTP_PASSWORD_FILE)"))
	}
	if n.SlackToken != "" && n.SlackSigningSecret == "" {
		errs = append(errs, errors.New("config: GREENLIGHT_SLACK_TOKEN is set without GREENLIGHT_SLACK_SIGNING_SECRET: Slack's button clicks could not be verified"))
	}
	if n.SlackAPIURL != "" {
		if u, err := url.Parse(n.SlackAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("config: GREENLIGHT_SLACK_API_URL %q is not an http(s) URL", n.SlackAPIURL))
		}
	}
	if len(n.WebhookURLs) > 0 && n.WebhookSecret == "" {
		errs = append(errs, errors.New("config: GREENLIGHT_WEBHOOK_URLS is set without GREENLIGHT_WEBHOOK_SECRET (whsec_…): receivers could not verify what we send"))
	}
	for _, raw := range n.WebhookURLs {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("config: GREENLIGHT_WEBHOOK_URLS: %q is not an http(s) URL", redactURL(raw)))
		}
	}
	return errors.Join(errs...)
}

// redactURL drops what a URL may carry as a credential, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
