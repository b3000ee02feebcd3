package database_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// preparedOn lists the statements the session of conn has prepared.
func preparedOn(t *testing.T, conn *sql.Conn) []string {
	t.Helper()
	return dbtest.Column[string](t, conn, "SELECT statement FROM pg_prepared_statements ORDER BY statement")
}

func plusOne(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string, n int) {
	t.Helper()
	var got int
	if err := q.QueryRowContext(context.Background(), query, n).Scan(&got); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if got != n+1 {
		t.Fatalf("%s with %d = %d, want %d", query, n, got, n+1)
	}
}

// TestConnectionsKeepTheirStatementsPrepared: a statement with
// parameters is prepared the second time its connection runs it (a paged
// one, with LIMIT, never), at most
// the cache's size stay prepared (the least recently used closed), a
// statement the server dropped or a schema change altered sends the work
// to another connection, and DB_STATEMENT_CACHE=0 prepares nothing.
func TestConnectionsKeepTheirStatementsPrepared(t *testing.T) {
	ctx := context.Background()
	for _, kind := range dbtest.Kinds(t) {
		if kind != dialect.Postgres {
			continue // a SQLite connection has no server to keep statements
		}
		db := dbtest.Open(t, kind, database.Options{StatementCache: 2, MaxOpenConns: 1})
		conn, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const first = "SELECT $1::int + 1"
		plusOne(t, conn, first, 1)
		if slices.Contains(preparedOn(t, conn), first) {
			t.Fatalf("prepared the first time it ran: %q", preparedOn(t, conn))
		}
		plusOne(t, conn, first, 2)
		plusOne(t, conn, first, 3)
		if got := preparedOn(t, conn); !slices.Contains(got, first) || len(got) > 2 {
			t.Fatalf("after three runs the session has %q prepared: want %q among at most 2", got, first)
		}
		// A paged statement is planned for its values each time.
		const paged = "SELECT n + 1 FROM (SELECT $1::int AS n) AS t LIMIT 1"
		for i := range 3 {
			plusOne(t, conn, paged, i)
		}
		if got := preparedOn(t, conn); slices.Contains(got, paged) {
			t.Fatalf("a statement with LIMIT was prepared: %q", got)
		}
		var others []string
		for i := range 3 {
			q := fmt.Sprintf("SELECT $1::int + %d - %d", i+1, i)
			others = append(others, q)
			plusOne(t, conn, q, 10)
			plusOne(t, conn, q, 20)
		}
		got := preparedOn(t, conn)
		if len(got) != 2 || slices.Contains(got, first) || !slices.Contains(got, others[2]) {
			t.Fatalf("prepared %q: want the 2 most recent of %q", got, others)
		}

		// The server forgets them: the next run goes to a new connection.
		if _, err := conn.ExecContext(ctx, "DEALLOCATE ALL"); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		plusOne(t, db.SQL, others[2], 30)
		plusOne(t, db.SQL, others[2], 40)

		// A schema change alters a kept statement's result: the next run
		// also goes to a new connection.
		if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE kept (n int)"); err != nil {
			t.Fatal(err)
		}
		const all = "SELECT * FROM kept WHERE n > $1"
		for range 2 {
			if _, err := db.SQL.ExecContext(ctx, all, 0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SQL.ExecContext(ctx, "ALTER TABLE kept ADD COLUMN m int"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL.ExecContext(ctx, all, 0); err != nil {
			t.Fatalf("after the schema change: %v", err)
		}

		off := dbtest.Open(t, kind, database.Options{StatementCache: -1, MaxOpenConns: 1})
		c2, err := off.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			plusOne(t, c2, first, i)
		}
		if got := preparedOn(t, c2); len(got) != 0 {
			t.Fatalf("with the cache off the session prepared %q", got)
		}
		c2.Close()
	}
}
