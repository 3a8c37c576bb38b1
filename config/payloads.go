package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Environment variables of payload encryption, named in start-up errors.
const (
	EnvPayloadKeys       = "GREENLIGHT_PAYLOAD_KEYS"
	EnvPayloadKeysFile   = "GREENLIGHT_PAYLOAD_KEYS_FILE"
	EnvPayloadEncryption = "GREENLIGHT_PAYLOAD_ENCRYPTION"
)

// Values of Payloads.Encryption.
const (
	EncryptionOn  = "on"
	EncryptionOff = "off"
)

// Payloads says how campaign payloads (inputs, results, signals, activity
// arguments) are kept in Temporal: sealed with the payload keys (package
// encryption), or in plain text.
type Payloads struct {
	// Keys are "id:base64key" entries separated by commas or new lines; the
	// first encrypts, every one decrypts. Only the environment sets them,
	// never a flag, so they stay out of process listings.
	Keys string
	// KeysFile holds the same, for keys mounted as a secret file.
	KeysFile string
	// Encryption is "" (on outside dev, on in dev when keys are given), on
	// or off.
	Encryption string
	// CodecOrigins are the Web UI origins allowed to call /codec,
	// comma-separated; "" allows the origin of UIURL.
	CodecOrigins string
}

func (p Payloads) validate() error {
	switch p.Encryption {
	case "", EncryptionOn, EncryptionOff:
	default:
		return fmt.Errorf("config: %s (--payload-encryption) %q: want on or off", EnvPayloadEncryption, p.Encryption)
	}
	if p.Keys != "" && p.KeysFile != "" {
		return fmt.Errorf("config: set %s or %s, not both", EnvPayloadKeys, EnvPayloadKeysFile)
	}
	if p.Encryption == EncryptionOff && (p.Keys != "" || p.KeysFile != "") {
		return fmt.Errorf("config: %s=off but payload keys are set: drop the keys, or the setting, so it is clear whether histories are encrypted", EnvPayloadEncryption)
	}
	for _, o := range p.origins() {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			return fmt.Errorf("config: GREENLIGHT_CODEC_ORIGINS (--codec-origins): %q is not an origin such as https://temporal-ui.example.com", o)
		}
	}
	return nil
}

func (p Payloads) origins() []string {
	var out []string
	for _, o := range strings.Split(p.CodecOrigins, ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// KeySpec is the configured keys as one "id:key,id:key" list ("" when none
// is set), read from KeysFile when that is the one given.
func (p Payloads) KeySpec() (string, error) {
	raw := p.Keys
	if p.KeysFile != "" {
		b, err := os.ReadFile(p.KeysFile)
		if err != nil {
			return "", fmt.Errorf("read payload keys (%s): %w", EnvPayloadKeysFile, err)
		}
		raw = string(b)
	}
	var keys []string
	for _, line := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		keys = append(keys, line)
	}
	return strings.Join(keys, ","), nil
}

// CodecOriginsFor is the Web UI origins allowed to call /codec: the
// configured ones, else the origin of the UI's public URL.
func (c Config) CodecOriginsFor(uiURL string) []string {
	if o := c.Payloads.origins(); len(o) > 0 {
		return o
	}
	if u, err := url.Parse(uiURL); err == nil && u.Scheme != "" && u.Host != "" {
		return []string{u.Scheme + "://" + u.Host}
	}
	return nil
}
