package devserver

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/resolver"
	sqliteschema "go.temporal.io/server/schema/sqlite"
)

// dbFileName is the Temporal database inside Options.DataDir.
const dbFileName = "temporal.db"

// sqliteConfig describes the database file. The SQLite plugin keeps one pool
// per DSN for the life of the process and shares it between the schema setup
// and every Temporal service, so this config must be the same for all of them.
// MaxConns stays unset: the plugin then uses a single connection (more gave
// SQLITE_BUSY).
func sqliteConfig(dbPath string) (*config.SQL, error) {
	// The plugin pastes the path into a "file:" URI without escaping it.
	if strings.ContainsAny(dbPath, "?#") {
		return nil, fmt.Errorf("devserver: database path %q must not contain '?' or '#'", dbPath)
	}
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: dbPath,
		ConnectAttributes: map[string]string{
			// rwc: create the file on first start, reopen it afterwards; never
			// "memory", campaigns must survive restarts and SIGKILL.
			"mode": "rwc",
			// WAL with synchronous=NORMAL spares the fsync the default
			// rollback journal pays on every commit (measure with
			// BenchmarkSequentialWorkflows). A commit is in the OS once it
			// returns, so a killed process loses nothing; only an OS crash or
			// power loss may drop the last commits, never corrupt the file.
			"journal_mode": "wal",
			"synchronous":  "normal",
		},
	}, nil
}

// prepareDatabase creates the schema in a new database and registers the
// namespaces; both are no-ops on an existing database, so restarts keep every
// workflow.
func prepareDatabase(cfg *config.SQL, clusterName string, namespaces []string) error {
	if err := ensureSchema(cfg); err != nil {
		return err
	}
	nsConfigs := make([]*sqliteschema.NamespaceConfig, 0, len(namespaces))
	for _, ns := range namespaces {
		nsConfig, err := sqliteschema.NewNamespaceConfig(clusterName, ns, false, nil)
		if err != nil {
			return fmt.Errorf("devserver: namespace %q: %w", ns, err)
		}
		nsConfigs = append(nsConfigs, nsConfig)
	}
	if err := sqliteschema.CreateNamespaces(cfg, nsConfigs...); err != nil {
		return fmt.Errorf("devserver: register namespaces: %w", err)
	}
	return nil
}

// ensureSchema sets the schema up unless the database already has tables.
// Running the setup inside one transaction makes "has tables" mean "has the
// whole schema": a process killed halfway through a first start leaves an empty
// database, not a half-built one that would be mistaken for a complete one.
func ensureSchema(cfg *config.SQL) (err error) {
	db, err := sql.NewSQLAdminDB(sqlplugin.DbKindUnknown, cfg, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return fmt.Errorf("devserver: open database %s: %w", cfg.DatabaseName, err)
	}
	defer func() { err = errors.Join(err, closeDB(db)) }()

	tables, err := db.ListTables(cfg.DatabaseName)
	if err != nil {
		return fmt.Errorf("devserver: read schema of %s: %w", cfg.DatabaseName, err)
	}
	if len(tables) > 0 {
		return nil
	}
	// BEGIN/COMMIT through separate Exec calls only form one transaction
	// because the plugin's pool has exactly one connection.
	if err := db.Exec("BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("devserver: set up schema: %w", err)
	}
	if err := sqliteschema.SetupSchemaOnDB(db); err != nil {
		return errors.Join(fmt.Errorf("devserver: set up schema: %w", err), db.Exec("ROLLBACK"))
	}
	if err := db.Exec("COMMIT"); err != nil {
		return fmt.Errorf("devserver: set up schema: %w", err)
	}
	return nil
}

func closeDB(db sqlplugin.AdminDB) error {
	if err := db.Close(); err != nil {
		return fmt.Errorf("devserver: close database: %w", err)
	}
	return nil
}
