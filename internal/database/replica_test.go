package database_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestOpenReplica: a read replica is PostgreSQL only, its errors never
// carry the URL's password, its connections get the statement timeout,
// and a database whose schema is not at the binary's version is refused,
// not migrated.
func TestOpenReplica(t *testing.T) {
	ctx := context.Background()
	if _, err := database.OpenReplica(ctx, "sqlite:"+t.TempDir()+"/r.db", database.Options{}); err == nil {
		t.Error("a SQLite replica was accepted")
	}
	_, err := database.OpenReplica(ctx, "postgres://seg:s3cret@127.0.0.1:1/seg?sslmode=disable&connect_timeout=2", database.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "read replica") {
		t.Errorf("an unreachable replica: %v", err)
	}
	for _, kind := range dbtest.Kinds(t) {
		if kind != dialect.Postgres {
			continue
		}
		migrated := dbtest.Open(t, kind, database.Options{})
		var name string
		if err := migrated.SQL.QueryRow("SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		empty := dbtest.FreshPostgres(t)
		_, err := database.OpenReplica(ctx, empty, database.Options{})
		var nm *database.NotMigratedError
		if !errors.As(err, &nm) {
			t.Errorf("a replica without the schema: %v, want a NotMigratedError", err)
		}
		u, err := url.Parse(empty)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name // the migrated database
		reads, err := database.OpenReplica(ctx, u.String(), database.Options{MaxOpenConns: 3, StatementTimeout: 1500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer reads.Close()
		var setting string
		if err := reads.QueryRow("SHOW statement_timeout").Scan(&setting); err != nil || setting != "1500ms" {
			t.Errorf("statement_timeout = %q (%v), want 1500ms", setting, err)
		}
		if n := reads.Stats().MaxOpenConnections; n != 3 {
			t.Errorf("pool of %d connections, want 3", n)
		}
	}
}
