package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// secretPrefix marks a Standard Webhooks secret: whsec_ and the key in base64.
const secretPrefix = "whsec_"

// minKey is the shortest key accepted; Standard Webhooks asks for 24 to 64
// bytes and NewSecret makes 32.
const minKey = 16

// NewSecret returns a fresh secret, whsec_ and 32 random bytes in base64.
func NewSecret() (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: unable to make a secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// keys reads one secret, or several separated by spaces while one is being
// rotated out. Errors never quote a secret.
func keys(secrets string) ([][]byte, error) {
	fields := strings.Fields(secrets)
	if len(fields) == 0 {
		return nil, errors.New("webhook: no secret is set")
	}
	out := make([][]byte, 0, len(fields))
	for i, s := range fields {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, secretPrefix))
		if err != nil {
			return nil, fmt.Errorf("webhook: secret %d is not whsec_ followed by base64", i+1)
		}
		if len(key) < minKey {
			return nil, fmt.Errorf("webhook: secret %d holds %d bytes, fewer than %d", i+1, len(key), minKey)
		}
		out = append(out, key)
	}
	return out, nil
}

// Sign returns the webhook-signature value for a message: "v1," and the
// base64 HMAC-SHA256 of "<id>.<unix seconds>.<body>" under each secret in
// secret (space-separated during a rotation), the signatures separated by
// spaces.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	ks, err := keys(secret)
	if err != nil {
		return "", err
	}
	sigs := make([]string, len(ks))
	for i, k := range ks {
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac(k, id, ts.Unix(), body))
	}
	return strings.Join(sigs, " "), nil
}

func mac(key []byte, id string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	h.Write(body)
	return h.Sum(nil)
}
