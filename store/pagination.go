package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// pageLimit applies a list's default and bounds to a requested limit.
func pageLimit(limit, def, max int) (int, error) {
	switch {
	case limit == 0:
		return def, nil
	case limit < 0 || limit > max:
		return 0, fmt.Errorf("%w: limit %d: want 1..%d, or 0 for the default", ErrInvalid, limit, max)
	default:
		return limit, nil
	}
}

// cursor is the position after the last item of a page under the ordering
// (created_at desc, id desc), or, for lists ordered by id alone (people), id
// with no time. Keyset rather than offset, so that items created while
// someone pages through the list neither repeat nor vanish.
type cursor struct {
	CreatedAt time.Time `json:"c,omitzero"`
	ID        string    `json:"i"`
}

// cutPage keeps the first limit of items, which were read with one more than
// limit to tell whether another page follows without a count query, and gives
// the token of that page ("" when none): the cursor of its last item.
func cutPage[T any](items []T, limit int, at func(*T) cursor) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, encodeCursor(at(&items[limit-1]))
}

// encodeCursor yields an opaque token: clients must not build or parse it, so
// its format can change without breaking them.
func encodeCursor(c cursor) string {
	b, err := json.Marshal(c)
	if err != nil {
		// A struct of a time and a string always marshals.
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(token string) (cursor, error) {
	c, err := parseCursor(token)
	if err != nil || c.CreatedAt.IsZero() {
		return c, fmt.Errorf("%w: malformed page token", ErrInvalid)
	}
	c.CreatedAt = utc(c.CreatedAt)
	return c, nil
}

// decodeIDCursor reads the token of a list ordered by id: the last id shown.
func decodeIDCursor(token string) (string, error) {
	c, err := parseCursor(token)
	if err != nil || !c.CreatedAt.IsZero() {
		return "", fmt.Errorf("%w: malformed page token", ErrInvalid)
	}
	return c.ID, nil
}

func parseCursor(token string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, err
	}
	if c.ID == "" {
		return c, errors.New("no id")
	}
	return c, nil
}
