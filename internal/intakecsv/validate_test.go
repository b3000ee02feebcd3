package intakecsv

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"segretariato/internal/fiscalcode"
)

// problem is one error of a validator: its column and reason.
type problem struct{ col, reason string }

// validatorCase is one input of a column validator: the cells of the row
// (the others empty), the state earlier validators left, and what the
// validator must set in the row and report.
type validatorCase struct {
	name   string
	cells  map[string]string
	opt    func(*Options)          // changes to sampleOptions, or nil
	before func(*rowParser)        // state left by earlier validators, or nil
	want   Row                     // the whole row: a validator sets only its own fields
	errs   []problem               // in order
	check  func(*rowParser) string // further state to check, or nil; "" = fine
}

// newRowParser returns a rowParser of a Reader of a file with every column,
// on a record with the given cells.
func newRowParser(t *testing.T, o Options, cells map[string]string) *rowParser {
	t.Helper()
	rd, err := NewReaderWithOptions(strReader(csvOf(t, nil)), o)
	if err != nil {
		t.Fatal(err)
	}
	rec := make([]string, len(columns))
	for i, c := range columns {
		rec[i] = cells[c]
	}
	return &rowParser{r: rd, rec: rec, row: &Row{Line: 2, PhysicalLine: 2}}
}

// runValidator runs v on each case.
func runValidator(t *testing.T, v columnValidator, cases []validatorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := sampleOptions(t)
			if tc.opt != nil {
				tc.opt(&o)
			}
			p := newRowParser(t, o, tc.cells)
			if tc.before != nil {
				tc.before(p)
			}
			v(p)
			var got []problem
			for _, e := range p.errs {
				if e.Line != 2 || e.PhysicalLine != 2 {
					t.Errorf("error %v: line %d/%d, want 2", e, e.Line, e.PhysicalLine)
				}
				got = append(got, problem{e.Column, e.Reason})
			}
			if diff := cmp.Diff(tc.errs, got, cmp.AllowUnexported(problem{})); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
			want := tc.want
			want.Line, want.PhysicalLine = 2, 2
			if diff := cmp.Diff(&want, p.row); diff != "" {
				t.Errorf("row mismatch (-want +got):\n%s", diff)
			}
			if tc.check != nil {
				if msg := tc.check(p); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func cells(kv ...string) map[string]string { return with(nil, kv...) }

func utf8Only(o *Options) { o.Encoding = UTF8 }

// withCode is the state after a valid fiscal code of a man born on
// 1 January 1980.
func withCode(p *rowParser) {
	in, err := fiscalcode.ParseAt("RSSMRA80A01F205X", testNow)
	if err != nil {
		panic(err)
	}
	p.info, p.codeGiven = &in, true
}

// withBadCode is the state after a fiscal code that is filled in but not
// valid.
func withBadCode(p *rowParser) { p.codeGiven = true }

func onDay(y int, m time.Month, d int) func(*rowParser) {
	return func(p *rowParser) { p.contactDay = time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
}

func both(fs ...func(*rowParser)) func(*rowParser) {
	return func(p *rowParser) {
		for _, f := range fs {
			f(p)
		}
	}
}

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func TestContactRefColumn(t *testing.T) {
	seen := func(p *rowParser) { p.r.seen.add("T-1") }
	remembered := func(p *rowParser) string {
		if !p.r.seen.has("T-1") {
			return "T-1 not remembered"
		}
		return ""
	}
	runValidator(t, (*rowParser).contactRef, []validatorCase{
		{name: "trimmed", cells: cells(ColContactRef, "  T-1 "), want: Row{ContactRef: "T-1"}, check: remembered},
		{name: "empty", cells: cells(ColContactRef, "  "), errs: []problem{{ColContactRef, "required"}}},
		{name: "seen before", cells: cells(ColContactRef, "T-1"), before: seen, want: Row{ContactRef: "T-1"},
			errs: []problem{{ColContactRef, "duplicate in the file"}}},
		{name: "control character", cells: cells(ColContactRef, "T\x01"), errs: []problem{{ColContactRef, "control character"}}},
	})
}

func TestOccurredAtColumn(t *testing.T) {
	contactDay := func(want time.Time) func(*rowParser) string {
		return func(p *rowParser) string {
			if !p.contactDay.Equal(want) {
				return "contact day " + p.contactDay.String() + ", want " + want.String()
			}
			return ""
		}
	}
	runValidator(t, (*rowParser).occurredAt, []validatorCase{
		{name: "winter time", cells: cells(ColOccurredAt, "2025-03-14T16:45"),
			want:  Row{OccurredAt: time.Date(2025, 3, 14, 15, 45, 0, 0, time.UTC)},
			check: contactDay(time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC))},
		{name: "local midnight is the local day", cells: cells(ColOccurredAt, "01/01/2025"),
			want:  Row{OccurredAt: time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC)},
			check: contactDay(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))},
		{name: "empty", cells: cells(), errs: []problem{{ColOccurredAt, "required"}}, check: contactDay(time.Time{})},
		{name: "text", cells: cells(ColOccurredAt, "yesterday"), errs: []problem{{ColOccurredAt, "bad date format"}}},
		{name: "31 February", cells: cells(ColOccurredAt, "31/02/2025"), errs: []problem{{ColOccurredAt, "impossible date"}}},
		{name: "before 1900", cells: cells(ColOccurredAt, "1025-03-01"), errs: []problem{{ColOccurredAt, "out of range"}}},
		{name: "in the future", cells: cells(ColOccurredAt, "2026-11-28"), errs: []problem{{ColOccurredAt, "in the future"}},
			check: contactDay(time.Time{})},
	})
}

func TestChannelColumn(t *testing.T) {
	runValidator(t, (*rowParser).channel, []validatorCase{
		{name: "upper-cased", cells: cells(ColChannel, " phone "), want: Row{Channel: "PHONE"}},
		{name: "empty", cells: cells(), errs: []problem{{ColChannel, "required"}}},
		{name: "unknown", cells: cells(ColChannel, "FAX"), errs: []problem{{ColChannel, "unknown channel"}}},
	})
}

func TestOperatorEmailColumn(t *testing.T) {
	noList := func(o *Options) { o.OperatorEmails = nil }
	runValidator(t, (*rowParser).operatorEmail, []validatorCase{
		{name: "in the list, lower-cased", cells: cells(ColOperatorEmail, " A.Verdi@Comune.Example.IT "),
			want: Row{OperatorEmail: "a.verdi@comune.example.it"}},
		{name: "empty", cells: cells(), errs: []problem{{ColOperatorEmail, "required"}}},
		{name: "not in the list", cells: cells(ColOperatorEmail, "nobody@comune.example.it"),
			errs: []problem{{ColOperatorEmail, "unknown operator"}}},
		{name: "any address without a list", cells: cells(ColOperatorEmail, "Someone@Example.org"), opt: noList,
			want: Row{OperatorEmail: "someone@example.org"}},
		{name: "not an address without a list", cells: cells(ColOperatorEmail, "a.verdi"), opt: noList,
			errs: []problem{{ColOperatorEmail, "invalid e-mail"}}},
		{name: "a name and an address without a list", cells: cells(ColOperatorEmail, "A <a@example.org>"), opt: noList,
			errs: []problem{{ColOperatorEmail, "invalid e-mail"}}},
	})
}

func TestFiscalCodeColumn(t *testing.T) {
	state := func(given, valid bool) func(*rowParser) string {
		return func(p *rowParser) string {
			if p.codeGiven != given || (p.info != nil) != valid {
				return "wrong fiscal code state"
			}
			return ""
		}
	}
	runValidator(t, (*rowParser).fiscalCode, []validatorCase{
		{name: "valid, upper-cased", cells: cells(ColFiscalCode, " rssmra80a01f205x "),
			want: Row{FiscalCode: "RSSMRA80A01F205X"}, check: state(true, true)},
		{name: "anonymous", cells: cells(), check: state(false, false)},
		{name: "length", cells: cells(ColFiscalCode, "RSSMRA80A01F205"), errs: []problem{{ColFiscalCode, "wrong length"}},
			check: state(true, false)},
		{name: "format", cells: cells(ColFiscalCode, "RSSMRA80A01F2O5X"), errs: []problem{{ColFiscalCode, "bad format"}}},
		{name: "checksum", cells: cells(ColFiscalCode, "RSSMRA80A01F205Y"), errs: []problem{{ColFiscalCode, "checksum"}}},
		{name: "date", cells: cells(ColFiscalCode, "RSSMRA80D31F205G"), errs: []problem{{ColFiscalCode, "impossible date"}}},
		{name: "unreadable is not anonymous", cells: cells(ColFiscalCode, "RSSMRA80A01F205\xff"), opt: utf8Only,
			errs: []problem{{ColFiscalCode, "invalid UTF-8"}}, check: state(true, false)},
	})
}

func TestNameColumns(t *testing.T) {
	runValidator(t, (*rowParser).names, []validatorCase{
		{name: "spaces collapsed", cells: cells(ColFirstName, "  Maria   Grazia ", ColLastName, "Rossi"), before: withCode,
			want: Row{FirstName: "Maria Grazia", LastName: "Rossi"}},
		{name: "with an invalid code", cells: cells(ColLastName, "Rossi"), before: withBadCode, want: Row{LastName: "Rossi"}},
		{name: "anonymous", cells: cells(ColFirstName, "Mario", ColLastName, "Rossi"),
			errs: []problem{{ColFirstName, "only with a fiscal code"}, {ColLastName, "only with a fiscal code"}}},
		{name: "anonymous without names", cells: cells()},
		{name: "line break", cells: cells(ColFirstName, "Ma\nrio"), before: withCode,
			errs: []problem{{ColFirstName, "control character"}}},
	})
}

func TestBirthDateColumn(t *testing.T) {
	runValidator(t, (*rowParser).birthDate, []validatorCase{
		{name: "from the code", cells: cells(), before: withCode, want: Row{BirthDate: day(1980, 1, 1)}},
		{name: "none", cells: cells()},
		{name: "agrees with the code", cells: cells(ColBirthDate, "01/01/1980"), before: withCode, want: Row{BirthDate: day(1980, 1, 1)}},
		{name: "before 1900", cells: cells(ColBirthDate, "1880-01-01"), before: withCode,
			errs: []problem{{ColBirthDate, "out of range"}}},
		{name: "disagrees with the code", cells: cells(ColBirthDate, "1980-01-02"), before: withCode,
			errs: []problem{{ColBirthDate, "disagrees with the fiscal code"}}},
		{name: "with an invalid code", cells: cells(ColBirthDate, "1980-01-02"), before: withBadCode, want: Row{BirthDate: day(1980, 1, 2)}},
		{name: "anonymous", cells: cells(ColBirthDate, "yesterday"), errs: []problem{{ColBirthDate, "only with a fiscal code"}}},
		{name: "format", cells: cells(ColBirthDate, "1 gennaio 1980"), before: withCode, errs: []problem{{ColBirthDate, "bad date format"}}},
		{name: "with a time", cells: cells(ColBirthDate, "1980-01-01 10:00"), before: withCode, errs: []problem{{ColBirthDate, "bad date format"}}},
		{name: "impossible", cells: cells(ColBirthDate, "30/02/1980"), before: withCode, errs: []problem{{ColBirthDate, "impossible date"}}},
		{name: "in the future", cells: cells(ColBirthDate, "2026-11-28"), before: withBadCode, errs: []problem{{ColBirthDate, "in the future"}}},
		{name: "after the contact", cells: cells(ColBirthDate, "1980-01-02"), before: both(withBadCode, onDay(1980, 1, 1)),
			errs: []problem{{ColBirthDate, "after the contact"}}},
		{name: "on the contact's day", cells: cells(ColBirthDate, "1980-01-01"), before: both(withCode, onDay(1980, 1, 1)),
			want: Row{BirthDate: day(1980, 1, 1)}},
	})
}

func TestSexColumn(t *testing.T) {
	runValidator(t, (*rowParser).sex, []validatorCase{
		{name: "from the code", cells: cells(), before: withCode, want: Row{Sex: "M"}},
		{name: "agrees with the code", cells: cells(ColSex, "m"), before: withCode, want: Row{Sex: "M"}},
		{name: "X with the code", cells: cells(ColSex, "x"), before: withCode, want: Row{Sex: "X"}},
		{name: "disagrees with the code", cells: cells(ColSex, "F"), before: withCode, errs: []problem{{ColSex, "disagrees with the fiscal code"}}},
		{name: "unknown, not taken from the code", cells: cells(ColSex, "U"), before: withCode, errs: []problem{{ColSex, "unknown sex"}}},
		{name: "anonymous", cells: cells(ColSex, "f"), want: Row{Sex: "F"}},
		{name: "with an invalid code", cells: cells(ColSex, "F"), before: withBadCode, want: Row{Sex: "F"}},
		{name: "none", cells: cells()},
	})
}

func TestBirthYearColumn(t *testing.T) {
	runValidator(t, (*rowParser).birthYear, []validatorCase{
		{name: "anonymous", cells: cells(ColBirthYear, " 1976 "), before: onDay(2025, 1, 1), want: Row{BirthYear: ptr(1976)}},
		{name: "none", cells: cells()},
		{name: "with a code", cells: cells(ColBirthYear, "1980"), before: withCode, errs: []problem{{ColBirthYear, "only for anonymous contacts"}}},
		{name: "with an invalid code", cells: cells(ColBirthYear, "1980"), before: withBadCode, errs: []problem{{ColBirthYear, "only for anonymous contacts"}}},
		{name: "not a number", cells: cells(ColBirthYear, "circa 1980"), errs: []problem{{ColBirthYear, "not a whole number"}}},
		{name: "too old", cells: cells(ColBirthYear, "1899"), errs: []problem{{ColBirthYear, "out of range"}}},
		{name: "after today", cells: cells(ColBirthYear, "2027"), errs: []problem{{ColBirthYear, "out of range"}}},
		{name: "this year without a contact day", cells: cells(ColBirthYear, "2026"), want: Row{BirthYear: ptr(2026)}},
		{name: "after the contact", cells: cells(ColBirthYear, "2026"), before: onDay(2025, 12, 31), errs: []problem{{ColBirthYear, "after the contact"}}},
	})
}

func TestCitizenshipColumn(t *testing.T) {
	runValidator(t, (*rowParser).citizenship, []validatorCase{
		{name: "upper-cased", cells: cells(ColCitizenship, " ma "), want: Row{Citizenship: "MA"}},
		{name: "none", cells: cells()},
		{name: "a name", cells: cells(ColCitizenship, "Italia"), errs: []problem{{ColCitizenship, "unknown country code"}}},
		{name: "unassigned", cells: cells(ColCitizenship, "QQ"), errs: []problem{{ColCitizenship, "unknown country code"}}},
	})
}

func TestDistrictColumn(t *testing.T) {
	runValidator(t, (*rowParser).district, []validatorCase{
		{name: "spaces collapsed", cells: cells(ColDistrict, " VILLAGGIO \u00a0 ARGENTIA "), want: Row{District: "VILLAGGIO ARGENTIA"}},
		{name: "none", cells: cells()},
		{name: "tab", cells: cells(ColDistrict, "Centro\t"), errs: []problem{{ColDistrict, "control character"}}},
	})
}

func TestRequesterAndTargetAreaColumns(t *testing.T) {
	runValidator(t, (*rowParser).requester, []validatorCase{
		{name: "requester", cells: cells(ColRequester, "self"), want: Row{Requester: "SELF"}},
		{name: "requester empty", cells: cells(), errs: []problem{{ColRequester, "required"}}},
		{name: "requester unknown", cells: cells(ColRequester, "NEIGHBOUR"), errs: []problem{{ColRequester, "unknown requester"}}},
	})
	runValidator(t, (*rowParser).targetArea, []validatorCase{
		{name: "target area", cells: cells(ColTargetArea, "adults"), want: Row{TargetArea: "ADULTS"}},
		{name: "target area empty", cells: cells(), errs: []problem{{ColTargetArea, "required"}}},
		{name: "target area unknown", cells: cells(ColTargetArea, "YOUTH"), errs: []problem{{ColTargetArea, "unknown target area"}}},
	})
}

func TestNeedsColumn(t *testing.T) {
	runValidator(t, (*rowParser).needs, []validatorCase{
		{name: "main need first", cells: cells(ColNeeds, " hou_public | ECO_INCOME "), want: Row{Needs: []string{"HOU_PUBLIC", "ECO_INCOME"}}},
		{name: "empty", cells: cells(), errs: []problem{{ColNeeds, "required"}}},
		{name: "unknown", cells: cells(ColNeeds, "ECO_INCOME|NOT_A_NEED"), errs: []problem{{ColNeeds, "unknown need code"}}},
		{name: "duplicate", cells: cells(ColNeeds, "ECO_INCOME|eco_income"), errs: []problem{{ColNeeds, "duplicate need code"}}},
		{name: "hole", cells: cells(ColNeeds, "ECO_INCOME||ADM_INFO"), errs: []problem{{ColNeeds, "empty item in the list"}}},
		{name: "each kind of problem once", cells: cells(ColNeeds, "X||Y|"),
			errs: []problem{{ColNeeds, "unknown need code"}, {ColNeeds, "empty item in the list"}}},
		{name: "any code without a list", cells: cells(ColNeeds, "anything"), opt: func(o *Options) { o.NeedCodes = nil },
			want: Row{Needs: []string{"ANYTHING"}}},
	})
}

func TestResponsesColumn(t *testing.T) {
	runValidator(t, (*rowParser).responses, []validatorCase{
		{name: "upper-cased", cells: cells(ColResponses, "FORMS|information"), want: Row{Responses: []string{"FORMS", "INFORMATION"}}},
		{name: "empty", cells: cells(), errs: []problem{{ColResponses, "required"}}},
		{name: "unknown", cells: cells(ColResponses, "MONEY"), errs: []problem{{ColResponses, "unknown response"}}},
		{name: "duplicate", cells: cells(ColResponses, "FORMS|FORMS"), errs: []problem{{ColResponses, "duplicate response"}}},
	})
}

func TestOutcomeColumn(t *testing.T) {
	runValidator(t, (*rowParser).outcome, []validatorCase{
		{name: "upper-cased", cells: cells(ColOutcome, "referred_external"), want: Row{Outcome: "REFERRED_EXTERNAL"}},
		{name: "empty", cells: cells(), errs: []problem{{ColOutcome, "required"}}},
		{name: "unknown", cells: cells(ColOutcome, "DONE"), errs: []problem{{ColOutcome, "unknown outcome"}}},
	})
}

func TestReferralColumns(t *testing.T) {
	outcome := func(o string) func(*rowParser) { return func(p *rowParser) { p.row.Outcome = o } }
	internal, external, informed := outcome(OutcomeReferredInternal), outcome(OutcomeReferredExternal), outcome("INFORMED")
	runValidator(t, (*rowParser).referrals, []validatorCase{
		{name: "status proposed by default", cells: cells(ColReferralService, "ssp"), before: internal,
			want: Row{Outcome: OutcomeReferredInternal, Referrals: []Referral{{Service: "SSP", Status: "PROPOSED"}}}},
		{name: "one status each, a service twice", cells: cells(ColReferralService, "CAF|sad|CAF", ColReferralStatus, "accepted|PROPOSED|DECLINED"), before: external,
			want: Row{Outcome: OutcomeReferredExternal, Referrals: []Referral{{"CAF", "ACCEPTED"}, {"SAD", "PROPOSED"}, {"CAF", "DECLINED"}}}},
		{name: "no service", cells: cells(ColReferralStatus, "ACCEPTED"), before: external, want: Row{Outcome: OutcomeReferredExternal},
			errs: []problem{{ColOutcome, "referral without a service"}}},
		{name: "unknown service", cells: cells(ColReferralService, "CAF|XYZ", ColReferralStatus, "ACCEPTED|PROPOSED"), before: external,
			want: Row{Outcome: OutcomeReferredExternal}, errs: []problem{{ColReferralService, "unknown service"}}},
		{name: "service list with a hole", cells: cells(ColReferralService, "CAF||SAD"), before: external,
			want: Row{Outcome: OutcomeReferredExternal}, errs: []problem{{ColReferralService, "empty item in the list"}}},
		{name: "one status, two services", cells: cells(ColReferralService, "CAF|SAD", ColReferralStatus, "ACCEPTED"), before: external,
			want: Row{Outcome: OutcomeReferredExternal}, errs: []problem{{ColReferralStatus, "not one status per referral service"}}},
		{name: "two statuses, one service", cells: cells(ColReferralService, "CAF", ColReferralStatus, "ACCEPTED|PROPOSED"), before: external,
			want: Row{Outcome: OutcomeReferredExternal}, errs: []problem{{ColReferralStatus, "not one status per referral service"}}},
		{name: "status before service", cells: cells(ColReferralService, "XYZ", ColReferralStatus, "DONE|"), before: external,
			want: Row{Outcome: OutcomeReferredExternal}, errs: []problem{
				{ColReferralStatus, "unknown referral status"}, {ColReferralStatus, "empty item in the list"}, {ColReferralService, "unknown service"}}},
		{name: "unreadable service", cells: cells(ColReferralService, "CAF\x01"), before: external,
			want: Row{Outcome: OutcomeReferredExternal}, errs: []problem{{ColReferralService, "control character"}}},
		{name: "neither without a referral", cells: cells(), before: informed, want: Row{Outcome: "INFORMED"}},
		{name: "service and status without a referral", cells: cells(ColReferralService, "CAF|SAD", ColReferralStatus, "ACCEPTED"), before: informed,
			want: Row{Outcome: "INFORMED"}, errs: []problem{{ColReferralService, "service without a referral"}, {ColReferralStatus, "status without a referral"}}},
		{name: "unknown status without a referral", cells: cells(ColReferralStatus, "DONE"), before: informed,
			want: Row{Outcome: "INFORMED"}, errs: []problem{{ColReferralStatus, "unknown referral status"}}},
		{name: "no outcome: nothing said of the service", cells: cells(ColReferralService, "CAF", ColReferralStatus, "ACCEPTED")},
	})
}

func TestInformedAboutColumn(t *testing.T) {
	runValidator(t, (*rowParser).informedAbout, []validatorCase{
		{name: "in the order of the file", cells: cells(ColInformedAbout, "sad| CAF"), want: Row{InformedAbout: []string{"SAD", "CAF"}}},
		{name: "none", cells: cells()},
		{name: "unknown", cells: cells(ColInformedAbout, "CAF|XYZ"), errs: []problem{{ColInformedAbout, "unknown service"}}},
		{name: "twice", cells: cells(ColInformedAbout, "CAF|caf"), errs: []problem{{ColInformedAbout, "duplicate service"}}},
		{name: "hole", cells: cells(ColInformedAbout, "CAF|"), errs: []problem{{ColInformedAbout, "empty item in the list"}}},
	})
}

func TestDurationColumn(t *testing.T) {
	runValidator(t, (*rowParser).duration, []validatorCase{
		{name: "minutes", cells: cells(ColDuration, " 480 "), want: Row{DurationMinutes: ptr(480)}},
		{name: "none", cells: cells()},
		{name: "zero", cells: cells(ColDuration, "0"), errs: []problem{{ColDuration, "out of range"}}},
		{name: "481", cells: cells(ColDuration, "481"), errs: []problem{{ColDuration, "out of range"}}},
		{name: "huge", cells: cells(ColDuration, "99999999999999999999"), errs: []problem{{ColDuration, "out of range"}}},
		{name: "decimal", cells: cells(ColDuration, "12.5"), errs: []problem{{ColDuration, "not a whole number"}}},
	})
}

func TestNotesColumn(t *testing.T) {
	runValidator(t, (*rowParser).notes, []validatorCase{
		{name: "as written", cells: cells(ColNotes, "  line one\r\nline\ttwo "), want: Row{Notes: "  line one\r\nline\ttwo "}},
		{name: "none", cells: cells()},
		{name: "NUL byte", cells: cells(ColNotes, "a\x00b"), errs: []problem{{ColNotes, "control character"}}},
		{name: "other control character", cells: cells(ColNotes, "a\x1bb"), errs: []problem{{ColNotes, "control character"}}},
	})
}

// TestEveryColumnIsValidated checks that the validators together read every
// column: a control character in any cell is reported on that column.
func TestEveryColumnIsValidated(t *testing.T) {
	for _, col := range columns {
		p := newRowParser(t, sampleOptions(t), with(baseRow(), col, "x\x01"))
		found := false
		for _, e := range p.r.parse(p.rec, p.row) {
			found = found || e.Column == col && e.Reason == ReasonControlCharacter
		}
		if !found {
			t.Errorf("%s: a control character is not reported", col)
		}
	}
}
