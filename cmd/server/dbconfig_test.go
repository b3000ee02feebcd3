package main

import (
	"context"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/ent/auditevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/audit"
	"segretariato/internal/auth"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// The serve command and the administration commands open the database the
// same way: with the audit trail's hook on mutations, and with the
// settings of the environment (the pool, SQLite's synchronous mode, the
// statement timeout, the statements kept prepared).
func TestServerAndCommandsOpenTheDatabaseAlike(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			getenv := env(map[string]string{"SQLITE_SYNCHRONOUS": "normal", "REQUEST_TIMEOUT": "2s", "DB_MAX_CONNS": "3", "DB_STATEMENT_CACHE": "0"})
			cfg, err := parseConfig(nil, getenv, nil)
			if err != nil {
				t.Fatal(err)
			}
			url := freshURL(t, kind)
			paths := map[string]func(context.Context) (*database.DB, error){
				"serve":   func(ctx context.Context) (*database.DB, error) { return openDBWith(ctx, url, cfg.options()) },
				"command": func(ctx context.Context) (*database.DB, error) { return openDB(ctx, url, getenv) },
			}
			for name, open := range paths {
				db, err := open(t.Context())
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				defer db.Close()
				ctx := audit.CommandLine(t.Context(), "test")
				op, _, err := auth.CreateOperator(ctx, db.Client, name+"@comune.example.it", "Operatore", schematype.RoleAdmin)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				n := db.Client.AuditEvent.Query().Where(auditevent.Entity("Operator"), auditevent.EntityID(op.ID)).CountX(access.System(t.Context()))
				if n != 1 {
					t.Errorf("%s: a new operator has %d audit events, want 1: the database has no audit hook", name, n)
				}
				if got := db.SQL.Stats().MaxOpenConnections; kind == dialect.Postgres && got != 3 {
					t.Errorf("%s: a pool of %d, want DB_MAX_CONNS=3", name, got)
				}
				var setting string
				query, want := "PRAGMA synchronous", "1" // NORMAL
				if kind == dialect.Postgres {
					query, want = "SHOW statement_timeout", "7s" // REQUEST_TIMEOUT and 5 s
				}
				if err := db.SQL.QueryRowContext(t.Context(), query).Scan(&setting); err != nil || setting != want {
					t.Errorf("%s: %s is %q (%v), want %q", name, query, setting, err, want)
				}
				if kind == dialect.Postgres {
					conn, err := db.SQL.Conn(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					var prepared int
					for i := range 3 {
						if err := conn.QueryRowContext(t.Context(), "SELECT $1::int", i).Scan(new(int)); err != nil {
							t.Fatal(err)
						}
					}
					if err := conn.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_prepared_statements").Scan(&prepared); err != nil || prepared != 0 {
						t.Errorf("%s: %d statements prepared (%v) with DB_STATEMENT_CACHE=0", name, prepared, err)
					}
					conn.Close()
				}
			}
		})
	}
}

// An administration command refuses the database settings the server
// refuses.
func TestCommandsCheckTheDatabaseSettings(t *testing.T) {
	for _, bad := range []map[string]string{{"SQLITE_SYNCHRONOUS": "SOMETIMES"}, {"DB_MAX_CONNS": "-1"}, {"DB_STATEMENT_CACHE": "-1"}, {"REQUEST_TIMEOUT": "1ms"}} {
		bad["DATABASE_URL"] = freshURL(t, dialect.SQLite)
		var out, errOut strings.Builder
		err := run(t.Context(), []string{"operator", "list"}, env(bad), &out, &errOut)
		_, serveErr := parseConfig(nil, env(bad), nil)
		if err == nil || serveErr == nil || err.Error() != serveErr.Error() {
			t.Errorf("%v: the command says %v, the server %v", bad, err, serveErr)
		}
	}
}
