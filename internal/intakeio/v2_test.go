package intakeio_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"golang.org/x/text/encoding/charmap"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/schema/schematype"
	"segretariato/ent/service"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakeio"
	"segretariato/internal/referral"
	"segretariato/internal/rollup/rolluptest"
)

// v2Header has every column of version 2.
var v2Header = strings.Join(intakecsv.Columns(), ",") + "\n"

// v2File has contacts with several referrals in different states, a service
// referred to twice, and informed-about services (listed out of code order).
var v2File = v2Header +
	"M1,2025-02-03T09:30,IN_PERSON,a.verdi@comune.example.it,,,,,F,1961,,,SELF,ADULTS,ECO_INCOME|HOU_EVICTION,INFORMATION|ORIENTATION,REFERRED_EXTERNAL,CAF|CARITAS|CAF,CANCELLED|ACCEPTED|PROPOSED,SAD|CPI,40,\n" +
	"M2,2025-02-04T11:00,PHONE,b.neri@comune.example.it,,,,,M,1950,,,FAMILY_MEMBER,ELDERLY,CARE_HOME,INFORMATION,REFERRED_INTERNAL,SSP|SAD,,CARITAS,,\n" +
	"M3,2025-02-05T10:15,EMAIL,a.verdi@comune.example.it,,,,,,,,,SELF,ADULTS,ADM_INFO,INFORMATION,INFORMED,,,SERD|CAF|ALER,10,\n" +
	"M4,2025-02-06T16:00,IN_PERSON,b.neri@comune.example.it,,,,,X,1990,,,SELF,ADULTS,WRK_UNEMPLOYED,ORIENTATION,REFERRED_EXTERNAL,CPI,COMPLETED,,25,\n"

// rewrite parses a ',' file, lets edit change each data row (by column
// name; i counts data rows from 0) and writes it back.
func rewrite(t *testing.T, data []byte, edit func(i int, row map[string]string)) string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(recs[0])
	for i, rec := range recs[1:] {
		row := map[string]string{}
		for j, h := range recs[0] {
			row[h] = rec[j]
		}
		edit(i, row)
		for j, h := range recs[0] {
			rec[j] = row[h]
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// accentedSample is the sample with what Italian cards hold beyond ASCII,
// from data row from on: districts, names and notes with accents, the
// euro sign and the typographic apostrophe. first, when set, is the notes
// of the first row.
func accentedSample(t *testing.T, sample []byte, from int, first string) string {
	return rewrite(t, sample, func(i int, row map[string]string) {
		if i == 0 && first != "" {
			row["notes"] = first
		}
		if i < from {
			return
		}
		if i%4 == 0 {
			row["notes"] = "Pagati 30 € di ticket; è seguita dalla Caritas"
		}
		if row["fiscal_code"] != "" && i%3 == 0 {
			row["district"] = "Città Sant’Angelo"
			row["last_name"] = "D’Amico Nicolò"
		}
	})
}

func windows1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding the fixture as windows-1252: %v", err)
	}
	return b
}

// TestImportWindows1252: a file saved by Italian Excel in windows-1252
// imports to the same data as the same file in UTF-8, and the summary
// says which encoding was read; a file whose first windows-1252 letter
// comes after UTF-8-looking bytes and after the detection window is read
// again from its start.
func TestImportWindows1252(t *testing.T) {
	sample := dataFile(t, "intake-sample.csv")
	files := map[string]string{
		"accents throughout": accentedSample(t, sample, 0, ""),
		// Ã© is C3 A9 in windows-1252: valid UTF-8 for "é".
		"UTF-8-like bytes first": accentedSample(t, sample, 400, "Ã© in the first row"),
	}
	mixed := windows1252(t, files["UTF-8-like bytes first"])
	after := bytes.Index(mixed, []byte("in the first row"))
	if i := after + bytes.IndexFunc(mixed[after:], func(r rune) bool { return r >= 0x80 }); i < 64<<10 {
		t.Fatalf("fixture: the first windows-1252 letter is at %d, inside the detection window", i)
	}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		for name, text := range files {
			t.Run(name, func(t *testing.T) {
				ref := dbtest.Open(t, db.Dialect, database.Options{})
				mustCreateOperators(t, ref.Client, sampleOperators(t))
				if sum := mustImport(t, ref, []byte(text), intakeio.ImportOptions{}); sum.Encoding != "UTF-8" {
					t.Errorf("UTF-8 file: encoding %q", sum.Encoding)
				}
				win := dbtest.Open(t, db.Dialect, database.Options{})
				mustCreateOperators(t, win.Client, sampleOperators(t))
				sum := mustImport(t, win, windows1252(t, text), intakeio.ImportOptions{BatchSize: 150})
				if sum.Encoding != "windows-1252" || sum.ContactsCreated != 600 {
					t.Errorf("windows-1252 file: %+v", sum)
				}
				checkSameDump(t, dump(t, ref.Client), dump(t, win.Client))
				ctx := sysCtx()
				n, err := win.Client.Citizen.Query().Where(citizen.District("Città Sant’Angelo"), citizen.LastName("D’Amico Nicolò")).Count(ctx)
				if err != nil || n == 0 {
					t.Errorf("no citizen with the accented district and name (%v)", err)
				}
				notes, err := win.Client.Contact.Query().Where(contact.NotesContains("30 € di ticket; è seguita")).Count(ctx)
				if want := strings.Count(text, "30 € di ticket"); err != nil || notes != want || want == 0 {
					t.Errorf("%d contacts with the euro notes, want %d (%v)", notes, want, err)
				}
			})
		}

		// A reader that cannot seek cannot be read again: the import says
		// why and writes nothing.
		mustCreateOperators(t, db.Client, sampleOperators(t))
		_, err := intakeio.Import(sysCtx(), db, struct{ io.Reader }{bytes.NewReader(mixed)}, intakeio.ImportOptions{BatchSize: 100})
		if !errors.Is(err, intakecsv.ErrMixedEncoding) {
			t.Errorf("not seekable: err = %v, want ErrMixedEncoding", err)
		}
		if n := mustCount(t, db.Client); n != (counts{}) {
			t.Errorf("counts after the failed import = %+v, want none", n)
		}
	})
}

func export(t *testing.T, c *ent.Client, w intakecsv.WriterOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := intakeio.Export(sysCtx(), c, &buf, intakeio.ExportOptions{Notes: true, Writer: w}); err != nil {
		t.Fatalf("export: %v", err)
	}
	return buf.Bytes()
}

// TestExportSeveralReferrals: every referral and informed-about service
// is exported, and export → import → export is byte-identical for every
// contact, including a referral the desk made later and moved on.
func TestExportSeveralReferrals(t *testing.T) {
	sample := dataFile(t, "intake-sample.csv")
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		ctx := sysCtx()
		c := db.Client
		mustCreateOperators(t, c, sampleOperators(t))
		mustImport(t, db, sample, intakeio.ImportOptions{})
		mustImport(t, db, []byte(v2File), intakeio.ImportOptions{})

		// The desk refers M2 to the CAF too, later, and the CAF accepts.
		m2 := c.Contact.Query().Where(contact.ContactRef("M2")).OnlyX(ctx)
		caf := c.Service.Query().Where(service.Code("CAF")).OnlyX(ctx)
		desk := &referral.Service{Client: c}
		r, err := desk.Create(ctx, m2.OperatorID, ent.CreateReferralInput{ContactID: m2.ID, ServiceID: caf.ID}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := desk.Move(ctx, m2.OperatorID, r.ID, referral.Move{Version: r.Version, To: schematype.ReferralStatusAccepted}); err != nil {
			t.Fatal(err)
		}

		for name, w := range map[string]intakecsv.WriterOptions{
			"spec":  {},
			"excel": {Comma: ';', BOM: true, CRLF: true, DateStyle: intakecsv.Italian},
		} {
			t.Run(name, func(t *testing.T) {
				first := export(t, c, w)
				sep := string(w.Comma)
				if w.Comma == 0 {
					sep = ","
				}
				for _, cells := range []string{
					"REFERRED_EXTERNAL,CAF|CARITAS|CAF,CANCELLED|ACCEPTED|PROPOSED,CPI|SAD,40,",
					"REFERRED_INTERNAL,SSP|SAD|CAF,PROPOSED|PROPOSED|ACCEPTED,CARITAS,,",
					"INFORMED,,,ALER|CAF|SERD,10,",
					"REFERRED_EXTERNAL,CPI,COMPLETED,,25,",
				} {
					if !bytes.Contains(first, []byte(strings.ReplaceAll(cells, ",", sep))) {
						t.Errorf("export lacks the cells %s", cells)
					}
				}
				fresh := dbtest.Open(t, db.Dialect, database.Options{})
				mustCreateOperators(t, fresh.Client, sampleOperators(t))
				sum := mustImport(t, fresh, first, intakeio.ImportOptions{BatchSize: 100})
				if sum.ContactsCreated != 604 {
					t.Errorf("import of the export = %+v", sum)
				}
				if again := export(t, fresh.Client, w); !bytes.Equal(first, again) {
					t.Errorf("export → import → export differs:\n%s", firstDiff(first, again))
				}

				// And back into its own database: nothing changes.
				before, dumpBefore := mustCount(t, c), dump(t, c)
				sum = mustImport(t, db, first, intakeio.ImportOptions{})
				if sum.ContactsUnchanged != 604 {
					t.Errorf("export imported into its own database = %+v, want 604 unchanged", sum)
				}
				if after := mustCount(t, c); after != before {
					t.Errorf("counts after importing the export = %+v, want %+v", after, before)
				}
				checkSameDump(t, dumpBefore, dump(t, c))
			})
		}
	})
}

// firstDiff shows the first line where two files differ.
func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "- " + la[i] + "\n+ " + lb[i]
		}
	}
	return "one file is longer"
}

// referralsOf is "SERVICE:STATUS:events" for each referral of a contact,
// in proposal order.
func referralsOf(t *testing.T, c *ent.Client, ref string) []string {
	t.Helper()
	con := c.Contact.Query().Where(contact.ContactRef(ref)).
		WithReferrals(func(q *ent.ReferralQuery) { q.WithService().WithEvents() }).
		WithInformedAbout().OnlyX(sysCtx())
	var out []string
	for _, r := range con.Edges.Referrals {
		out = append(out, r.Edges.Service.Code+":"+string(r.Status)+":"+strings.Repeat("e", len(r.Edges.Events)))
	}
	slices.Sort(out)
	for _, s := range con.Edges.InformedAbout {
		out = append(out, "informed:"+s.Code)
	}
	slices.Sort(out[len(con.Edges.Referrals):])
	return out
}

// TestImportReferralSet: the same file twice changes nothing; an edited
// row's referrals become the contact's (created, moved along the
// lifecycle with an event per step, deleted); a row that would move a
// referral back is refused.
func TestImportReferralSet(t *testing.T) {
	row := func(services, statuses, informed string) string {
		return v2Header +
			"R1,2025-04-01T10:00,IN_PERSON,a.verdi@comune.example.it,,,,,F,1970,,,SELF,ADULTS,ECO_INCOME,INFORMATION,REFERRED_EXTERNAL," + services + "," + statuses + "," + informed + ",,\n" +
			"R2,2025-04-02T10:00,PHONE,a.verdi@comune.example.it,,,,,,,,,SELF,ADULTS,ADM_INFO,FORMS,INFORMED,,,,,\n"
	}
	a := row("CAF|SAD|CAF", "PROPOSED|ACCEPTED|CANCELLED", "CARITAS")
	b := row("SAD|CPI", "COMPLETED|PROPOSED", "SAD|CARITAS")
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		c := db.Client
		mustCreateOperators(t, c, sampleOperators(t))
		sum := mustImport(t, db, []byte(a), intakeio.ImportOptions{})
		if sum.ContactsCreated != 2 || sum.Referrals != 1 {
			t.Fatalf("first import = %+v", sum)
		}
		want := []string{"CAF:CANCELLED:e", "CAF:PROPOSED:e", "SAD:ACCEPTED:e", "informed:CARITAS"}
		if got := referralsOf(t, c, "R1"); !slices.Equal(got, want) {
			t.Errorf("after a: %v, want %v", got, want)
		}

		// The same file again: nothing changes.
		before, dumpBefore := mustCount(t, c), dump(t, c)
		sum = mustImport(t, db, []byte(a), intakeio.ImportOptions{})
		if sum.ContactsUnchanged != 2 || sum.ContactsUpdated != 0 {
			t.Errorf("same file again = %+v", sum)
		}
		if n := mustCount(t, c); n != before {
			t.Errorf("counts after the same file = %+v, want %+v", n, before)
		}
		checkSameDump(t, dumpBefore, dump(t, c))

		// The edited row: both CAF referrals go (with their events), SAD
		// moves ACCEPTED → COMPLETED (one event), CPI is new (one event).
		sum = mustImport(t, db, []byte(b), intakeio.ImportOptions{})
		if sum.ContactsUpdated != 1 || sum.ContactsUnchanged != 1 {
			t.Errorf("edited file = %+v, want 1 updated, 1 unchanged", sum)
		}
		want = []string{"CPI:PROPOSED:e", "SAD:COMPLETED:ee", "informed:CARITAS", "informed:SAD"}
		if got := referralsOf(t, c, "R1"); !slices.Equal(got, want) {
			t.Errorf("after b: %v, want %v", got, want)
		}
		if n := mustCount(t, c); n.Referrals != 2 || n.Events != 3 {
			t.Errorf("counts after b = %+v, want 2 referrals, 3 events", n)
		}
		for _, r := range c.Contact.Query().Where(contact.ContactRef("R1")).QueryReferrals().AllX(sysCtx()) {
			if r.Status == schematype.ReferralStatusCompleted &&
				(r.AcceptedAt == nil || r.CompletedAt == nil || r.Successful == nil || !*r.Successful || r.Version != 2) {
				t.Errorf("completed referral: accepted %v, completed %v, successful %s, version %d", r.AcceptedAt, r.CompletedAt, str(r.Successful), r.Version)
			}
		}
		if sum := mustImport(t, db, []byte(b), intakeio.ImportOptions{}); sum.ContactsUnchanged != 2 {
			t.Errorf("edited file again = %+v", sum)
		}

		// A referral the desk makes later on R2, whose outcome is not a
		// referral (so the file cannot list it), survives a re-import.
		r2 := c.Contact.Query().Where(contact.ContactRef("R2")).OnlyX(sysCtx())
		sad := c.Service.Query().Where(service.Code("SAD")).OnlyX(sysCtx())
		if _, err := (&referral.Service{Client: c}).Create(sysCtx(), r2.OperatorID, ent.CreateReferralInput{ContactID: r2.ID, ServiceID: sad.ID}, false); err != nil {
			t.Fatal(err)
		}
		if sum := mustImport(t, db, []byte(b), intakeio.ImportOptions{}); sum.ContactsUnchanged != 2 {
			t.Errorf("edited file after the desk's referral = %+v", sum)
		}
		if got := referralsOf(t, c, "R2"); !slices.Equal(got, []string{"SAD:PROPOSED:e"}) {
			t.Errorf("R2 after the re-import: %v, want the desk's referral", got)
		}

		// Back to PROPOSED is not a move a referral can make.
		before, dumpBefore = mustCount(t, c), dump(t, c)
		_, err := intakeio.Import(sysCtx(), db, strings.NewReader(row("SAD|CPI", "PROPOSED|PROPOSED", "")), intakeio.ImportOptions{})
		var refused *intakeio.Refused
		wantErr := intakecsv.RowError{Line: 2, PhysicalLine: 2, Column: intakecsv.ColReferralStatus, Reason: intakeio.ReasonStatusMove}
		if !errors.As(err, &refused) || refused.Total != 1 || refused.Errors[0] != wantErr {
			t.Errorf("moving back: err = %v, want %v", err, wantErr)
		}
		if n := mustCount(t, c); n != before {
			t.Errorf("counts after the refused file = %+v, want %+v", n, before)
		}
		checkSameDump(t, dumpBefore, dump(t, c))

		// A version-1 file (no informed_about column) imports as before.
		v1 := updateHeader + "R3,2025-04-03T10:00,IN_PERSON,a.verdi@comune.example.it,,,,,,,,,SELF,ADULTS,ECO_INCOME,INFORMATION,REFERRED_INTERNAL,SSP,ACCEPTED,,\n"
		if sum := mustImport(t, db, []byte(v1), intakeio.ImportOptions{}); sum.ContactsCreated != 1 || sum.Referrals != 1 {
			t.Errorf("version-1 file = %+v", sum)
		}
		if got := referralsOf(t, c, "R3"); !slices.Equal(got, []string{"SSP:ACCEPTED:e"}) {
			t.Errorf("version-1 row: %v", got)
		}
		rolluptest.Check(t, db, "re-imports that create, move and delete referrals")
	})
}

// v2Edited is v2File with three contacts edited: referrals created, moved
// and deleted (M1, M2), informed-about services rewritten (M1, M2, M3).
func v2Edited(t *testing.T) string {
	return rewrite(t, []byte(v2File), func(i int, row map[string]string) {
		switch row["contact_ref"] {
		case "M1":
			row["referral_service"], row["referral_status"], row["informed_about"] = "CARITAS|CAF|SSP", "COMPLETED|CANCELLED|PROPOSED", "SAD"
		case "M2":
			row["referral_status"], row["informed_about"] = "DECLINED|CANCELLED", ""
		case "M3":
			row["informed_about"] = "ALER|SCUOLA"
		}
	})
}

// TestImportV2CopySameAsEnt: the version-2 columns written by COPY on
// PostgreSQL (new contacts) and by ent (re-import: moves, deletes,
// rewritten informed-about services) give what the ent path gives on
// SQLite.
func TestImportV2CopySameAsEnt(t *testing.T) {
	kinds := dbtest.Kinds(t)
	if !slices.Contains(kinds, dialect.Postgres) {
		t.Skip("needs TEST_DATABASE_URL (PostgreSQL)")
	}
	edited := v2Edited(t)
	dumps := map[string][]map[string]string{}
	sizes := map[string][]counts{}
	for _, kind := range []string{dialect.SQLite, dialect.Postgres} {
		db := dbtest.Open(t, kind, database.Options{})
		mustCreateOperators(t, db.Client, sampleOperators(t))
		for _, file := range []string{v2File, edited} {
			mustImport(t, db, []byte(file), intakeio.ImportOptions{BatchSize: 3})
			dumps[kind] = append(dumps[kind], dump(t, db.Client))
			sizes[kind] = append(sizes[kind], mustCount(t, db.Client))
		}
	}
	for i := range dumps[dialect.SQLite] {
		checkSameDump(t, dumps[dialect.SQLite][i], dumps[dialect.Postgres][i])
		if sizes[dialect.SQLite][i] != sizes[dialect.Postgres][i] {
			t.Errorf("import %d, table sizes: SQLite %+v, PostgreSQL %+v", i+1, sizes[dialect.SQLite][i], sizes[dialect.Postgres][i])
		}
	}
	if d := diffDumps(dumps[dialect.SQLite][0], dumps[dialect.SQLite][1]); len(d) != 3 {
		t.Errorf("the edit changed %d contacts, want 3:\n%s", len(d), strings.Join(d, "\n"))
	}
}
