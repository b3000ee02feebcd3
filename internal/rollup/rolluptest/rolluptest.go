// Package rolluptest checks, in tests, that the kept demand figures
// (internal/rollup) agree with a recomputation from the raw rows.
package rolluptest

import (
	"context"
	"database/sql"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/rollup"
)

// Check fails the test when rollup.Verify finds a difference or a pending
// write on db; it returns the report.
func Check(t testing.TB, db *database.DB, after string) *rollup.VerifyReport {
	t.Helper()
	// As `server analytics verify` reads: one read-only transaction, a
	// snapshot on PostgreSQL.
	pg := db.Dialect == dialect.Postgres
	var opts *sql.TxOptions
	if pg {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.SQL.BeginTx(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rep, err := rollup.Verify(context.Background(), rollup.SQLConn{Q: tx}, pg, nil)
	if err != nil {
		t.Fatalf("verifying the figures after %s: %v", after, err)
	}
	if rep.Differences != 0 || rep.Pending != 0 {
		t.Fatalf("after %s: %d differences, %d pending: %+v", after, rep.Differences, rep.Pending, rep.Examples)
	}
	return rep
}
