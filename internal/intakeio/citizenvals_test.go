package intakeio_test

import (
	"testing"

	"segretariato/ent/citizen"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakeio"
)

// TestImportCitizenValuesAcrossBatches: a citizen keeps the values of its
// latest contact, stored or in the file, across batches (one row per
// batch here). Its latest contact is the latest it had before the import,
// or a later row of the file: a stored contact that a row moves to
// another citizen, or dates earlier, still counts, since the citizen's
// record holds its values, whether the file names the citizen before that
// row or only after it.
func TestImportCitizenValuesAcrossBatches(t *testing.T) {
	row := func(ref, at, code, district string) string {
		return ref + "," + at + ",IN_PERSON,a.verdi@comune.example.it," + code + ",,,,,,," + district +
			",SELF,ADULTS,ADM_INFO,INFORMATION,INFORMED,,,,\n"
	}
	c := validCode(t, "RSSMRA80A01F205") // one whose latest contact moves
	d := validCode(t, "BNCLCU75B02F205") // another, who takes a contact of c's
	e := validCode(t, "VRDNNA70C43F205") // one whose latest contact is dated earlier
	f := validCode(t, "GLLFNC60D04F205") // one new to the database
	g := validCode(t, "NRIPLA65E05F205") // one whose latest contact moves before the file names it
	first := updateHeader +
		row("X1", "2025-06-01T10:00", c, "Alto") +
		row("X2", "2025-06-01T10:00", e, "Alto") +
		row("X3", "2025-06-01T10:00", g, "Alto")
	again := updateHeader +
		row("X3", "2025-06-01T10:00", d, "Riva") + // g's latest contact moves to d, g not named yet
		row("Z1", "2020-01-01T10:00", c, "Basso") + // older: only fills
		row("Z2", "2020-01-01T10:00", e, "Basso") +
		row("X1", "2025-06-01T10:00", d, "Riva") + // c's latest contact moves to d
		row("X2", "2019-01-01T10:00", e, "") + // e's latest contact is dated earlier
		row("Y1", "2022-01-01T10:00", c, "Centro") + // older than X1: only fills
		row("Y2", "2022-01-01T10:00", e, "Centro") +
		row("W1", "2025-07-01T10:00", f, "Dora") +
		row("V1", "2025-06-15T10:00", f, "Erba") + // older than W1, of an earlier batch: only fills
		row("Y3", "2022-01-01T10:00", g, "Centro") // older than X3: only fills
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		mustCreateOperators(t, db.Client, sampleOperators(t))
		mustImport(t, db, []byte(first), intakeio.ImportOptions{})
		sum := mustImport(t, db, []byte(again), intakeio.ImportOptions{BatchSize: 1})
		if sum.CitizensCreated != 2 || sum.CitizensMatched != 3 || sum.ContactsCreated != 7 || sum.ContactsUpdated != 3 {
			t.Errorf("summary %+v, want 2 citizens created, 3 matched, 7 contacts created, 3 updated", sum)
		}
		district := func(code string) string {
			t.Helper()
			return str(db.Client.Citizen.Query().Where(citizen.FiscalCode(code)).OnlyX(sysCtx()).District)
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
		if got := district(g); got != "Alto" {
			t.Errorf("g's district = %q, want Alto (X3 was its latest contact, moved before the file named g)", got)
		}

		// The same rows in one batch give the same citizens.
		db2 := dbtest.Open(t, db.Dialect, database.Options{})
		mustCreateOperators(t, db2.Client, sampleOperators(t))
		mustImport(t, db2, []byte(first), intakeio.ImportOptions{})
		mustImport(t, db2, []byte(again), intakeio.ImportOptions{})
		for _, code := range []string{c, d, e, f, g} {
			a := db.Client.Citizen.Query().Where(citizen.FiscalCode(code)).OnlyX(sysCtx())
			b := db2.Client.Citizen.Query().Where(citizen.FiscalCode(code)).OnlyX(sysCtx())
			if str(a.District) != str(b.District) {
				t.Errorf("%s: district %q by batches of one row, %q in one batch", code, str(a.District), str(b.District))
			}
		}
	})
}
