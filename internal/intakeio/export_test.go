package intakeio_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"segretariato/ent/contact"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakeio"
	"segretariato/internal/localtime"
)

// TestExportRoundTrip: an export read back into an empty database (with
// the same operators) gives the same contacts, in both dialects.
func TestExportRoundTrip(t *testing.T) {
	sample := dataFile(t, "intake-sample.csv")
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		ctx := sysCtx()
		mustCreateOperators(t, db.Client, sampleOperators(t))
		mustImport(t, db, sample, intakeio.ImportOptions{})
		want := dump(t, db.Client)

		for name, w := range map[string]intakecsv.WriterOptions{
			"spec":  {},
			"excel": {Comma: ';', BOM: true, CRLF: true, DateStyle: intakecsv.Italian},
		} {
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				n, err := intakeio.Export(ctx, db.Client, &buf, intakeio.ExportOptions{Notes: true, Writer: w})
				if err != nil || n != 600 {
					t.Fatalf("export: %d rows, %v", n, err)
				}
				fresh := dbtest.Open(t, db.Dialect, database.Options{})
				mustCreateOperators(t, fresh.Client, sampleOperators(t))
				sum := mustImport(t, fresh, buf.Bytes(), intakeio.ImportOptions{})
				if sum.ContactsCreated != 600 || sum.CitizensCreated != 182 {
					t.Errorf("import of the export = %+v", sum)
				}
				checkSameDump(t, want, dump(t, fresh.Client))

				// And back into the first database: nothing changes.
				sum = mustImport(t, db, buf.Bytes(), intakeio.ImportOptions{})
				if sum.ContactsUnchanged != 600 {
					t.Errorf("export imported into its own database = %+v, want 600 unchanged", sum)
				}
			})
		}
	})
}

// TestExportOrderAndFilters: rows come ordered by date, the filters use
// Rome local dates, and notes are left out unless asked for.
func TestExportOrderAndFilters(t *testing.T) {
	sample := dataFile(t, "intake-sample.csv")
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		ctx := sysCtx()
		c := db.Client
		mustCreateOperators(t, c, sampleOperators(t))
		mustImport(t, db, sample, intakeio.ImportOptions{})

		from := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC) // a date: only Y/M/D count
		to := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		areas := []schematype.TargetArea{schematype.TargetAreaElderly, schematype.TargetAreaDisability}
		var buf bytes.Buffer
		n, err := intakeio.Export(ctx, c, &buf, intakeio.ExportOptions{From: &from, To: &to, Areas: areas})
		if err != nil {
			t.Fatal(err)
		}
		romeFrom := time.Date(2024, 4, 1, 0, 0, 0, 0, localtime.Rome).UTC()
		romeTo := time.Date(2025, 1, 1, 0, 0, 0, 0, localtime.Rome).UTC()
		want, err := c.Contact.Query().Where(contact.OccurredAtGTE(romeFrom), contact.OccurredAtLT(romeTo),
			contact.TargetAreaIn(areas...)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != want || n == 0 {
			t.Errorf("exported %d rows, want %d", n, want)
		}

		rd, err := intakecsv.NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		var prev time.Time
		rows := 0
		for {
			row, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("export does not read back: %v", err)
			}
			rows++
			if row.Notes != "" {
				t.Errorf("line %d: notes exported without Notes", row.Line)
			}
			if row.OccurredAt.Before(prev) {
				t.Errorf("line %d: out of date order", row.Line)
			}
			prev = row.OccurredAt
			if row.OccurredAt.Before(romeFrom) || !row.OccurredAt.Before(romeTo) ||
				(row.TargetArea != "ELDERLY" && row.TargetArea != "DISABILITY") {
				t.Errorf("line %d: outside the filters", row.Line)
			}
		}
		if rows != n {
			t.Errorf("read %d rows back, Export said %d", rows, n)
		}
	})
}

// TestExportDeskContact: a contact recorded at the desk, with no
// contact_ref and a citizen without fiscal code, exports to a row that
// reads back.
func TestExportDeskContact(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		ctx := sysCtx()
		c := db.Client
		mustCreateOperators(t, c, sampleOperators(t))
		op := c.Operator.Query().FirstX(ctx)
		need := c.NeedCategory.Query().FirstX(ctx)
		cit := c.Citizen.Create().SetFirstName("Anna").SetSex(schematype.SexF).
			SetBirthDate(time.Date(1950, 2, 3, 0, 0, 0, 0, time.UTC)).SaveX(ctx)
		con := c.Contact.Create().SetOccurredAt(time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)).
			SetChannel(schematype.ChannelPhone).SetRequester(schematype.RequesterSelf).
			SetTargetArea(schematype.TargetAreaElderly).SetResponses([]schematype.Response{schematype.ResponseInformation}).
			SetOutcome(schematype.OutcomeInformed).SetOperatorID(op.ID).SetCitizenID(cit.ID).SetMainNeedID(need.ID).
			SaveX(ctx)
		var buf bytes.Buffer
		if _, err := intakeio.Export(ctx, c, &buf, intakeio.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		rd, err := intakecsv.NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		row, err := rd.Next()
		if err != nil {
			t.Fatalf("desk contact does not read back: %v", err)
		}
		if row.ContactRef == "" || row.FiscalCode != "" || row.FirstName != "" || row.Sex != "F" ||
			row.BirthYear == nil || *row.BirthYear != 1950 || !strings.Contains(row.ContactRef, "DB-") {
			t.Errorf("desk contact %d exported as %+v", con.ID, row)
		}
	})
}

// TestExportPages: small pages give the same output as one page: the
// keyset (occurred_at, id) loses and repeats no contact, ties included.
func TestExportPages(t *testing.T) {
	sample := dataFile(t, "intake-sample.csv")
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		mustCreateOperators(t, db.Client, sampleOperators(t))
		mustImport(t, db, sample, intakeio.ImportOptions{})
		export := func(page int) string {
			t.Helper()
			defer func(old int) { *intakeio.ExportPage = old }(*intakeio.ExportPage)
			*intakeio.ExportPage = page
			var buf bytes.Buffer
			n, err := intakeio.Export(sysCtx(), db.Client, &buf, intakeio.ExportOptions{Notes: true})
			if err != nil || n != 600 {
				t.Fatalf("export with pages of %d: %d rows, %v", page, n, err)
			}
			return buf.String()
		}
		one := export(1000)
		for _, page := range []int{1, 7, 600} {
			if got := export(page); got != one {
				t.Errorf("export with pages of %d differs from one page", page)
			}
		}
	})
}
