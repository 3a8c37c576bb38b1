package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// models lists every model the migrations must create: add a model here when
// adding it to models.go, and its columns and indexes are checked from then on.
var models = []any{
	&store.Client{}, &store.Playbook{}, &store.Campaign{}, &store.StepRun{},
	&store.Approval{}, &store.AuditEvent{}, &store.PlatformAction{}, &store.ApprovalVote{}, &store.DecisionToken{}, &store.Delivery{}, &store.Notice{},
	&store.APIToken{}, &store.PlaybookOwner{}, &store.Person{}, &store.AccountHold{}, &store.Deployment{},
}

type migrationRow struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

func appliedMigrations(t *testing.T, s *store.Store) []migrationRow {
	t.Helper()
	var rows []migrationRow
	require.NoError(t, s.DB().WithContext(ctxT(t)).Table("schema_migrations").Order("version").Find(&rows).Error)
	return rows
}

func TestMigrationVersionsAreOrdered(t *testing.T) {
	v := store.MigrationVersions()
	require.NotEmpty(t, v)
	assert.Equal(t, 1, v[0])
	for i := 1; i < len(v); i++ {
		assert.Greater(t, v[i], v[i-1], "migration versions must strictly increase")
	}
}

// TestSchemaMatchesModels fails when models.go and the migrations drift apart:
// every table, column, nullability and declared index of the models must
// exist, and nothing more.
func TestSchemaMatchesModels(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		db := s.DB().WithContext(ctxT(t))
		m := db.Migrator()
		for _, model := range models {
			stmt := &gorm.Statement{DB: db}
			require.NoError(t, stmt.Parse(model))
			sch := stmt.Schema
			t.Run(sch.Table, func(t *testing.T) {
				require.True(t, m.HasTable(model), "table %s", sch.Table)

				var wantCols []string
				for _, f := range sch.Fields {
					if f.DBName == "" || f.IgnoreMigration {
						continue // read from a join, not a column of this table
					}
					assert.True(t, m.HasColumn(model, f.Name), "column %s.%s", sch.Table, f.DBName)
					wantCols = append(wantCols, f.DBName)
				}
				cols, err := m.ColumnTypes(model)
				require.NoError(t, err)
				var gotCols []string
				for _, c := range cols {
					gotCols = append(gotCols, c.Name())
					f := sch.LookUpField(c.Name())
					if f == nil {
						continue
					}
					nullable, ok := c.Nullable()
					if ok {
						assert.Equal(t, !(f.NotNull || f.PrimaryKey), nullable, "nullability of %s.%s", sch.Table, f.DBName)
					}
				}
				assert.ElementsMatch(t, wantCols, gotCols, "columns of %s", sch.Table)

				type index struct {
					Name    string
					Unique  bool
					Columns []string
				}
				var want []index
				for _, idx := range sch.ParseIndexes() {
					var cols []string
					for _, f := range idx.Fields {
						cols = append(cols, f.DBName)
					}
					want = append(want, index{idx.Name, idx.Class == "UNIQUE", cols})
				}
				actual, err := m.GetIndexes(model)
				require.NoError(t, err)
				var got []index
				for _, idx := range actual {
					if pk, _ := idx.PrimaryKey(); pk || isImplicitIndex(idx.Name()) {
						continue
					}
					unique, _ := idx.Unique()
					got = append(got, index{idx.Name(), unique, idx.Columns()})
				}
				byName := func(l []index) { sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name }) }
				byName(want)
				byName(got)
				assert.Equal(t, want, got, "indexes of %s", sch.Table)
			})
		}
	})
}

// isImplicitIndex tells the indexes a database creates on its own for primary
// keys (SQLite's sqlite_autoindex_*, PostgreSQL's *_pkey), which no model declares.
func isImplicitIndex(name string) bool {
	return strings.HasPrefix(name, "sqlite_autoindex_") || strings.HasSuffix(name, "_pkey")
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		before := appliedMigrations(t, s)
		require.Len(t, before, len(store.MigrationVersions()))
		for i, v := range store.MigrationVersions() {
			assert.Equal(t, v, before[i].Version)
			assert.NotEmpty(t, before[i].Name)
		}

		mustCreate(t, s, newCampaign("c1", "acme", "launch", "running", t0))
		versions := store.MigrationVersions()
		for range 2 {
			done, err := s.ApplyMigrations(ctx)
			require.NoError(t, err)
			assert.Equal(t, store.Migrated{Applied: 0, Version: versions[len(versions)-1]}, done, "up to date: nothing applied")
		}
		assert.Equal(t, before, appliedMigrations(t, s), "a second Migrate applies nothing")
		_, err := s.GetCampaign(ctx, "c1")
		assert.NoError(t, err, "data survives a second Migrate")
	})
}

// freshDatabase configures an empty database of s's dialect, nothing migrated:
// a new SQLite file, or a new schema beside the one s uses.
func freshDatabase(t *testing.T, s *store.Store) store.Config {
	t.Helper()
	if s.Dialect() == "sqlite" {
		return store.Config{SQLitePath: filepath.Join(t.TempDir(), "fresh.db")}
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "greenlight_test_fresh_" + hex.EncodeToString(b)
	require.NoError(t, s.DB().WithContext(ctxT(t)).Exec(`CREATE SCHEMA "`+schema+`"`).Error)
	t.Cleanup(func() { s.DB().Exec(`DROP SCHEMA "` + schema + `" CASCADE`) })
	u, err := url.Parse(storetest.PostgresURL())
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Config{DatabaseURL: u.String()}
}

// TestMigrateConcurrently: several processes start at once against one fresh
// database; every Migrate succeeds and each version is applied once.
func TestMigrateConcurrently(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		cfg := freshDatabase(t, s)

		const processes = 4
		stores := make([]*store.Store, processes)
		for i := range stores {
			var err error
			stores[i], err = store.Open(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(func() { _ = stores[i].Close() })
		}
		var wg sync.WaitGroup
		errs := make([]error, processes)
		done := make([]store.Migrated, processes)
		for i, p := range stores {
			wg.Go(func() { done[i], errs[i] = p.ApplyMigrations(context.WithoutCancel(ctx)) })
		}
		wg.Wait()
		versions := store.MigrationVersions()
		applied := 0
		for i, err := range errs {
			require.NoError(t, err, "process %d", i)
			assert.Equal(t, versions[len(versions)-1], done[i].Version, "process %d", i)
			applied += done[i].Applied
		}
		assert.Equal(t, len(versions), applied, "each migration counted once, by the process that applied it")
		assert.Len(t, appliedMigrations(t, stores[0]), len(store.MigrationVersions()))
		mustCreate(t, stores[1], newCampaign("c1", "acme", "launch", "running", t0))
	})
}
