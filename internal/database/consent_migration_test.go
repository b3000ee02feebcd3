package database_test

import (
	"testing"
	"time"

	"segretariato/ent/consentevent"
	"segretariato/internal/access"
	"segretariato/internal/consent"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestUpgradeKeepsTheConsentGiven: the consent a citizen had before the
// consent history existed becomes its first entry, so the gate of
// external referrals stays open for it.
func TestUpgradeKeepsTheConsentGiven(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db := open(t, previousRelease(t, kind), database.MigrateNone)
			if _, err := db.MigrateUp(t.Context()); err != nil {
				t.Fatal(err)
			}
			sys := access.System(t.Context())
			es, err := db.Client.ConsentEvent.Query().Where(consentevent.CitizenID(100)).All(sys)
			if err != nil || len(es) != 1 || es[0].Kind != consentevent.KindGIVEN || es[0].At.IsZero() {
				t.Fatalf("consent history of the citizen with consent: %v, %v", es, err)
			}
			if st, err := consent.Current(sys, db.Client, 100, time.Now()); err != nil || st != consent.Given {
				t.Errorf("consent after the upgrade: %s, %v", st, err)
			}
		})
	}
}
