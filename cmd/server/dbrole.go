package main

import (
	"context"
	"log/slog"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
)

// auditTrailRewritable reports whether the database role the server runs
// as could rewrite the audit trail on PostgreSQL: it owns the table (so it
// may disable or drop its triggers), is a superuser, or holds UPDATE or
// DELETE on it. Always false on SQLite, which has no roles.
func auditTrailRewritable(ctx context.Context, db *database.DB) (bool, error) {
	if db.Dialect != dialect.Postgres {
		return false, nil
	}
	var rewritable bool
	err := db.SQL.QueryRowContext(ctx, `SELECT c.relowner = r.oid OR r.rolsuper
	    OR has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE')
	  FROM pg_class c, pg_roles r WHERE c.oid = 'audit_events'::regclass AND r.rolname = current_user`).Scan(&rewritable)
	return rewritable, err
}

// warnRewritableAuditTrail logs, in production, that the server's role
// could rewrite the audit trail: the database's triggers still refuse it,
// but the owner of a table may switch them off.
func warnRewritableAuditTrail(ctx context.Context, cfg config, db *database.DB, log *slog.Logger) {
	if cfg.development() {
		return
	}
	rewritable, err := auditTrailRewritable(ctx, db)
	if err != nil {
		log.WarnContext(ctx, "checking the database role's rights on the audit trail", "err", err)
		return
	}
	if rewritable {
		log.WarnContext(ctx, "the server's database role owns the audit trail or may update or delete it; run the server as a role that owns no table, the migrations as the owner (README, Deployment, step 2)")
	}
}
