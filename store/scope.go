package store

import "gorm.io/gorm"

// byClient narrows q to one client when client is set, and to a scoped
// caller's clients when clients is non-nil (nil means every client). col is the
// client column, qualified in a join. A scoped caller with no clients sees
// nothing: "" is never a client id, and it keeps the IN list valid SQL.
func byClient(q *gorm.DB, col, client string, clients []string) *gorm.DB {
	if client != "" {
		q = q.Where(col+" = ?", client)
	}
	if clients != nil {
		q = q.Where(col+" IN ?", append([]string{""}, clients...))
	}
	return q
}
