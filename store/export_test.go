package store

// MigrationVersions exposes the registered migration versions to the external
// test package.
func MigrationVersions() []int {
	v := make([]int, 0, len(migrations))
	for _, m := range migrations {
		v = append(v, m.Version)
	}
	return v
}
