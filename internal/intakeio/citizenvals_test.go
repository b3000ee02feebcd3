package intakeio_test

import (
	"strings"
	"testing"

	"segretariato/ent/citizen"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakeio"
)

// TestImportCitizenValuesAcrossBatches: a citizen keeps the values of its
// latest contact, stored or in the file, across batches (one row per
// batch here). Its latest contact is the latest it had when the import
// first met it, or a later row of the file: a stored contact that a later
// row moves to another citizen, or dates earlier, still counts, since the
// citizen's record holds its values.
func TestImportCitizenValuesAcrossBatches(t *testing.T) {
	row := func(ref, at, code, district string) string {
		return ref + "," + at + ",IN_PERSON,a.verdi@comune.example.it," + code + ",,,,,,," + district +
			",SELF,ADULTS,ADM_INFO,INFORMATION,INFORMED,,,,\n"
	}
	c := validCode(t, "RSSMRA80A01F205") // one whose latest contact moves
	d := validCode(t, "BNCLCU75B02F205") // another, who takes a contact of c's
	e := validCode(t, "VRDNNA70C43F205") // one whose latest contact is dated earlier
	f := validCode(t, "GLLFNC60D04F205") // one new to the database
	first := updateHeader +
		row("X1", "2025-06-01T10:00", c, "Alto") +
		row("X2", "2025-06-01T10:00", e, "Alto")
	again := updateHeader +
		row("Z1", "2020-01-01T10:00", c, "Basso") + // older: only fills
		row("Z2", "2020-01-01T10:00", e, "Basso") +
		row("X1", "2025-06-01T10:00", d, "Riva") + // c's latest contact moves to d
		row("X2", "2019-01-01T10:00", e, "") + // e's latest contact is dated earlier
		row("Y1", "2022-01-01T10:00", c, "Centro") + // older than X1: only fills
		row("Y2", "2022-01-01T10:00", e, "Centro") +
		row("W1", "2025-07-01T10:00", f, "Dora") +
		row("V1", "2025-06-15T10:00", f, "Erba") // older than W1, of an earlier batch: only fills
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		mustCreateOperators(t, db.Client, sampleOperators(t))
		mustImport(t, db, []byte(first), intakeio.ImportOptions{})
		sum := mustImport(t, db, []byte(again), intakeio.ImportOptions{BatchSize: 1})
		if sum.CitizensCreated != 2 || sum.CitizensMatched != 2 || sum.ContactsCreated != 6 || sum.ContactsUpdated != 2 {
			t.Errorf("summary %+v, want 2 citizens created, 2 matched, 6 contacts created, 2 updated", sum)
		}
		district := func(code string) string {
			t.Helper()
			return str(db.Client.Citizen.Query().Where(citizen.FiscalCode(strings.ToUpper(code))).OnlyX(sysCtx()).District)
		}
		if got := district(c); got != "Alto" {
			t.Errorf("c's district = %q, want Alto (X1 was its latest contact when first met)", got)
		}
		if got := district(e); got != "Alto" {
			t.Errorf("e's district = %q, want Alto (X2 was its latest contact when first met)", got)
		}
		if got := district(d); got != "Riva" {
			t.Errorf("d's district = %q, want Riva", got)
		}
		if got := district(f); got != "Dora" {
			t.Errorf("f's district = %q, want Dora (W1, its latest contact)", got)
		}

		// The same rows in one batch give the same citizens.
		db2 := dbtest.Open(t, db.Dialect, database.Options{})
		mustCreateOperators(t, db2.Client, sampleOperators(t))
		mustImport(t, db2, []byte(first), intakeio.ImportOptions{})
		mustImport(t, db2, []byte(again), intakeio.ImportOptions{})
		for _, code := range []string{c, d, e, f} {
			a := db.Client.Citizen.Query().Where(citizen.FiscalCode(code)).OnlyX(sysCtx())
			b := db2.Client.Citizen.Query().Where(citizen.FiscalCode(code)).OnlyX(sysCtx())
			if str(a.District) != str(b.District) || str(a.Sex) != str(b.Sex) || a.FirstName != b.FirstName {
				t.Errorf("%s: district %q/%q, sex %q/%q by batches of 1 and of 1,000", code, str(a.District), str(b.District), str(a.Sex), str(b.Sex))
			}
		}
	})
}
