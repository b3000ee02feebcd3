package rollup

import "testing"

// TestIsWrite: the statements ent writes the tracked tables with, quoted
// as on either database, and what is not one.
func TestIsWrite(t *testing.T) {
	for q, want := range map[string]bool{
		`INSERT INTO "contacts" ("occurred_at") VALUES ($1) RETURNING "id"`: true,
		"INSERT INTO `contact_needs` (`contact_id`) VALUES (?)":             true,
		`UPDATE "citizens" SET "sex" = $1 WHERE "id" = $2`:                  true,
		"  delete from `referrals` WHERE `id` = ?":                          true,
		`INSERT INTO "audit_events" ("kind") VALUES ($1)`:                   false,
		`SELECT "contacts"."id" FROM "contacts"`:                            false,
		`UPDATE "operators_x" SET "a" = 1`:                                  false,
		"":                                                                  false,
	} {
		if got := isWrite(q); got != want {
			t.Errorf("isWrite(%q) = %v, want %v", q, got, want)
		}
	}
}
