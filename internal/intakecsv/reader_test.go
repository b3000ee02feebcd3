package intakecsv

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"segretariato/internal/fiscalcode"
	"segretariato/internal/intakerule"
)

func ptr[T any](v T) *T { return &v }

func TestValidRow(t *testing.T) {
	rows, errs := readAll(t, strReader(csvOf(t, nil, baseRow())), sampleOptions(t))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := &Row{
		Line: 2, PhysicalLine: 2, ContactRef: "T-1",
		OccurredAt: time.Date(2025, 3, 14, 15, 45, 0, 0, time.UTC), // 16:45 CET
		Channel:    "IN_PERSON", Requester: "SELF", TargetArea: "ADULTS", Outcome: "INFORMED",
		OperatorEmail: "a.verdi@comune.example.it", FiscalCode: "RSSMRA80A01F205X",
		FirstName: "Mario", LastName: "Rossi", BirthDate: ptr(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)),
		Sex: "M", Citizenship: "IT", District: "Centro", Needs: []string{"ECO_INCOME"},
		Responses: []string{"INFORMATION"}, DurationMinutes: ptr(30),
	}
	if diff := cmp.Diff([]*Row{want}, rows); diff != "" {
		t.Errorf("row mismatch (-want +got):\n%s", diff)
	}
}

func TestRowNormalisation(t *testing.T) {
	in := with(baseRow(),
		ColContactRef, "  T-2 ", ColOccurredAt, " 1/7/2025 9:05:30 ", ColChannel, "phone",
		ColOperatorEmail, " A.Verdi@Comune.Example.IT ", ColFiscalCode, " rssmra80a01f205x ",
		ColFirstName, "  Maria   Grazia ", ColSex, "x", ColCitizenship, "ma",
		ColDistrict, " VILLAGGIO \u00a0 ARGENTIA ", ColNeeds, " eco_income | HOU_PUBLIC ",
		ColResponses, "FORMS|information", ColOutcome, "REFERRED_INTERNAL", ColReferralService, "ssp",
		ColNotes, "  line one\nline two ", ColDuration, "",
	)
	rows, errs := readAll(t, strReader(csvOf(t, nil, in)), sampleOptions(t))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	got := rows[0]
	want := &Row{
		Line: 2, PhysicalLine: 2, ContactRef: "T-2",
		OccurredAt: time.Date(2025, 7, 1, 7, 5, 30, 0, time.UTC), // 09:05:30 CEST
		Channel:    "PHONE", Requester: "SELF", TargetArea: "ADULTS", Outcome: "REFERRED_INTERNAL",
		OperatorEmail: "a.verdi@comune.example.it", FiscalCode: "RSSMRA80A01F205X",
		FirstName: "Maria Grazia", LastName: "Rossi", BirthDate: ptr(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)),
		Sex: "X", Citizenship: "MA", District: "VILLAGGIO ARGENTIA",
		Needs: []string{"ECO_INCOME", "HOU_PUBLIC"}, Responses: []string{"FORMS", "INFORMATION"},
		Referrals: []Referral{{Service: "SSP", Status: "PROPOSED"}}, Notes: "  line one\nline two ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("row mismatch (-want +got):\n%s", diff)
	}
	if intakerule.DistrictKey(got.District) != intakerule.DistrictKey("Villaggio Argentia") {
		t.Errorf("district keys differ")
	}
}

func TestAnonymousRow(t *testing.T) {
	in := with(baseRow(), ColFiscalCode, "", ColFirstName, "", ColLastName, "", ColSex, "F", ColBirthYear, "1976", ColOccurredAt, "2025-01-01")
	rows, errs := readAll(t, strReader(csvOf(t, nil, in)), sampleOptions(t))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	r := rows[0]
	if r.FiscalCode != "" || r.BirthDate != nil || r.Sex != "F" || r.BirthYear == nil || *r.BirthYear != 1976 {
		t.Errorf("anonymous row = %+v", r)
	}
	if want := time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC); !r.OccurredAt.Equal(want) {
		t.Errorf("date without time = %v, want local midnight %v", r.OccurredAt, want)
	}
}

// TestRowErrors has one case per reason.
func TestRowErrors(t *testing.T) {
	type e struct{ col, reason string }
	anon := with(baseRow(), ColFiscalCode, "", ColFirstName, "", ColLastName, "")
	tests := []struct {
		name string
		row  map[string]string
		opt  func(*Options)
		want []e
	}{
		{"contact_ref empty", with(baseRow(), ColContactRef, "  "), nil, []e{{ColContactRef, "required"}}},
		{"occurred_at empty", with(baseRow(), ColOccurredAt, ""), nil, []e{{ColOccurredAt, "required"}}},
		{"occurred_at text", with(baseRow(), ColOccurredAt, "yesterday"), nil, []e{{ColOccurredAt, "bad date format"}}},
		{"occurred_at two-digit year", with(baseRow(), ColOccurredAt, "14/03/25"), nil, []e{{ColOccurredAt, "bad date format"}}},
		{"occurred_at 31 February", with(baseRow(), ColOccurredAt, "31/02/2025"), nil, []e{{ColOccurredAt, "impossible date"}}},
		{"occurred_at month 13", with(baseRow(), ColOccurredAt, "2025-13-01 10:00"), nil, []e{{ColOccurredAt, "impossible date"}}},
		{"occurred_at 24:00", with(baseRow(), ColOccurredAt, "2025-03-01 24:00"), nil, []e{{ColOccurredAt, "impossible date"}}},
		{"occurred_at in the future", with(baseRow(), ColOccurredAt, "2026-11-28"), nil, []e{{ColOccurredAt, "in the future"}}},
		{"occurred_at before 1900", with(baseRow(), ColOccurredAt, "1025-03-01"), nil, []e{{ColOccurredAt, "out of range"}}},
		{"channel empty", with(baseRow(), ColChannel, ""), nil, []e{{ColChannel, "required"}}},
		{"channel unknown", with(baseRow(), ColChannel, "FAX"), nil, []e{{ColChannel, "unknown channel"}}},
		{"operator unknown", with(baseRow(), ColOperatorEmail, "nobody@comune.example.it"), nil, []e{{ColOperatorEmail, "unknown operator"}}},
		{"operator not an e-mail without a list", with(baseRow(), ColOperatorEmail, "a.verdi"), func(o *Options) { o.OperatorEmails = nil }, []e{{ColOperatorEmail, "invalid e-mail"}}},
		{"fiscal code length", with(baseRow(), ColFiscalCode, "RSSMRA80A01F205"), nil, []e{{ColFiscalCode, "wrong length"}}},
		{"fiscal code format", with(baseRow(), ColFiscalCode, "RSSMRA80A01F2O5X"), nil, []e{{ColFiscalCode, "bad format"}}},
		{"fiscal code checksum", with(baseRow(), ColFiscalCode, "RSSMRA80A01F205Y"), nil, []e{{ColFiscalCode, "checksum"}}},
		{"fiscal code date", with(baseRow(), ColFiscalCode, "RSSMRA80D31F205G"), nil, []e{{ColFiscalCode, "impossible date"}}},
		{"first name without code", with(anon, ColFirstName, "Mario"), nil, []e{{ColFirstName, "only with a fiscal code"}}},
		{"last name without code", with(anon, ColLastName, "Rossi"), nil, []e{{ColLastName, "only with a fiscal code"}}},
		{"birth date without code", with(anon, ColBirthDate, "1980-01-01"), nil, []e{{ColBirthDate, "only with a fiscal code"}}},
		{"birth date format", with(baseRow(), ColBirthDate, "1 gennaio 1980"), nil, []e{{ColBirthDate, "bad date format"}}},
		{"birth date with time", with(baseRow(), ColBirthDate, "1980-01-01 10:00"), nil, []e{{ColBirthDate, "bad date format"}}},
		{"birth date impossible", with(baseRow(), ColBirthDate, "30/02/1980"), nil, []e{{ColBirthDate, "impossible date"}}},
		{"birth date disagrees", with(baseRow(), ColBirthDate, "1980-01-02"), nil, []e{{ColBirthDate, "disagrees with the fiscal code"}}},
		{"birth date before 1900", with(baseRow(), ColBirthDate, "1880-01-01"), nil, []e{{ColBirthDate, "out of range"}}},
		{"sex unknown", with(baseRow(), ColSex, "U"), nil, []e{{ColSex, "unknown sex"}}},
		{"sex disagrees", with(baseRow(), ColSex, "F"), nil, []e{{ColSex, "disagrees with the fiscal code"}}},
		{"birth year with code", with(baseRow(), ColBirthYear, "1980"), nil, []e{{ColBirthYear, "only for anonymous contacts"}}},
		{"birth year not a number", with(anon, ColBirthYear, "circa 1980"), nil, []e{{ColBirthYear, "not a whole number"}}},
		{"birth year too old", with(anon, ColBirthYear, "1899"), nil, []e{{ColBirthYear, "out of range"}}},
		{"birth year after today", with(anon, ColBirthYear, "2027"), nil, []e{{ColBirthYear, "out of range"}}},
		{"birth year after the contact", with(anon, ColBirthYear, "2026"), nil, []e{{ColBirthYear, "after the contact"}}},
		{"citizenship name", with(baseRow(), ColCitizenship, "Italia"), nil, []e{{ColCitizenship, "unknown country code"}}},
		{"citizenship unassigned", with(baseRow(), ColCitizenship, "QQ"), nil, []e{{ColCitizenship, "unknown country code"}}},
		{"requester unknown", with(baseRow(), ColRequester, "NEIGHBOUR"), nil, []e{{ColRequester, "unknown requester"}}},
		{"target area unknown", with(baseRow(), ColTargetArea, "YOUTH"), nil, []e{{ColTargetArea, "unknown target area"}}},
		{"needs empty", with(baseRow(), ColNeeds, ""), nil, []e{{ColNeeds, "required"}}},
		{"need unknown", with(baseRow(), ColNeeds, "ECO_INCOME|NOT_A_NEED"), nil, []e{{ColNeeds, "unknown need code"}}},
		{"need duplicate", with(baseRow(), ColNeeds, "ECO_INCOME|eco_income"), nil, []e{{ColNeeds, "duplicate need code"}}},
		{"need list with a hole", with(baseRow(), ColNeeds, "ECO_INCOME||ADM_INFO"), nil, []e{{ColNeeds, "empty item in the list"}}},
		{"need not checked without a list", with(baseRow(), ColNeeds, "ANYTHING"), func(o *Options) { o.NeedCodes = nil }, nil},
		{"responses empty", with(baseRow(), ColResponses, ""), nil, []e{{ColResponses, "required"}}},
		{"response unknown", with(baseRow(), ColResponses, "MONEY"), nil, []e{{ColResponses, "unknown response"}}},
		{"response duplicate", with(baseRow(), ColResponses, "FORMS|FORMS"), nil, []e{{ColResponses, "duplicate response"}}},
		{"outcome empty", with(baseRow(), ColOutcome, ""), nil, []e{{ColOutcome, "required"}}},
		{"outcome unknown", with(baseRow(), ColOutcome, "DONE"), nil, []e{{ColOutcome, "unknown outcome"}}},
		{"referral without a service", with(baseRow(), ColOutcome, "REFERRED_EXTERNAL"), nil, []e{{ColOutcome, "referral without a service"}}},
		{"referral to an unknown service", with(baseRow(), ColOutcome, "REFERRED_EXTERNAL", ColReferralService, "XYZ"), nil, []e{{ColReferralService, "unknown service"}}},
		{"service without a referral", with(baseRow(), ColReferralService, "CAF"), nil, []e{{ColReferralService, "service without a referral"}}},
		{"status without a referral", with(baseRow(), ColReferralStatus, "ACCEPTED"), nil, []e{{ColReferralStatus, "status without a referral"}}},
		{"referral status unknown", with(baseRow(), ColOutcome, "REFERRED_INTERNAL", ColReferralService, "SSP", ColReferralStatus, "DONE"), nil, []e{{ColReferralStatus, "unknown referral status"}}},
		{"duration zero", with(baseRow(), ColDuration, "0"), nil, []e{{ColDuration, "out of range"}}},
		{"duration 481", with(baseRow(), ColDuration, "481"), nil, []e{{ColDuration, "out of range"}}},
		{"duration huge", with(baseRow(), ColDuration, "99999999999999999999"), nil, []e{{ColDuration, "out of range"}}},
		{"duration decimal", with(baseRow(), ColDuration, "12.5"), nil, []e{{ColDuration, "not a whole number"}}},
		{"invalid UTF-8 read as UTF-8", with(baseRow(), ColLastName, "Ross\xe9"), func(o *Options) { o.Encoding = UTF8 }, []e{{ColLastName, "invalid UTF-8"}}},
		{"several services, one status", with(baseRow(), ColOutcome, "REFERRED_EXTERNAL", ColReferralService, "CAF|SAD", ColReferralStatus, "ACCEPTED"), nil, []e{{ColReferralStatus, "not one status per referral service"}}},
		{"more statuses than services", with(baseRow(), ColOutcome, "REFERRED_EXTERNAL", ColReferralService, "CAF", ColReferralStatus, "ACCEPTED|PROPOSED"), nil, []e{{ColReferralStatus, "not one status per referral service"}}},
		{"status list with a hole", with(baseRow(), ColOutcome, "REFERRED_EXTERNAL", ColReferralService, "CAF|SAD", ColReferralStatus, "ACCEPTED|"), nil, []e{{ColReferralStatus, "empty item in the list"}}},
		{"service list with a hole", with(baseRow(), ColOutcome, "REFERRED_EXTERNAL", ColReferralService, "CAF||SAD"), nil, []e{{ColReferralService, "empty item in the list"}}},
		{"unknown service in the list", with(baseRow(), ColOutcome, "REFERRED_EXTERNAL", ColReferralService, "CAF|XYZ", ColReferralStatus, "ACCEPTED|PROPOSED"), nil, []e{{ColReferralService, "unknown service"}}},
		{"unknown status in the list", with(baseRow(), ColOutcome, "REFERRED_EXTERNAL", ColReferralService, "CAF|SAD", ColReferralStatus, "ACCEPTED|DONE"), nil, []e{{ColReferralStatus, "unknown referral status"}}},
		{"services without a referral", with(baseRow(), ColReferralService, "CAF|SAD"), nil, []e{{ColReferralService, "service without a referral"}}},
		{"informed about an unknown service", with(baseRow(), ColInformedAbout, "CAF|XYZ"), nil, []e{{ColInformedAbout, "unknown service"}}},
		{"informed about a service twice", with(baseRow(), ColInformedAbout, "CAF|caf"), nil, []e{{ColInformedAbout, "duplicate service"}}},
		{"informed-about list with a hole", with(baseRow(), ColInformedAbout, "CAF|"), nil, []e{{ColInformedAbout, "empty item in the list"}}},
		{"NUL byte in notes", with(baseRow(), ColNotes, "a\x00b"), nil, []e{{ColNotes, "control character"}}},
		{"line break in a name", with(baseRow(), ColFirstName, "Ma\nrio"), nil, []e{{ColFirstName, "control character"}}},
		{"every problem of the row", with(baseRow(), ColChannel, "FAX", ColFiscalCode, "RSSMRA80A01F205Y", ColDuration, "0", ColNeeds, "X"), nil,
			[]e{{ColChannel, "unknown channel"}, {ColFiscalCode, "checksum"}, {ColNeeds, "unknown need code"}, {ColDuration, "out of range"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := sampleOptions(t)
			if tt.opt != nil {
				tt.opt(&o)
			}
			rd, err := NewReaderWithOptions(strReader(csvOf(t, nil, tt.row)), o)
			if err != nil {
				t.Fatal(err)
			}
			row, err := rd.Next()
			var got []e
			var re RowErrors
			if errors.As(err, &re) {
				for _, x := range re {
					if x.Line != 2 || x.PhysicalLine != 2 {
						t.Errorf("error %v: line %d/%d, want 2", x, x.Line, x.PhysicalLine)
					}
					got = append(got, e{x.Column, x.Reason})
				}
				if row == nil || row.Line != 2 {
					t.Errorf("partial row = %+v, want one with Line 2", row)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(e{})); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
			// No reason or message may carry the cell's value.
			for _, x := range re {
				for _, v := range tt.row {
					if len(v) > 2 && strings.Contains(x.Error(), v) && !strings.Contains(x.Column, v) {
						t.Errorf("error %q leaks a value", x.Error())
					}
				}
			}
		})
	}
}

func TestDuplicateContactRef(t *testing.T) {
	in := csvOf(t, nil, baseRow(), with(baseRow(), ColContactRef, "T-2"), with(baseRow(), ColChannel, "FAX"))
	rows, errs := readAll(t, strReader(in), sampleOptions(t))
	want := RowErrors{
		{Line: 4, PhysicalLine: 4, Column: ColChannel, Reason: "unknown channel"},
		{Line: 4, PhysicalLine: 4, Column: ColContactRef, Reason: "duplicate in the file"},
	}
	if diff := cmp.Diff(want, errs, cmpopts.SortSlices(func(a, b RowError) bool { return a.Column < b.Column })); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if len(rows) != 2 {
		t.Errorf("%d valid rows, want 2", len(rows))
	}
}

func TestHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		comma   rune
		wantErr error
		want    *HeaderError
	}{
		{"comma", "contact_ref,occurred_at,channel,operator_email,requester,target_area,needs,responses,outcome\n", ',', nil, nil},
		{"semicolon, BOM, mixed case and spaces", "\uFEFF Contact_Ref ;OCCURRED_AT;channel;operator_email;requester;target_area;needs;responses;outcome\r\n", ';', nil, nil},
		{"semicolon with commas in a quoted name", "\"contact_ref\";occurred_at;channel;operator_email;requester;target_area;needs;responses;outcome;notes\n", ';', nil, nil},
		{"empty input", "", 0, ErrNoHeader, nil},
		{"only a BOM", "\uFEFF", 0, ErrNoHeader, nil},
		{"data instead of a header", "SEG-1,2025-01-01,IN_PERSON\n", 0, ErrNoHeader, nil},
		{"unknown and missing", "contact_ref,ocurred_at,channel,Operator_Email,requester,target_area,needs,responses,outcome,fax\n", 0, nil,
			&HeaderError{Unknown: []string{"ocurred_at", "fax"}, Missing: []string{"occurred_at"}}},
		{"duplicate", "contact_ref,occurred_at,channel,operator_email,requester,target_area,needs,responses,outcome,NEEDS\n", 0, nil,
			&HeaderError{Duplicate: []string{"needs"}}},
		{"missing several", "contact_ref;notes\n", 0, nil,
			&HeaderError{Missing: []string{"occurred_at", "channel", "operator_email", "requester", "target_area", "needs", "responses", "outcome"}}},
		{"empty column name", "contact_ref,occurred_at,channel,operator_email,requester,target_area,needs,responses,outcome,\n", 0, nil,
			&HeaderError{Unknown: []string{""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := NewReader(strReader(tt.in))
			if tt.want != nil {
				var he *HeaderError
				if !errors.As(err, &he) {
					t.Fatalf("err = %v, want a HeaderError", err)
				}
				if diff := cmp.Diff(tt.want, he); diff != "" {
					t.Errorf("HeaderError (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && rd.Comma() != tt.comma {
				t.Errorf("comma = %q, want %q", rd.Comma(), tt.comma)
			}
		})
	}
}

func TestMalformedHeader(t *testing.T) {
	_, err := NewReader(strReader("contact_ref,\"occurred_at\n"))
	if err == nil || !strings.Contains(err.Error(), "header") {
		t.Fatalf("err = %v", err)
	}
}

// TestLineNumbers: a cell with line breaks, blank lines, a malformed record
// and a record with the wrong number of fields.
func TestLineNumbers(t *testing.T) {
	bad := func(ref string) string {
		return csvOf(t, nil, with(baseRow(), ColContactRef, ref, ColChannel, "FAX"))[len(strings.Join(columns, ","))+1:]
	}
	in := strings.Join(columns, ",") + "\n" + // line 1
		csvOf(t, nil, with(baseRow(), ColContactRef, "A", ColNotes, "one\r\ntwo\nthree"))[len(strings.Join(columns, ","))+1:] + // line 2, physical 2-4
		bad("B") + // line 3, physical 5
		"\n" + // blank: line 4, physical 6
		bad("C") + // line 5, physical 7
		"x,\"broken\"quote\n" + // line 6, physical 8
		"a,b,c\n" + // line 7, physical 9
		bad("D") // line 8, physical 10
	rd, err := NewReaderWithOptions(strReader(in), sampleOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	type pos struct {
		line, phys int
		reason     string
	}
	var got []pos
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re RowErrors
		if errors.As(err, &re) {
			got = append(got, pos{re[0].Line, re[0].PhysicalLine, re[0].Reason})
			if re[0].Line != row.Line || re[0].PhysicalLine != row.PhysicalLine {
				t.Errorf("row %d/%d, error %d/%d", row.Line, row.PhysicalLine, re[0].Line, re[0].PhysicalLine)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pos{row.Line, row.PhysicalLine, "ok"})
	}
	want := []pos{
		{2, 2, "ok"}, {3, 5, "unknown channel"}, {5, 7, "unknown channel"},
		{6, 8, "malformed CSV"}, {7, 9, "wrong number of fields"}, {8, 10, "unknown channel"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(pos{})); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
}

func TestBlankSpreadsheetRowsAreSkipped(t *testing.T) {
	in := csvOf(t, nil, baseRow()) + strings.Repeat(",", len(columns)-1) + "\n" + strings.Repeat(";", 3) + "\n"
	rows, errs := readAll(t, strReader(strings.Replace(in, ";;;\n", "", 1)), sampleOptions(t))
	if len(rows) != 1 || len(errs) != 0 {
		t.Fatalf("rows %d, errors %v", len(rows), errs)
	}
}

func TestRecordTooLarge(t *testing.T) {
	big := with(baseRow(), ColNotes, strings.Repeat("x", 300<<10))
	o := sampleOptions(t)
	o.MaxRecordBytes = 100 << 10
	rd, err := NewReaderWithOptions(strReader(csvOf(t, nil, baseRow(), big, baseRow())), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatalf("first row: %v", err)
	}
	if _, err := rd.Next(); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("second row: err = %v, want ErrRecordTooLarge", err)
	}
	if _, err := rd.Next(); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("after a fatal error: err = %v, want it again", err)
	}
	// The default limit lets the same record through.
	o.MaxRecordBytes = 0
	rows, errs := readAll(t, strReader(csvOf(t, nil, big)), o)
	if len(rows) != 1 || len(errs) != 0 {
		t.Fatalf("rows %d, errors %v", len(rows), errs)
	}
}

// endless yields a header and then valid rows for ever: the reader must
// answer without reading it all.
type endless struct {
	buf []byte
	n   int
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.buf) == 0 {
		if e.n == 0 {
			e.buf = []byte(strings.Join(columns, ",") + "\n")
		} else {
			s := csvOf(nil, nil, with(baseRow(), ColContactRef, fmt.Sprint("R-", e.n)))
			e.buf = []byte(s[strings.IndexByte(s, '\n')+1:])
		}
		e.n++
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	return n, nil
}

func TestStreaming(t *testing.T) {
	src := &endless{}
	rd, err := NewReaderWithOptions(src, sampleOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		row, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if row.ContactRef != fmt.Sprint("R-", i) || row.Line != i+1 {
			t.Errorf("row %d = %s at line %d", i, row.ContactRef, row.Line)
		}
	}
	if src.n > 10_000 {
		t.Errorf("read %d rows ahead to return 3", src.n)
	}
}

func TestMissingOptionalColumns(t *testing.T) {
	cols := RequiredColumns()
	in := csvOf(t, cols, with(baseRow(), ColOutcome, "REFERRED_INTERNAL"), with(baseRow(), ColContactRef, "T-2"))
	rows, errs := readAll(t, strReader(in), sampleOptions(t))
	want := RowErrors{{Line: 2, PhysicalLine: 2, Column: ColOutcome, Reason: "referral without a service"}}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if len(rows) != 1 || rows[0].FiscalCode != "" {
		t.Errorf("rows = %+v", rows)
	}
}

// TestFiscalCodeCentury: the code's two-digit year cannot tell 1925 from
// 2025. A birth cannot follow the contact, and the birth_date column may set
// the century.
func TestFiscalCodeCentury(t *testing.T) {
	code := "BNCNNA25H41F205" // Anna Bianchi, born 1 June of ..25
	code += string(fiscalcode.CheckLetter(code))
	tests := []struct {
		name, occurred, birth string
		want                  time.Time
	}{
		{"contact after the 2025 birth", "2025-09-01", "", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"contact before it: 1925", "2025-03-01", "", time.Date(1925, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"birth_date sets the century", "2025-09-01", "01/06/1925", time.Date(1925, 6, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := with(baseRow(), ColFiscalCode, code, ColFirstName, "Anna", ColLastName, "Bianchi", ColOccurredAt, tt.occurred, ColBirthDate, tt.birth)
			rows, errs := readAll(t, strReader(csvOf(t, nil, in)), sampleOptions(t))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if got := rows[0].BirthDate; got == nil || !got.Equal(tt.want) || rows[0].Sex != "F" {
				t.Errorf("birth date %v, sex %q; want %v, F", got, rows[0].Sex, tt.want)
			}
		})
	}
}
