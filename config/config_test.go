package config

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestEnvThenFlags(t *testing.T) {
	c := Defaults()
	env := map[string]string{"GREENLIGHT_HTTP": "0.0.0.0:9000", "DATABASE_URL": "postgres://x@db/greenlight", "GREENLIGHT_TEMPORAL_TLS": "true"}
	c.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c.BindFlags(fs, FlagHTTP, FlagDevTemporal, FlagUI)
	if err := fs.Parse([]string{"--temporal", "127.0.0.1:17233"}); err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "0.0.0.0:9000" || c.TemporalAddr != "127.0.0.1:17233" || c.UIAddr != "127.0.0.1:8233" {
		t.Fatalf("got %+v", c)
	}
	if !c.TemporalTLS.Enabled || c.DatabaseURL == "" {
		t.Fatalf("environment not applied: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesEveryBadSetting(t *testing.T) {
	c := Defaults()
	c.HTTPAddr = "8080"
	c.DatabaseURL = "mysql://x"
	c.LogLevel = "loud"
	c.LogFormat = "xml"
	err := c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"--http", "DATABASE_URL", "--log-level", "--log-format"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestWebUIURL(t *testing.T) {
	c := Defaults()
	if got := c.WebUIURL(); got != "http://127.0.0.1:8233" {
		t.Fatalf("got %s", got)
	}
	c.UIURL = "https://temporal.example.test/"
	if got := c.WebUIURL(); got != "https://temporal.example.test" {
		t.Fatalf("got %s", got)
	}
}

func TestLinkSecretAndPublicURL(t *testing.T) {
	c := Defaults()
	env := map[string]string{"GREENLIGHT_LINK_SECRET": "short", "GREENLIGHT_PUBLIC_URL": "approve.example.test"}
	c.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "GREENLIGHT_LINK_SECRET") || !strings.Contains(err.Error(), "GREENLIGHT_PUBLIC_URL") {
		t.Fatalf("want both settings named, got %v", err)
	}

	c.LinkSecret = strings.Repeat("s", MinLinkSecret)
	c.PublicURL = "https://approve.example.test/"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.APIBaseURL(); got != "https://approve.example.test" {
		t.Fatalf("got %s", got)
	}

	// The flag's help never prints the secret that came from the environment.
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c.BindFlags(fs, FlagLinkSecret, FlagPublicURL)
	if strings.Contains(fs.FlagUsages(), c.LinkSecret) {
		t.Fatalf("help shows the secret: %s", fs.FlagUsages())
	}
	if err := fs.Parse([]string{"--link-secret", strings.Repeat("f", 40)}); err != nil {
		t.Fatal(err)
	}
	if c.LinkSecret != strings.Repeat("f", 40) {
		t.Fatalf("flag not applied: %q", c.LinkSecret)
	}
}

func TestLaunchGrace(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		want    time.Duration
		wantErr string
	}{
		{name: "default", want: DefaultLaunchGrace},
		{name: "set", env: "90s", want: 90 * time.Second},
		{name: "minimum", env: "20s", want: MinLaunchGrace},
		{name: "too short", env: "5s", wantErr: "shorter than the minimum"},
		{name: "not a duration", env: "two minutes", wantErr: "not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			c.FromEnv(func(k string) (string, bool) {
				if k == "GREENLIGHT_LAUNCH_GRACE" && tt.env != "" {
					return tt.env, true
				}
				return "", false
			})
			got, err := c.LaunchGraceDuration()
			verr := c.Validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || verr == nil || !strings.Contains(verr.Error(), "--launch-grace") {
					t.Fatalf("got %v / %v, want an error with %q naming the flag", err, verr, tt.wantErr)
				}
				return
			}
			if err != nil || verr != nil || got != tt.want {
				t.Fatalf("got %s, %v, %v; want %s", got, err, verr, tt.want)
			}
		})
	}
}

func TestLinkSettingsMissingNamesExactlyWhatIsUnset(t *testing.T) {
	secret := strings.Repeat("s", MinLinkSecret)
	for _, tc := range []struct {
		secret, url string
		want        []string
	}{
		{"", "", []string{EnvLinkSecret, EnvPublicURL}},
		{secret, "", []string{EnvPublicURL}},
		{"", "https://approve.example.test", []string{EnvLinkSecret}},
		{secret, "https://approve.example.test/", nil},
		{secret, "/", []string{EnvPublicURL}},
	} {
		c := Defaults()
		c.LinkSecret, c.PublicURL = tc.secret, tc.url
		if got := c.LinkSettingsMissing(); !slices.Equal(got, tc.want) {
			t.Errorf("secret %q, public URL %q: missing %v, want %v", tc.secret, tc.url, got, tc.want)
		}
	}
}

func TestWorkerVersioning(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		flags   []string
		want    Versioning
		wantErr []string // each must be named in the error
	}{
		{name: "unversioned by default", want: Versioning{}},
		{name: "a build in the default deployment", env: map[string]string{EnvWorkerBuildID: "v1"}, want: Versioning{BuildID: "v1"}},
		{
			name:  "flags over the environment",
			env:   map[string]string{EnvWorkerBuildID: "v1", EnvWorkerDeployment: "acme", EnvWorkerVersioning: VersioningPinned},
			flags: []string{"--worker-build-id", "v2", "--worker-versioning", VersioningAutoUpgrade},
			want:  Versioning{Deployment: "acme", BuildID: "v2", Behavior: VersioningAutoUpgrade},
		},
		{name: "deployment without a build", env: map[string]string{EnvWorkerDeployment: "acme"}, wantErr: []string{EnvWorkerBuildID, "--worker-build-id"}},
		{name: "behaviour without a build", env: map[string]string{EnvWorkerVersioning: VersioningPinned}, wantErr: []string{EnvWorkerBuildID}},
		{name: "unknown behaviour", env: map[string]string{EnvWorkerBuildID: "v1", EnvWorkerVersioning: "sticky"}, wantErr: []string{EnvWorkerVersioning, "--worker-versioning"}},
		{name: "dot in the deployment", env: map[string]string{EnvWorkerBuildID: "v1", EnvWorkerDeployment: "acme.prod"}, wantErr: []string{EnvWorkerDeployment, "'.'"}},
		{name: "colon in the deployment", env: map[string]string{EnvWorkerBuildID: "v1", EnvWorkerDeployment: "acme:prod"}, wantErr: []string{EnvWorkerDeployment}},
		{name: "reserved build", env: map[string]string{EnvWorkerBuildID: "__v1"}, wantErr: []string{EnvWorkerBuildID, "__"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			c.FromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			c.BindFlags(fs, FlagWorkerDeployment, FlagWorkerBuildID, FlagWorkerVersioning)
			if err := fs.Parse(tt.flags); err != nil {
				t.Fatal(err)
			}
			err := c.Validate()
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("got %+v and no error", c.Versioning)
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error does not name %s: %v", want, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Versioning != tt.want {
				t.Fatalf("got %+v, want %+v", c.Versioning, tt.want)
			}
			if c.Versioning.Enabled() != (tt.want.BuildID != "") {
				t.Fatalf("Enabled() = %v for %+v", c.Versioning.Enabled(), c.Versioning)
			}
		})
	}
}

// Dev's TLS flags are the embedded server's side: the client variables a
// shell holds for its workers never set them.
func TestDevTLSFlagsHaveNoEnvironment(t *testing.T) {
	c := Defaults()
	env := map[string]string{"GREENLIGHT_TEMPORAL_TLS_CERT": "/certs/client.pem", "GREENLIGHT_TEMPORAL_TLS_KEY": "/certs/client.key"}
	c.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	fs := pflag.NewFlagSet("dev", pflag.ContinueOnError)
	c.BindDevTLSFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if c.DevTLS.Set() {
		t.Fatalf("dev serves TLS from the client's environment: %+v", c.DevTLS)
	}
	if err := fs.Parse([]string{"--temporal-tls-cert", "s.pem", "--temporal-tls-key", "s.key", "--temporal-tls-client-ca", "ca.pem"}); err != nil {
		t.Fatal(err)
	}
	if c.DevTLS != (DevTLS{CertFile: "s.pem", KeyFile: "s.key", ClientCAFile: "ca.pem"}) || c.TemporalTLS.CertFile != "/certs/client.pem" {
		t.Fatalf("got dev %+v, client %+v", c.DevTLS, c.TemporalTLS)
	}
}
