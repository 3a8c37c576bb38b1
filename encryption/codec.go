// Package encryption keeps campaign payloads (workflow inputs, results,
// signals, activity arguments) unreadable to anyone who reads Temporal's
// database or its API without a key: a Temporal payload codec that seals each
// payload with AES-256-GCM under a named key. Several keys decrypt and one
// encrypts, so keys rotate: add the new key first, keep the old ones until
// no history needs them.
package encryption

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of a sealed payload. The encoding and key-id names follow
// Temporal's samples, so its tools recognise an encrypted payload.
const (
	Encoding    = "binary/encrypted"
	MetadataKey = "encryption-key-id"
)

// keyIDPattern is what a key may be called: it travels in every payload.
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ErrUnknownKey says a payload was sealed with a key this process lacks.
var ErrUnknownKey = errors.New("encryption: payload sealed with an unknown key")

// Codec seals payloads with the current key and opens those of any key it has.
type Codec struct {
	current string
	aeads   map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// ParseKeys reads keys written as "id:base64key,id:base64key": 32-byte keys,
// the first of which encrypts. Errors never quote a key.
func ParseKeys(spec string) (*Codec, error) {
	c := &Codec{aeads: map[string]cipher.AEAD{}}
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		id, b64, ok := strings.Cut(part, ":")
		if !ok || !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("encryption: key %d: write it as id:base64 (an id of letters, digits, . _ -)", i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("encryption: key %q: want 32 random bytes in standard base64 (openssl rand -base64 32)", id)
		}
		if _, dup := c.aeads[id]; dup {
			return nil, fmt.Errorf("encryption: key %q is given twice", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("encryption: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("encryption: key %q: %w", id, err)
		}
		c.aeads[id] = aead
		if i == 0 {
			c.current = id
		}
	}
	return c, nil
}

// KeyID is the key new payloads are sealed with.
func (c *Codec) KeyID() string { return c.current }

// Encode seals each payload whole (metadata and data) with the current key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.current]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encryption: payload %d: %w", i, err)
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encryption: nonce: %w", err)
		}
		// The key id is bound as associated data: a payload cannot be
		// relabelled to another key without failing to open.
		sealed := aead.Seal(nonce, nonce, plain, []byte(c.current))
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				MetadataKey:                []byte(c.current),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode opens sealed payloads and passes the others through, so histories
// written before encryption was turned on stay readable.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKey])
		aead, ok := c.aeads[id]
		if !ok {
			return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
		}
		if len(p.Data) < aead.NonceSize() {
			return nil, fmt.Errorf("encryption: payload %d is too short to be sealed", i)
		}
		nonce, sealed := p.Data[:aead.NonceSize()], p.Data[aead.NonceSize():]
		plain, err := aead.Open(nil, nonce, sealed, []byte(id))
		if err != nil {
			return nil, fmt.Errorf("encryption: payload %d does not open with key %q: altered, or sealed by another key of that name", i, id)
		}
		var decoded commonpb.Payload
		if err := proto.Unmarshal(plain, &decoded); err != nil {
			return nil, fmt.Errorf("encryption: payload %d: %w", i, err)
		}
		out[i] = &decoded
	}
	return out, nil
}
