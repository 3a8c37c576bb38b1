// Package config holds the one typed configuration of every greenlight process. Values
// come from defaults, then the environment, then command-line flags, in that order.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// AdminTokenFile holds dev mode's admin token, under the data dir; the CLI
// reads it when GREENLIGHT_TOKEN is unset.
const AdminTokenFile = "admin-token"

// Config is read once at start and passed down; nothing reads the environment later.
type Config struct {
	DataDir      string // dev mode: where both SQLite databases live
	HTTPAddr     string // API listen address
	TemporalAddr string // Temporal frontend (dev mode: where the embedded server listens)
	UIAddr       string // dev mode: Web UI listen address
	UIURL        string // public base URL of the Temporal Web UI, used in ui_url links
	Namespace    string
	DatabaseURL  string // PostgreSQL URL; empty means SQLite under DataDir
	PlaybooksDir string // extra playbook YAML files registered at start
	TemporalTLS  TLS
	// DevTLS is the TLS dev's embedded Temporal frontend serves (dev only).
	DevTLS    DevTLS
	LogLevel  string
	LogFormat string // text | json
	// LinkSecret is the HMAC key of signed one-click approval links. Every API
	// replica needs the same one; dev mode keeps a generated one under DataDir.
	LinkSecret string
	// PublicURL is the API's base URL as approvers reach it, for approval links;
	// empty means the URL the link was requested through.
	PublicURL string
	// LaunchGrace is how long a campaign row may wait for its workflow before
	// the API's sweep marks its launch interrupted (a Go duration, e.g. "2m"; see
	// LaunchGraceDuration). It must exceed the time a launch can take plus the
	// clock skew between API replicas.
	LaunchGrace string
	// Notify says how people are told of approvals (notify.go).
	Notify Notify
	// CredentialsFile is the JSON secrets file the connectors' credentials
	// are read from (package credentials); "" reads the environment only.
	CredentialsFile string
	// Unattached says what a launch does with a platform the client has no
	// account on: UnattachedSandbox lends it the sandbox, UnattachedRefuse
	// answers 422. "" is dev's sandbox and the server's refuse.
	Unattached string
	// Payloads says how workflow payloads are kept in Temporal (payloads.go).
	Payloads Payloads
	// DBMaxConns caps the process's PostgreSQL connections; size it with
	// every other process against the server's max_connections
	// (docs/deploy.md#sizing).
	DBMaxConns int
	// WorkflowCache is how many campaigns a worker keeps in memory between
	// workflow tasks (worker.DefaultWorkflowCache when 0).
	WorkflowCache int
	// PprofAddr serves Go's profiles (net/http/pprof) on its own listener;
	// "" serves none.
	PprofAddr string
	// Versioning makes `greenlight worker` a build of a Temporal Worker
	// Deployment (versioning.go); unset, the worker is unversioned.
	Versioning Versioning
}

// Values of Unattached.
const (
	UnattachedSandbox = "sandbox"
	UnattachedRefuse  = "refuse"
)

// LendSandbox resolves Unattached for a process: dev lends the sandbox unless
// told to refuse, a server refuses unless told to lend.
func (c Config) LendSandbox(dev bool) bool {
	if dev {
		return c.Unattached != UnattachedRefuse
	}
	return c.Unattached == UnattachedSandbox
}

// DevTLS is the certificate dev's embedded Temporal frontend serves and the
// CA its clients' certificates must come from. It is set by flags only: the
// GREENLIGHT_TEMPORAL_TLS_* variables are the client side of the same
// connection, which a shell running dev may well hold for its workers.
type DevTLS struct {
	CertFile     string
	KeyFile      string
	ClientCAFile string // "" = no client certificate required
}

// Set reports whether dev is to serve TLS at all.
func (t DevTLS) Set() bool { return t.CertFile != "" || t.KeyFile != "" || t.ClientCAFile != "" }

// Flags of dev's embedded Temporal TLS (BindDevTLSFlags). The first two share
// their names with the client's flags of server and worker: on dev they are
// the server's side.
const (
	FlagDevTLSCert     = "temporal-tls-cert"
	FlagDevTLSKey      = "temporal-tls-key"
	FlagDevTLSClientCA = "temporal-tls-client-ca"
)

// BindDevTLSFlags registers dev's flags for serving its embedded Temporal over
// TLS, with no environment variables behind them (see DevTLS).
func (c *Config) BindDevTLSFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.DevTLS.CertFile, FlagDevTLSCert, "", "serve the embedded Temporal frontend over TLS with this certificate (PEM); needs --"+FlagDevTLSKey)
	fs.StringVar(&c.DevTLS.KeyFile, FlagDevTLSKey, "", "private key of --"+FlagDevTLSCert)
	fs.StringVar(&c.DevTLS.ClientCAFile, FlagDevTLSClientCA, "", "require clients of the embedded Temporal to present a certificate signed by a CA in this file (mTLS)")
}

// TLS configures the client connection to an external Temporal cluster.
type TLS struct {
	Enabled    bool
	CAFile     string
	CertFile   string
	KeyFile    string
	ServerName string
}

// Defaults are the documented defaults (README's configuration table).
func Defaults() Config {
	return Config{
		DataDir:      ".greenlight",
		HTTPAddr:     "127.0.0.1:8080",
		TemporalAddr: "127.0.0.1:7233",
		UIAddr:       "127.0.0.1:8233",
		Namespace:    "default",
		LogLevel:     "info",
		LogFormat:    "text",
		LaunchGrace:  DefaultLaunchGrace.String(),
		DBMaxConns:   DefaultDBMaxConns,
	}
}

// envVar names one setting's environment variable; the README table lists the same.
type envVar struct {
	name string
	dst  *string
}

// FromEnv overlays environment variables on c. lookup is os.LookupEnv in production.
func (c *Config) FromEnv(lookup func(string) (string, bool)) {
	vars := []envVar{
		{"GREENLIGHT_DATA_DIR", &c.DataDir},
		{"GREENLIGHT_HTTP", &c.HTTPAddr},
		{"GREENLIGHT_TEMPORAL_ADDRESS", &c.TemporalAddr},
		{"GREENLIGHT_UI", &c.UIAddr},
		{"GREENLIGHT_UI_URL", &c.UIURL},
		{"GREENLIGHT_NAMESPACE", &c.Namespace},
		{"DATABASE_URL", &c.DatabaseURL},
		{"GREENLIGHT_PLAYBOOKS_DIR", &c.PlaybooksDir},
		{"GREENLIGHT_TEMPORAL_TLS_CA", &c.TemporalTLS.CAFile},
		{"GREENLIGHT_TEMPORAL_TLS_CERT", &c.TemporalTLS.CertFile},
		{"GREENLIGHT_TEMPORAL_TLS_KEY", &c.TemporalTLS.KeyFile},
		{"GREENLIGHT_TEMPORAL_TLS_SERVER_NAME", &c.TemporalTLS.ServerName},
		{"GREENLIGHT_LOG_LEVEL", &c.LogLevel},
		{"GREENLIGHT_LOG_FORMAT", &c.LogFormat},
		{EnvLinkSecret, &c.LinkSecret},
		{EnvPublicURL, &c.PublicURL},
		{"GREENLIGHT_LAUNCH_GRACE", &c.LaunchGrace},
		{"GREENLIGHT_CREDENTIALS_FILE", &c.CredentialsFile},
		{"GREENLIGHT_UNATTACHED_PLATFORMS", &c.Unattached},
		{EnvPayloadKeys, &c.Payloads.Keys},
		{EnvPayloadKeysFile, &c.Payloads.KeysFile},
		{EnvPayloadEncryption, &c.Payloads.Encryption},
		{"GREENLIGHT_CODEC_ORIGINS", &c.Payloads.CodecOrigins},
		{"GREENLIGHT_PPROF", &c.PprofAddr},
	}
	for _, v := range vars {
		if val, ok := lookup(v.name); ok && val != "" {
			*v.dst = val
		}
	}
	intFromEnv(lookup, EnvWorkflowCache, &c.WorkflowCache)
	intFromEnv(lookup, EnvDBMaxConns, &c.DBMaxConns)
	if val, ok := lookup("GREENLIGHT_TEMPORAL_TLS"); ok {
		c.TemporalTLS.Enabled = val == "1" || strings.EqualFold(val, "true")
	}
	c.Notify.fromEnv(lookup)
	c.Versioning.fromEnv(lookup)
}

// intFromEnv sets *dst from the variable name when it is set; a value that
// is not a number is kept as -1, for Validate to name.
func intFromEnv(lookup func(string) (string, bool), name string, dst *int) {
	val, ok := lookup(name)
	if !ok || val == "" {
		return
	}
	n, err := strconv.Atoi(val)
	if err != nil {
		n = -1
	}
	*dst = n
}

// EnvWorkflowCache sets WorkflowCache.
const EnvWorkflowCache = "GREENLIGHT_WORKFLOW_CACHE"

// EnvDBMaxConns sets DBMaxConns.
const EnvDBMaxConns = "GREENLIGHT_DB_MAX_CONNS"

// DefaultDBMaxConns is each process's PostgreSQL pool: enough for the API's
// and the worker's concurrent writes, small enough that several replicas
// and Temporal fit in PostgreSQL's default of 100 connections.
const DefaultDBMaxConns = 20

// EnvLinkSecret is named in the error of a server started without a link secret.
const EnvLinkSecret = "GREENLIGHT_LINK_SECRET"

// MinLinkSecret is the shortest link secret accepted: 32 bytes, the HMAC-SHA256 key size.
const MinLinkSecret = 32

// DefaultLaunchGrace leaves a launch (bounded by the API at 10 s) two minutes
// before a sweep may call it interrupted: room for slow starts and for clocks
// of API replicas that disagree by a minute.
const DefaultLaunchGrace = 2 * time.Minute

// MinLaunchGrace is the shortest grace accepted: twice the API's launch timeout,
// for replicas whose clocks agree (NTP). Shorter, a sweep could fail a campaign
// whose workflow is starting at that moment.
const MinLaunchGrace = 20 * time.Second

// Flags that a process may expose; each command binds the ones it uses.
const (
	FlagDataDir     = "data-dir"
	FlagHTTP        = "http"
	FlagTemporal    = "temporal-address"
	FlagDevTemporal = "temporal" // dev mode's shorter name for the same setting
	FlagUI          = "ui"
	FlagUIURL       = "ui-url"
	FlagNamespace   = "namespace"
	FlagTLS         = "temporal-tls"
	FlagTLSCA       = "temporal-tls-ca"
	FlagTLSCert     = "temporal-tls-cert"
	FlagTLSKey      = "temporal-tls-key"
	FlagTLSName     = "temporal-tls-server-name"
	FlagPlaybooks   = "playbooks"
	FlagLogLevel    = "log-level"
	FlagLogFormat   = "log-format"
	FlagLinkSecret  = "link-secret"
	FlagPublicURL   = "public-url"
	FlagLaunchGrace = "launch-grace"
	FlagCredentials = "credentials-file"
	FlagUnattached  = "unattached-platforms"
	FlagEncryption  = "payload-encryption"
	FlagKeysFile    = "payload-keys-file"
	FlagCodecOrigin = "codec-origins"

	FlagWorkerDeployment = "worker-deployment"
	FlagWorkerBuildID    = "worker-build-id"
	FlagWorkerVersioning = "worker-versioning"
)

// BindFlags registers the named flags on fs, writing into c. Call after FromEnv so
// that the environment shows as each flag's default in --help.
func (c *Config) BindFlags(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		switch n {
		case FlagDataDir:
			fs.StringVar(&c.DataDir, n, c.DataDir, "folder for the embedded databases (GREENLIGHT_DATA_DIR)")
		case FlagHTTP:
			fs.StringVar(&c.HTTPAddr, n, c.HTTPAddr, "HTTP API listen address (GREENLIGHT_HTTP)")
		case FlagTemporal:
			fs.StringVar(&c.TemporalAddr, n, c.TemporalAddr, "Temporal frontend address (GREENLIGHT_TEMPORAL_ADDRESS)")
		case FlagDevTemporal:
			fs.StringVar(&c.TemporalAddr, n, c.TemporalAddr, "embedded Temporal frontend listen address (GREENLIGHT_TEMPORAL_ADDRESS)")
		case FlagUI:
			fs.StringVar(&c.UIAddr, n, c.UIAddr, "Temporal Web UI listen address (GREENLIGHT_UI)")
		case FlagUIURL:
			fs.StringVar(&c.UIURL, n, c.UIURL, "public URL of the Temporal Web UI for links (GREENLIGHT_UI_URL)")
		case FlagNamespace:
			fs.StringVar(&c.Namespace, n, c.Namespace, "Temporal namespace (GREENLIGHT_NAMESPACE)")
		case FlagTLS:
			fs.BoolVar(&c.TemporalTLS.Enabled, n, c.TemporalTLS.Enabled, "connect to Temporal over TLS (GREENLIGHT_TEMPORAL_TLS)")
		case FlagTLSCA:
			fs.StringVar(&c.TemporalTLS.CAFile, n, c.TemporalTLS.CAFile, "CA bundle for Temporal TLS (GREENLIGHT_TEMPORAL_TLS_CA)")
		case FlagTLSCert:
			fs.StringVar(&c.TemporalTLS.CertFile, n, c.TemporalTLS.CertFile, "client certificate for Temporal mTLS (GREENLIGHT_TEMPORAL_TLS_CERT)")
		case FlagTLSKey:
			fs.StringVar(&c.TemporalTLS.KeyFile, n, c.TemporalTLS.KeyFile, "client key for Temporal mTLS (GREENLIGHT_TEMPORAL_TLS_KEY)")
		case FlagTLSName:
			fs.StringVar(&c.TemporalTLS.ServerName, n, c.TemporalTLS.ServerName, "TLS server name of Temporal (GREENLIGHT_TEMPORAL_TLS_SERVER_NAME)")
		case FlagPlaybooks:
			fs.StringVar(&c.PlaybooksDir, n, c.PlaybooksDir, "folder of extra playbook YAML files to register at start (GREENLIGHT_PLAYBOOKS_DIR)")
		case FlagLogLevel:
			fs.StringVar(&c.LogLevel, n, c.LogLevel, "debug, info, warn or error (GREENLIGHT_LOG_LEVEL)")
		case FlagLogFormat:
			fs.StringVar(&c.LogFormat, n, c.LogFormat, "text or json (GREENLIGHT_LOG_FORMAT)")
		case FlagLinkSecret:
			// The environment's value is not shown as the default: help must not print a secret.
			fs.Var(secretValue{&c.LinkSecret}, n, "key that signs approval links, 32+ characters; prefer the environment (GREENLIGHT_LINK_SECRET)")
		case FlagPublicURL:
			fs.StringVar(&c.PublicURL, n, c.PublicURL, "public base URL of the API, used in approval links (GREENLIGHT_PUBLIC_URL)")
		case FlagCredentials:
			fs.StringVar(&c.CredentialsFile, n, c.CredentialsFile, "JSON file of connector credentials by name, read again when it changes (GREENLIGHT_CREDENTIALS_FILE)")
		case FlagUnattached:
			fs.StringVar(&c.Unattached, n, c.Unattached, "a platform the client has no account on: sandbox (lend the sandbox; dev's default) or refuse (422; the server's default) (GREENLIGHT_UNATTACHED_PLATFORMS)")
		case FlagEncryption:
			fs.StringVar(&c.Payloads.Encryption, n, c.Payloads.Encryption, "on (the default outside dev: payload keys required) or off (payloads kept in plain text) (GREENLIGHT_PAYLOAD_ENCRYPTION)")
		case FlagKeysFile:
			fs.StringVar(&c.Payloads.KeysFile, n, c.Payloads.KeysFile, "file holding the payload keys, id:base64 separated by commas or lines, the first encrypts (GREENLIGHT_PAYLOAD_KEYS_FILE; or the keys themselves in GREENLIGHT_PAYLOAD_KEYS)")
		case FlagCodecOrigin:
			fs.StringVar(&c.Payloads.CodecOrigins, n, c.Payloads.CodecOrigins, "origins of the Temporal Web UI allowed to call /codec, comma-separated; default the origin of --ui-url (GREENLIGHT_CODEC_ORIGINS)")
		case FlagWorkerDeployment:
			fs.StringVar(&c.Versioning.Deployment, n, c.Versioning.Deployment, "Temporal Worker Deployment this worker belongs to; empty: the task queue's name (GREENLIGHT_WORKER_DEPLOYMENT)")
		case FlagWorkerBuildID:
			fs.StringVar(&c.Versioning.BuildID, n, c.Versioning.BuildID, "build id of this worker in its Worker Deployment; empty: unversioned (GREENLIGHT_WORKER_BUILD_ID)")
		case FlagWorkerVersioning:
			fs.StringVar(&c.Versioning.Behavior, n, c.Versioning.Behavior, "what running campaigns do when another build becomes current: auto-upgrade (the default: move to it) or pinned (stay on this build) (GREENLIGHT_WORKER_VERSIONING)")
		case FlagLaunchGrace:
			fs.StringVar(&c.LaunchGrace, n, c.LaunchGrace, "how long a new campaign may wait for its workflow before it is failed as an interrupted launch (GREENLIGHT_LAUNCH_GRACE)")
		}
	}
}

// Load returns the defaults overlaid with the process environment.
func Load() Config {
	c := Defaults()
	c.FromEnv(os.LookupEnv)
	return c
}

// Validate checks the settings a process is about to use and names each bad one.
func (c *Config) Validate() error {
	var errs []error
	for _, a := range []struct{ name, addr string }{
		{"--http", c.HTTPAddr}, {"--temporal-address", c.TemporalAddr}, {"--ui", c.UIAddr},
	} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			errs = append(errs, fmt.Errorf("config: %s %q is not host:port: %w", a.name, a.addr, err))
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("config: DATABASE_URL must start with postgres:// or postgresql://"))
	}
	if _, err := c.SlogLevel(); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("config: --log-format %q: want text or json", c.LogFormat))
	}
	if c.LinkSecret != "" && len(c.LinkSecret) < MinLinkSecret {
		errs = append(errs, fmt.Errorf("config: %s (--link-secret) must be at least %d characters, got %d", EnvLinkSecret, MinLinkSecret, len(c.LinkSecret)))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("config: GREENLIGHT_PUBLIC_URL (--public-url) %q is not an http(s) URL", c.PublicURL))
		}
	}
	if c.Namespace == "" {
		errs = append(errs, fmt.Errorf("config: --namespace must not be empty"))
	}
	if _, err := c.LaunchGraceDuration(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Notify.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Payloads.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.WorkflowCache < 0 || c.WorkflowCache > 1_000_000 {
		errs = append(errs, fmt.Errorf("config: %s must be a number of workflows from 1 to 1000000", EnvWorkflowCache))
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 1000 {
		errs = append(errs, fmt.Errorf("config: %s must be a number of connections from 1 to 1000", EnvDBMaxConns))
	}
	if err := c.Versioning.validate(); err != nil {
		errs = append(errs, err)
	}
	switch c.Unattached {
	case "", UnattachedSandbox, UnattachedRefuse:
	default:
		errs = append(errs, fmt.Errorf("config: GREENLIGHT_UNATTACHED_PLATFORMS (--unattached-platforms) %q: want sandbox or refuse", c.Unattached))
	}
	return errors.Join(errs...)
}

// SlogLevel parses LogLevel.
func (c *Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("config: --log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// LaunchGraceDuration parses LaunchGrace; empty means DefaultLaunchGrace.
func (c *Config) LaunchGraceDuration() (time.Duration, error) {
	if c.LaunchGrace == "" {
		return DefaultLaunchGrace, nil
	}
	d, err := time.ParseDuration(c.LaunchGrace)
	if err != nil {
		return 0, fmt.Errorf("config: GREENLIGHT_LAUNCH_GRACE (--launch-grace) %q is not a duration such as 2m or 90s", c.LaunchGrace)
	}
	if d < MinLaunchGrace {
		return 0, fmt.Errorf("config: GREENLIGHT_LAUNCH_GRACE (--launch-grace) %s is shorter than the minimum %s: a sweep could fail a launch still under way", d, MinLaunchGrace)
	}
	return d, nil
}

// SQLitePath is where dev mode keeps Greenlight's own database.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "greenlight.db") }

// WebUIURL is the base URL for links into the Temporal Web UI.
func (c *Config) WebUIURL() string {
	if c.UIURL != "" {
		return strings.TrimRight(c.UIURL, "/")
	}
	if c.UIAddr == "" {
		return ""
	}
	return "http://" + c.UIAddr
}

// APIBaseURL is the public base URL for approval links, "" when links should
// use the address they were requested through.
func (c *Config) APIBaseURL() string { return strings.TrimRight(c.PublicURL, "/") }

// EnvPublicURL is named when a worker lacks the public URL its links need.
const EnvPublicURL = "GREENLIGHT_PUBLIC_URL"

// LinkSettingsMissing names the variables a worker lacks to put signed one-click
// links in what it sends (it has no API address of its own to fall back on):
// exactly those unset, none when links are on.
func (c *Config) LinkSettingsMissing() []string {
	var missing []string
	if c.LinkSecret == "" {
		missing = append(missing, EnvLinkSecret)
	}
	if c.APIBaseURL() == "" {
		missing = append(missing, EnvPublicURL)
	}
	return missing
}

// secretValue is a flag value that never shows its contents in --help.
type secretValue struct{ dst *string }

func (v secretValue) String() string {
	if v.dst == nil || *v.dst == "" {
		return ""
	}
	return "(set)"
}
func (v secretValue) Set(s string) error { *v.dst = s; return nil }
func (v secretValue) Type() string       { return "string" }

// Logger builds the process logger from LogLevel and LogFormat.
func (c *Config) Logger() *slog.Logger {
	lvl, _ := c.SlogLevel()
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
