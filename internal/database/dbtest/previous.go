package dbtest

import (
	"context"
	_ "embed"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
)

// The schema the last release before versioned migrations created at
// start (ent's auto-migration and the append-only triggers), dumped once
// from a fresh database: it must not follow later changes of ent/schema.
var (
	//go:embed testdata/previous-release-sqlite.sql
	previousSQLite string
	//go:embed testdata/previous-release-postgres.sql
	previousPostgres string
)

// PreviousRelease is the URL of a fresh database of the given kind holding
// the schema of the last release before versioned migrations, no data and
// no migration history, as that release left it.
func PreviousRelease(t testing.TB, kind string) string {
	t.Helper()
	url := URL(t, kind)
	dump := previousSQLite
	if kind == dialect.Postgres {
		dump = previousPostgres
	}
	// A pool of its own, closed after: the dump sets session settings.
	db, err := database.Open(context.Background(), url, database.Options{Migrate: database.MigrateNone})
	if err != nil {
		t.Fatalf("opening %s test database: %v", kind, err)
	}
	defer db.Close()
	if _, err := db.SQL.Exec(dump); err != nil {
		t.Fatalf("loading the previous release's schema: %v", err)
	}
	return url
}
