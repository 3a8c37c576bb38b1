package encryption_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/greenlight/greenlight/encryption"
)

func key(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

func TestSealedPayloadsHoldNoPlaintextAndOpenAgain(t *testing.T) {
	c, err := encryption.ParseKeys("k1:" + key(t))
	require.NoError(t, err)
	dc := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
	in := map[string]any{"brand": "Acme Bakery", "token": "do-not-leak"}
	p, err := dc.ToPayload(in)
	require.NoError(t, err)
	assert.Equal(t, encryption.Encoding, string(p.Metadata[converter.MetadataEncoding]))
	assert.Equal(t, "k1", string(p.Metadata[encryption.MetadataKey]))
	assert.False(t, bytes.Contains(p.Data, []byte("Acme Bakery")), "ciphertext only")
	assert.False(t, bytes.Contains(p.Data, []byte("json/plain")), "the inner encoding is sealed too")
	var out map[string]any
	require.NoError(t, dc.FromPayload(p, &out))
	assert.Equal(t, in, out)

	again, err := dc.ToPayload(in)
	require.NoError(t, err)
	assert.NotEqual(t, p.Data, again.Data, "a fresh nonce for each payload")
}

func TestKeysRotate(t *testing.T) {
	k1, k2 := key(t), key(t)
	old, err := encryption.ParseKeys("k1:" + k1)
	require.NoError(t, err)
	sealedOld, err := old.Encode([]*commonpb.Payload{{Data: []byte(`"hello"`)}})
	require.NoError(t, err)

	rotated, err := encryption.ParseKeys("k2:" + k2 + ", k1:" + k1)
	require.NoError(t, err)
	assert.Equal(t, "k2", rotated.KeyID())
	opened, err := rotated.Decode(sealedOld)
	require.NoError(t, err, "the new set still opens what the old key sealed")
	assert.Equal(t, `"hello"`, string(opened[0].Data))
	sealedNew, err := rotated.Encode([]*commonpb.Payload{{Data: []byte(`"again"`)}})
	require.NoError(t, err)
	assert.Equal(t, "k2", string(sealedNew[0].Metadata[encryption.MetadataKey]))

	_, err = old.Decode(sealedNew)
	assert.True(t, errors.Is(err, encryption.ErrUnknownKey), "%v", err)
	assert.Contains(t, err.Error(), `"k2"`)
}

func TestTamperingAndRelabellingFail(t *testing.T) {
	ka, kb := key(t), key(t)
	c, err := encryption.ParseKeys("a:" + ka + ",b:" + kb)
	require.NoError(t, err)
	sealed, err := c.Encode([]*commonpb.Payload{{Data: []byte(`"x"`)}})
	require.NoError(t, err)

	flipped := &commonpb.Payload{Metadata: sealed[0].Metadata, Data: bytes.Clone(sealed[0].Data)}
	flipped.Data[len(flipped.Data)-1] ^= 1
	_, err = c.Decode([]*commonpb.Payload{flipped})
	assert.ErrorContains(t, err, "does not open")

	relabelled := &commonpb.Payload{Metadata: map[string][]byte{
		converter.MetadataEncoding: []byte(encryption.Encoding), encryption.MetadataKey: []byte("b")}, Data: sealed[0].Data}
	_, err = c.Decode([]*commonpb.Payload{relabelled})
	assert.ErrorContains(t, err, "does not open", "the key id is bound to the ciphertext")

	plain := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("json/plain")}, Data: []byte(`1`)}
	got, err := c.Decode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	assert.Same(t, plain, got[0], "payloads from before encryption pass through")
}

func TestParseKeysRefusesBadSpecsWithoutQuotingKeys(t *testing.T) {
	good := key(t)
	for _, spec := range []string{
		"", "nokey", "k1:" + good[:20], "k 1:" + good, "k1:" + good + ",k1:" + good, "k1:!!!notbase64!!!",
	} {
		_, err := encryption.ParseKeys(spec)
		require.Error(t, err, spec)
		assert.False(t, strings.Contains(err.Error(), good[:20]), "a key is never quoted: %v", err)
	}
}
