package store

import (
	"context"

	"gorm.io/gorm"
)

// Transaction runs fn with a store every call of which joins one transaction,
// committed when fn returns nil and rolled back otherwise. A change and the
// audit event that records it are written this way, so neither is ever on
// record without the other. Writes inside fn that open a transaction of their
// own nest in this one.
func (s *Store) Transaction(ctx context.Context, fn func(tx *Store) error) error {
	return s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, sqlDB: s.sqlDB, dialect: s.dialect})
	})
}
