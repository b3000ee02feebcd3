package intakeio

import (
	"context"
	"database/sql"
)

// skipForeignKeyChecks spares PostgreSQL the foreign-key checks of the
// rows the import writes, which are half of what the database does per
// row: every reference the import writes is known to hold without them.
// The operators, need categories and services a row names were looked up
// in this transaction, and the lock taken here keeps them from being
// deleted until it ends; the citizens, contacts and referrals it refers to
// are its own rows, or rows it has just read.
//
// Skipping the checks takes the session_replication_role setting, which
// belongs to superusers unless granted (PostgreSQL 15: GRANT SET ON
// PARAMETER session_replication_role TO <role>). Without it the import
// runs with the checks, more slowly, and just as correctly: the attempt is
// made in a savepoint, so its refusal does not spoil the transaction.
func skipForeignKeyChecks(ctx context.Context, tx *sql.Tx) error {
	for _, table := range []string{"operators", "need_categories", "services"} {
		if _, err := tx.ExecContext(ctx, "SELECT 1 FROM "+table+" FOR KEY SHARE"); err != nil {
			return dbErr(err, "locking the reference data")
		}
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT skip_fk_checks"); err != nil {
		return dbErr(err, "starting the transaction")
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT skip_fk_checks"); err != nil {
			return dbErr(err, "starting the transaction")
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT skip_fk_checks"); err != nil {
		return dbErr(err, "starting the transaction")
	}
	return nil
}
