package database_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/internal/access"
	"segretariato/internal/apperr"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestStatementTimeout: on PostgreSQL a statement running past
// StatementTimeout is ended by the database itself, even with no deadline
// in its context, and reported as TIMEOUT; the migrations at Open run
// without it.
func TestStatementTimeout(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		if kind != dialect.Postgres {
			continue // SQLite has no statement_timeout; the context's deadline ends its statements.
		}
		db := dbtest.Open(t, kind, database.Options{StatementTimeout: 300 * time.Millisecond})
		var setting string
		if err := db.SQL.QueryRow("SHOW statement_timeout").Scan(&setting); err != nil || setting != "300ms" {
			t.Fatalf("statement_timeout = %q (%v), want 300ms", setting, err)
		}
		lock, err := db.SQL.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Close()
		if _, err := lock.ExecContext(t.Context(), "SET statement_timeout = 0; BEGIN; LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = db.Client.Contact.Query().Count(access.System(context.Background()))
		if apperr.CodeOf(err) != apperr.Timeout || time.Since(start) > 3*time.Second {
			t.Errorf("a statement waiting for a lock: %v after %v, want TIMEOUT at 300ms", err, time.Since(start))
		}
		if _, err := lock.ExecContext(t.Context(), "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSQLiteSynchronous: FULL unless told otherwise.
func TestSQLiteSynchronous(t *testing.T) {
	for mode, want := range map[string]int{"": 2, "NORMAL": 1, "full": 2, "EXTRA": 3} {
		db, err := database.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "s.db"), database.Options{SQLiteSynchronous: mode})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := db.SQL.QueryRow("PRAGMA synchronous").Scan(&got); err != nil || got != want {
			t.Errorf("SQLiteSynchronous %q: PRAGMA synchronous = %d (%v), want %d", mode, got, err, want)
		}
		db.Close()
	}
	if database.ValidSQLiteSynchronous("SOMETIMES") {
		t.Error("an unknown mode is valid")
	}
}
