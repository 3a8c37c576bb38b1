package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Posts, reposts, likes and follows are keyed by TIDs. The connector does
// not let the PDS pick one: it derives the TID from the action key, so the
// same action always writes the same record key and a second create of it
// is refused instead of making a second post.
//
// The TID's timestamp is taken from the hash, within a fixed two-year window
// in the past, rather than from the clock: the clock would change between
// attempts, and a TID far in the future is one that some services treat as
// suspect. 46 bits of timestamp and 10 of clock id leave a collision between
// two keys of one account negligible.
var (
	tidFrom = time.Date(2023, time.January, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	tidSpan = uint64(2 * 365 * 24 * time.Hour / time.Microsecond)
)

// rkeyFor is the record key of the record key writes.
func rkeyFor(key string) string {
	h := sha256.Sum256([]byte("greenlight/bluesky/rkey\x00" + key))
	n := binary.BigEndian.Uint64(h[:8])
	micros := tidFrom + int64((n>>10)%tidSpan)
	return syntax.NewTID(micros, uint(n&0x3ff)).String()
}
