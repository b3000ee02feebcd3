package rollup_test

import (
	"testing"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestTriggersAfterMigrations checks that, once every migration is
// applied, each table the figures read still has the triggers that list
// its changes (a later migration that rebuilds a table on SQLite drops
// them with it), and that on PostgreSQL they fire in every session mode.
func TestTriggersAfterMigrations(t *testing.T) {
	want := map[string][]string{
		"contacts":        {"contacts_pending_insert", "contacts_pending_update", "contacts_pending_delete"},
		"contact_needs":   {"contact_needs_pending_insert", "contact_needs_pending_update", "contact_needs_pending_delete"},
		"referrals":       {"referrals_pending_insert", "referrals_pending_delete", "referrals_pending_status"},
		"citizens":        {"citizens_pending_update", "citizens_pending_delete"},
		"need_categories": {"need_categories_pending_update"},
		"operators":       {"operators_pending_update"},
	}
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db := dbtest.Open(t, kind, database.Options{})
			q := "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
			if kind == "postgres" {
				// tgenabled 'A': ALWAYS.
				q = "SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgenabled = 'A'"
			}
			for table, names := range want {
				got := map[string]bool{}
				for _, n := range dbtest.Column[string](t, db.SQL, q, table) {
					got[n] = true
				}
				for _, n := range names {
					if !got[n] {
						t.Errorf("%s has no trigger %s (always enabled on PostgreSQL)", table, n)
					}
				}
			}
		})
	}
}
