package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Every kind of token is base64url(JSON claims) "." base64url(HMAC-SHA256(key,
// first part)), each kind under a key of its own derived from the one secret: a
// token of one kind fails the signature check of every other, so an approval link
// can never be used as an inbox link, nor the reverse. Approval links keep the
// secret itself as their key, so links already sent keep working.
const (
	purposeApproval = ""
	purposeInbox    = "greenlight inbox link"
	purposeTimeline = "greenlight timeline link"
	purposeForm     = "greenlight form token"
)

// keyFor derives the signing key of purpose from secret.
func keyFor(secret []byte, purpose string) []byte {
	if purpose == purposeApproval {
		return secret
	}
	return mac(secret, purpose)
}

func mac(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// sign encodes claims as JSON and signs them for purpose.
func sign(secret []byte, purpose string, claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("links: unable to encode claims: %w", err)
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(mac(keyFor(secret, purpose), body)), nil
}

// verify checks token's signature for purpose in constant time, then decodes its
// claims into dst; nothing of a forged token's contents is read.
func verify(secret []byte, purpose, token string, dst any) error {
	body, sig, ok := strings.Cut(token, ".")
	if !ok || body == "" || sig == "" {
		return ErrLinkMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return ErrLinkSignature
	}
	if !hmac.Equal(got, mac(keyFor(secret, purpose), body)) {
		return ErrLinkSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return ErrLinkMalformed
	}
	if err := json.Unmarshal(payload, dst); err != nil {
		return fmt.Errorf("%w: %w", ErrLinkMalformed, err)
	}
	return nil
}
