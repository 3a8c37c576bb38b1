package links

import (
	"crypto/hmac"
	"encoding/base64"
)

// FormToken is the anti-forgery value a page's form carries: an HMAC of the
// link's id under the secret, so a form posts only with the link it was served
// for, and nobody without the secret can make one.
func FormToken(secret []byte, linkID string) string {
	return base64.RawURLEncoding.EncodeToString(mac(keyFor(secret, purposeForm), linkID))
}

// CheckFormToken says, in constant time, whether got is the form token of linkID.
func CheckFormToken(secret []byte, linkID, got string) bool {
	want := FormToken(secret, linkID)
	return linkID != "" && hmac.Equal([]byte(got), []byte(want))
}
