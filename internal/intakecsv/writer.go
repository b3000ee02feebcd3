package intakecsv

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
)

// WriterOptions choose the dialect of an export. The zero value writes what
// the spec shows: ',' separators, LF line ends, ISO dates, no BOM.
type WriterOptions struct {
	Comma     rune      // ',' (default when 0) or ';' (Italian spreadsheets)
	BOM       bool      // start with a UTF-8 BOM, so Excel reads UTF-8
	CRLF      bool      // end lines with CRLF, as Excel does
	DateStyle DateStyle // ISO (default) or Italian
	// GuardFormulas prefixes with an apostrophe the free-text cells
	// (contact_ref, names, district, notes) that start with = + - @ or a tab,
	// so that a spreadsheet does not run them as formulas (CSV injection).
	// The apostrophe is then part of the value: a guarded export does not
	// read back to identical rows.
	GuardFormulas bool
}

// ErrComma is returned by NewWriter for a separator other than ',' or ';'.
var ErrComma = errors.New("intakecsv: separator must be ',' or ';'")

// Writer writes rows in the intake-card format, with the header in canonical
// column order (see Columns). Quoting follows RFC 4180. Every column is
// written, so a row read back from the output equals the row written,
// except that derived values (birth date and sex from the fiscal code, the
// default referral status) become explicit and times lose sub-second
// precision.
type Writer struct {
	w      io.Writer
	cw     *csv.Writer
	opt    WriterOptions
	header bool
	buf    []string
}

// NewWriter returns a Writer on w, or ErrComma.
func NewWriter(w io.Writer, o WriterOptions) (*Writer, error) {
	if o.Comma == 0 {
		o.Comma = ','
	}
	if o.Comma != ',' && o.Comma != ';' {
		return nil, ErrComma
	}
	cw := csv.NewWriter(w)
	cw.Comma = o.Comma
	cw.UseCRLF = o.CRLF
	return &Writer{w: w, cw: cw, opt: o, buf: make([]string, len(columns))}, nil
}

func (w *Writer) writeHeader() error {
	if w.header {
		return nil
	}
	w.header = true
	if w.opt.BOM {
		w.cw.Flush() // nothing buffered yet; keeps the order explicit
		if _, err := io.WriteString(w.w, "\uFEFF"); err != nil {
			return err
		}
	}
	return w.cw.Write(columns)
}

// Write writes one row (the header first, on the first call). It returns
// the underlying writer's error; output is buffered until Flush.
func (w *Writer) Write(row *Row) error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	f := w.buf
	for i := range f {
		f[i] = ""
	}
	guard := func(s string) string {
		if w.opt.GuardFormulas && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			return "'" + s
		}
		return s
	}
	set := func(col, v string) { f[columnIndex[col]] = v }
	set(ColContactRef, guard(row.ContactRef))
	if !row.OccurredAt.IsZero() {
		set(ColOccurredAt, FormatDateTime(row.OccurredAt, w.opt.DateStyle))
	}
	set(ColChannel, row.Channel)
	set(ColOperatorEmail, row.OperatorEmail)
	set(ColFiscalCode, row.FiscalCode)
	set(ColFirstName, guard(row.FirstName))
	set(ColLastName, guard(row.LastName))
	if row.BirthDate != nil {
		set(ColBirthDate, FormatDate(*row.BirthDate, w.opt.DateStyle))
	}
	set(ColSex, row.Sex)
	if row.BirthYear != nil {
		set(ColBirthYear, strconv.Itoa(*row.BirthYear))
	}
	set(ColCitizenship, row.Citizenship)
	set(ColDistrict, guard(row.District))
	set(ColRequester, row.Requester)
	set(ColTargetArea, row.TargetArea)
	set(ColNeeds, strings.Join(row.Needs, ListSeparator))
	set(ColResponses, strings.Join(row.Responses, ListSeparator))
	set(ColOutcome, row.Outcome)
	services := make([]string, len(row.Referrals))
	statuses := make([]string, len(row.Referrals))
	for i, r := range row.Referrals {
		services[i], statuses[i] = r.Service, r.Status
	}
	set(ColReferralService, strings.Join(services, ListSeparator))
	set(ColReferralStatus, strings.Join(statuses, ListSeparator))
	set(ColInformedAbout, strings.Join(row.InformedAbout, ListSeparator))
	if row.DurationMinutes != nil {
		set(ColDuration, strconv.Itoa(*row.DurationMinutes))
	}
	set(ColNotes, guard(row.Notes))
	return w.cw.Write(f)
}

// Flush writes the header if no row was written, then any buffered data,
// and returns the first error met while writing.
func (w *Writer) Flush() error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	w.cw.Flush()
	return w.cw.Error()
}
