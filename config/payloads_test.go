package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPayloadKeysFromAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte("# newest first\nk2:AAAA\n\nk1:BBBB, k0:CCCC\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Payloads{KeysFile: path}.KeySpec()
	if err != nil || got != "k2:AAAA,k1:BBBB,k0:CCCC" {
		t.Fatalf("KeySpec = %q, %v", got, err)
	}
	if _, err := (Payloads{KeysFile: path + ".missing"}).KeySpec(); err == nil || !strings.Contains(err.Error(), EnvPayloadKeysFile) {
		t.Fatalf("a missing file names its variable: %v", err)
	}
}

func TestPayloadSettingsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		p    Payloads
		want string
	}{
		{Payloads{Encryption: "maybe"}, `GREENLIGHT_PAYLOAD_ENCRYPTION (--payload-encryption) "maybe": want on or off`},
		{Payloads{Keys: "k:x", KeysFile: "/f"}, "set GREENLIGHT_PAYLOAD_KEYS or GREENLIGHT_PAYLOAD_KEYS_FILE, not both"},
		{Payloads{Keys: "k:x", Encryption: EncryptionOff}, "GREENLIGHT_PAYLOAD_ENCRYPTION=off but payload keys are set"},
		{Payloads{CodecOrigins: "https://ui.test/path"}, `"https://ui.test/path" is not an origin`},
		{Payloads{CodecOrigins: "https://ui.test, http://localhost:8233/"}, ""},
	} {
		err := tc.p.validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.p, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.p, err, tc.want)
		}
	}
	c := Defaults()
	if got := c.CodecOriginsFor("https://temporal.example.test/namespaces/default"); len(got) != 1 || got[0] != "https://temporal.example.test" {
		t.Errorf("the UI's origin by default: %v", got)
	}
	c.Payloads.CodecOrigins = "https://a.test/, https://b.test"
	if got := c.CodecOriginsFor("https://temporal.example.test"); strings.Join(got, " ") != "https://a.test https://b.test" {
		t.Errorf("configured origins: %v", got)
	}
}

func TestNumbersFromTheEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env       map[string]string
		cache, db int
		wantErr   string
	}{
		{env: map[string]string{}, cache: 0, db: DefaultDBMaxConns},
		{env: map[string]string{EnvWorkflowCache: "250", EnvDBMaxConns: "8"}, cache: 250, db: 8},
		{env: map[string]string{EnvWorkflowCache: "many"}, wantErr: EnvWorkflowCache},
		{env: map[string]string{EnvDBMaxConns: "0"}, wantErr: EnvDBMaxConns},
	} {
		c := Defaults()
		c.FromEnv(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
		err := c.Validate()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: got %v, want an error naming %s", tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil || c.WorkflowCache != tc.cache || c.DBMaxConns != tc.db {
			t.Errorf("%v: cache %d, db %d, %v", tc.env, c.WorkflowCache, c.DBMaxConns, err)
		}
	}
}
