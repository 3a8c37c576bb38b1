package webhook

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a request's timestamp may be from now when
// Verify is given none.
const DefaultTolerance = 5 * time.Minute

// Why Verify refuses a request.
var (
	ErrMissingHeaders = errors.New("webhook: request lacks webhook-id, webhook-timestamp or webhook-signature")
	ErrTimestamp      = errors.New("webhook: request timestamp is outside the tolerance")
	ErrSignature      = errors.New("webhook: no signature matches")
)

// Verify checks a received webhook: its webhook-timestamp is within
// tolerance of now (DefaultTolerance when tolerance is not positive), and one
// of the signatures in webhook-signature is the v1 HMAC of the request under
// secret, or under one of several space-separated secrets. Comparisons take
// constant time.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ks, err := keys(secret)
	if err != nil {
		return err
	}
	id, stamp, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || stamp == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrTimestamp
	}
	// Each expected MAC is computed once, so a header listing many signatures
	// costs comparisons, not hashes of the body.
	want := make([][]byte, len(ks))
	for i, k := range ks {
		want[i] = mac(k, id, ts, body)
	}
	for _, sig := range strings.Fields(sigs) {
		version, value, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			continue
		}
		for _, w := range want {
			if hmac.Equal(got, w) {
				return nil
			}
		}
	}
	return ErrSignature
}
