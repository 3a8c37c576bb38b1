package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/greenlight/greenlight/encryption"
	"github.com/greenlight/greenlight/server"
	"github.com/greenlight/greenlight/store"
)

// The Web UI's remote codec: it decodes what workers sealed, for tokens that
// may read every client, from the UI's origin.
func TestCodecEndpointDecodesForTheWebUI(t *testing.T) {
	k := make([]byte, 32)
	_, err := rand.Read(k)
	require.NoError(t, err)
	codec, err := encryption.ParseKeys("k1:" + base64.StdEncoding.EncodeToString(k))
	require.NoError(t, err)
	a := newApprovalsAPI(t, server.Deps{Auth: true, LinkSecret: testSecret, Codec: codec, CodecOrigins: []string{"http://127.0.0.1:8233"}})
	token := func(role string, clients ...string) string {
		_, secret, err := a.st.CreateToken(context.Background(), store.TokenSpec{Name: role + "-" + strings.Join(clients, ","), Role: role, Clients: clients})
		require.NoError(t, err)
		return secret
	}
	sealed, err := codec.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`{"brand":"Acme"}`)}})
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: sealed})
	require.NoError(t, err)

	call := func(method, path, token, origin string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		return rec
	}

	pre := call(http.MethodOptions, "/codec/decode", "", "http://127.0.0.1:8233", nil)
	assert.Equal(t, http.StatusNoContent, pre.Code, "a preflight carries no token")
	assert.Equal(t, "http://127.0.0.1:8233", pre.Header().Get("Access-Control-Allow-Origin"))
	assert.Contains(t, pre.Header().Get("Access-Control-Allow-Headers"), "Authorization")
	other := call(http.MethodOptions, "/codec/decode", "", "https://evil.example", nil)
	assert.Empty(t, other.Header().Get("Access-Control-Allow-Origin"), "no other origin")

	assert.Equal(t, http.StatusUnauthorized, call(http.MethodPost, "/codec/decode", "", "", body).Code)
	scoped := call(http.MethodPost, "/codec/decode", token("operator", "acme"), "", body)
	assert.Equal(t, http.StatusForbidden, scoped.Code, "a token of some clients may not read every client's payloads")

	rec := call(http.MethodPost, "/codec/decode", token("viewer"), "http://127.0.0.1:8233", body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "http://127.0.0.1:8233", rec.Header().Get("Access-Control-Allow-Origin"))
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(rec.Body.Bytes(), &out))
	require.Len(t, out.Payloads, 1)
	assert.Equal(t, `{"brand":"Acme"}`, string(out.Payloads[0].Data))

	enc := call(http.MethodPost, "/codec/encode", token("operator"), "", []byte(`{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"MQ=="}]}`))
	require.Equal(t, http.StatusOK, enc.Code, enc.Body.String())
	assert.Contains(t, enc.Body.String(), base64.StdEncoding.EncodeToString([]byte(encryption.Encoding)))

	bad := call(http.MethodPost, "/codec/decode", token("viewer"), "", []byte(`[]`))
	assert.Equal(t, http.StatusBadRequest, bad.Code)
	assert.Equal(t, "application/problem+json", bad.Header().Get("Content-Type"))
}
