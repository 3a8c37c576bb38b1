package store

import "context"

// MigrationVersions exposes the registered migration versions to the external
// test package.
func MigrationVersions() []int {
	v := make([]int, 0, len(migrations))
	for _, m := range migrations {
		v = append(v, m.Version)
	}
	return v
}

// MigrateUpTo applies the migrations up to version only, to build a database
// as an older release left it.
func (s *Store) MigrateUpTo(ctx context.Context, version int) error {
	for _, m := range migrations {
		if m.Version > version {
			break
		}
		if _, err := s.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
