package rollup_test

import (
	"context"
	"testing"

	"segretariato/internal/database/dbtest"
	"segretariato/internal/rollup"
)

// TestRefreshWithNothingPending: every commit runs a refresh, so one that
// finds nothing to do costs a single statement.
func TestRefreshWithNothingPending(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db, _, sqlCount := dbtest.OpenCounting(t, kind)
			ctx := context.Background()
			tx, err := db.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			sqlCount.Reset()
			if err := rollup.Refresh(ctx, rollup.SQLConn{Q: tx}, kind == "postgres"); err != nil {
				t.Fatal(err)
			}
			if n := sqlCount.Count(); n != 1 {
				t.Errorf("a refresh with nothing pending ran %d statements, want 1", n)
			}
		})
	}
}
