package database

import (
	"context"
	"database/sql"
	"fmt"

	"entgo.io/ent/dialect"
)

// appendOnly makes the database itself refuse UPDATE and DELETE on the
// audit trail, so not even a bug or a hand-typed statement through the
// application's account can rewrite it.
func appendOnly(ctx context.Context, db *sql.DB, dia string) error {
	var stmts []string
	switch dia {
	case dialect.Postgres:
		stmts = []string{
			`CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END $$`,
			`CREATE OR REPLACE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`,
			`CREATE OR REPLACE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`,
		}
	case dialect.SQLite:
		stmts = []string{
			`CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`,
			`CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`,
		}
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("protecting the audit trail: %w", err)
		}
	}
	return nil
}
