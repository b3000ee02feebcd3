package intakecsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Row is one valid (or, next to a RowErrors, partly parsed) contact.
type Row struct {
	// Line is the spreadsheet row where the record is: header = 1, line
	// breaks inside cells not counted. See the package comment.
	Line int
	// PhysicalLine is the line of the file where the record starts.
	PhysicalLine int

	ContactRef    string
	OccurredAt    time.Time // UTC instant; the file holds Europe/Rome local time
	Channel       string
	Requester     string
	TargetArea    string
	Outcome       string
	OperatorEmail string // trimmed, lower-cased

	FiscalCode  string     // upper-case; "" = anonymous contact
	FirstName   string     // only with a fiscal code
	LastName    string     // only with a fiscal code
	BirthDate   *time.Time // UTC midnight; from the column, else from the fiscal code
	Sex         string     // "", "F", "M" or "X"; from the fiscal code when empty
	BirthYear   *int       // anonymous contacts only
	Citizenship string     // ISO 3166-1 alpha-2, upper-case
	District    string     // trimmed, inner spaces collapsed; compare with intakerule.DistrictKey

	Needs     []string // at least one, no duplicates; the first is the main need
	Responses []string // at least one, no duplicates
	// Referrals are set, at least one, exactly when Outcome is REFERRED_*,
	// in the order of the file. One service may appear more than once (a
	// contact referred to it twice).
	Referrals []Referral
	// InformedAbout are the service codes the citizen was told of, upper
	// case, no duplicates, in the order of the file.
	InformedAbout   []string
	DurationMinutes *int   // 1..480
	Notes           string // as written (line breaks kept)
}

// Referral is one referral of a row: the referral_service code and the
// referral_status in the same position.
type Referral struct {
	Service string // upper-case service code
	Status  string // PROPOSED when the status cell is empty
}

// RowError is one problem of one row. Reason is a short English phrase that
// never contains the cell's value. Column is "" when the problem is the
// record as a whole (malformed CSV, wrong number of fields).
type RowError struct {
	Line         int // spreadsheet row, see the package comment
	PhysicalLine int // line of the file where the record starts
	Column       string
	Reason       string
}

// Error returns "line N: column: reason".
func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Column, e.Reason)
}

// RowErrors are all the problems of one row, in column order.
type RowErrors []RowError

// Error joins the row's problems with "; ".
func (es RowErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Options are what the caller knows beyond the file. A nil map means "do not
// check that column against a list" (the format is still checked).
type Options struct {
	NeedCodes      map[string]bool // active need-category codes (case-insensitive)
	ServiceCodes   map[string]bool // service catalogue codes (case-insensitive)
	OperatorEmails map[string]bool // existing operators' e-mails (case-insensitive)
	// Now is the reference for "in the future" and for the century of the
	// fiscal code's two-digit year; zero means time.Now().
	Now time.Time
	// MaxRecordBytes bounds the memory one record may take; zero means
	// DefaultMaxRecordBytes. A longer record stops the reader with
	// ErrRecordTooLarge.
	MaxRecordBytes int
	// Encoding is "" to detect (valid UTF-8 is read as UTF-8, anything
	// else as windows-1252; see ErrMixedEncoding), Windows1252 to read the
	// file as windows-1252, or UTF8 to read it as UTF-8 and refuse the
	// cells that are not (ReasonInvalidUTF8).
	Encoding Encoding
}

// DefaultMaxRecordBytes is the default bound on one record's size.
const DefaultMaxRecordBytes = 1 << 20

// Errors returned by NewReader and Next that stop the reading.
var (
	// ErrNoHeader: the input is empty, or its first row has none of the
	// known column names (the header row is probably missing). The row's
	// content is not echoed: it may be personal data.
	ErrNoHeader = errors.New("intakecsv: no header row")
	// ErrRecordTooLarge: a record exceeds Options.MaxRecordBytes.
	ErrRecordTooLarge = errors.New("intakecsv: record too large")
)

// HeaderError lists what is wrong with a header row. Names are as written in
// the file (trimmed, quoted in the message, cut at 40 characters).
type HeaderError struct {
	Unknown   []string // columns not in the format (a typo never silently drops data)
	Duplicate []string // columns that appear more than once (lower-cased)
	Missing   []string // required columns that are absent
}

// Error lists every problem of the header.
func (e *HeaderError) Error() string {
	var parts []string
	list := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = fmt.Sprintf("%q", n)
		}
		parts = append(parts, what+": "+strings.Join(q, ", "))
	}
	list("unknown columns", e.Unknown)
	list("duplicate columns", e.Duplicate)
	list("missing required columns", e.Missing)
	return "intakecsv: header: " + strings.Join(parts, "; ")
}

// Reader streams the rows of an intake-card CSV. It holds one record at a
// time, plus the set of contact_ref values already seen (to refuse
// duplicates). It is not safe for concurrent use.
type Reader struct {
	cr    *csv.Reader
	lim   *limitReader
	text  *textReader // nil when the file is read as UTF-8 without detection
	opt   Options
	now   time.Time
	comma rune
	index map[string]int // column name → field index
	width int            // number of header fields

	embedded int // line breaks inside cells so far
	seen     *refSet
	err      error // sticky: io.EOF or a fatal error
}

// NewReader is NewReaderWithOptions with zero Options: no code lists, no
// operator list, now = time.Now().
func NewReader(r io.Reader) (*Reader, error) {
	return NewReaderWithOptions(r, Options{})
}

// NewReaderWithOptions reads the header row. It reads the file in the
// encoding of Options.Encoding (detected by default), strips a UTF-8 BOM, takes
// ';' as the separator when the first line has more semicolons than commas
// (outside quotes) and ',' otherwise, and matches column names
// case-insensitively after trimming. It returns ErrNoHeader, a *HeaderError
// (unknown, duplicate or missing required columns, all listed), a wrapped
// *csv.ParseError for a malformed header, ErrRecordTooLarge, or the
// underlying reader's error.
func NewReaderWithOptions(r io.Reader, o Options) (*Reader, error) {
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	o.NeedCodes = normalizedSet(o.NeedCodes, strings.ToUpper)
	o.ServiceCodes = normalizedSet(o.ServiceCodes, strings.ToUpper)
	o.OperatorEmails = normalizedSet(o.OperatorEmails, strings.ToLower)

	var text *textReader
	if o.Encoding != UTF8 {
		var err error
		if text, err = newTextReader(r, o.Encoding); err != nil {
			return nil, err
		}
		r = text
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3)
	}
	head, err := br.Peek(br.Size())
	if err != nil && err != io.EOF {
		return nil, err
	}
	comma := detectComma(head)

	lim := &limitReader{r: br, max: int64(o.MaxRecordBytes) + 64<<10}
	cr := csv.NewReader(lim)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	rd := &Reader{cr: cr, lim: lim, text: text, opt: o, now: now, comma: comma, seen: newRefSet()}
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return nil, ErrNoHeader
	case errors.Is(err, ErrRecordTooLarge):
		return nil, err
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("intakecsv: header: %w", err)
		}
		return nil, err
	}
	rd.embedded = countBreaks(header)
	if err := rd.readHeader(header); err != nil {
		return nil, err
	}
	return rd, nil
}

// Comma returns the detected separator.
func (r *Reader) Comma() rune { return r.comma }

// Encoding returns the encoding the file is read in. With detection it is
// UTF8 until the first byte that is not UTF-8, and final once Next has
// returned io.EOF.
func (r *Reader) Encoding() Encoding {
	if r.text == nil {
		return UTF8
	}
	return r.text.Encoding()
}

func (r *Reader) readHeader(header []string) error {
	known := map[string]bool{}
	for _, c := range columns {
		known[c] = true
	}
	r.index = map[string]int{}
	r.width = len(header)
	var he HeaderError
	recognised := 0
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !known[name]:
			he.Unknown = append(he.Unknown, cut(strings.TrimSpace(h), 40))
		case hasKey(r.index, name):
			he.Duplicate = append(he.Duplicate, name)
		default:
			r.index[name] = i
			recognised++
		}
	}
	if recognised == 0 {
		return ErrNoHeader
	}
	for _, c := range requiredColumns {
		if !hasKey(r.index, c) {
			he.Missing = append(he.Missing, c)
		}
	}
	if len(he.Unknown)+len(he.Duplicate)+len(he.Missing) > 0 {
		return &he
	}
	return nil
}

// Next returns the next row. For a valid row it returns (row, nil). For an
// invalid one it returns the partly parsed row (Line, PhysicalLine and what
// could be read) and RowErrors with every problem found in that row; reading
// can go on. At the end it returns (nil, io.EOF). Any other error
// (ErrRecordTooLarge, the underlying reader's error) is fatal and returned
// again by every later call. A record whose cells are all empty (a blank
// spreadsheet row) is skipped.
func (r *Reader) Next() (*Row, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		r.lim.base = r.cr.InputOffset()
		rec, err := r.cr.Read()
		if err == io.EOF {
			r.err = io.EOF
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			r.err = err
			return nil, err
		}
		if pe != nil {
			row := &Row{PhysicalLine: pe.StartLine, Line: pe.StartLine - r.embedded}
			r.embedded += pe.Line - pe.StartLine
			return row, RowErrors{{Line: row.Line, PhysicalLine: row.PhysicalLine, Reason: "malformed CSV"}}
		}
		start, _ := r.cr.FieldPos(0)
		row := &Row{PhysicalLine: start, Line: start - r.embedded}
		r.embedded += countBreaks(rec)
		if allEmpty(rec) {
			continue
		}
		if len(rec) != r.width {
			return row, RowErrors{{Line: row.Line, PhysicalLine: row.PhysicalLine, Reason: "wrong number of fields"}}
		}
		if errs := r.parse(rec, row); len(errs) > 0 {
			return row, errs
		}
		return row, nil
	}
}

func detectComma(head []byte) rune {
	commas, semis := 0, 0
	inQuotes := false
	for _, b := range head {
		switch {
		case b == '"':
			inQuotes = !inQuotes
		case inQuotes:
		case b == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case b == ',':
			commas++
		case b == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// limitReader fails once more than max bytes have been read past base (the
// csv reader's offset at the start of the current record).
type limitReader struct {
	r    io.Reader
	n    int64
	base int64
	max  int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n-l.base > l.max {
		return 0, ErrRecordTooLarge
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

func countBreaks(rec []string) int {
	n := 0
	for _, f := range rec {
		n += strings.Count(f, "\n")
	}
	return n
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func normalizedSet(m map[string]bool, norm func(string) string) map[string]bool {
	if m == nil {
		return nil
	}
	out := make(map[string]bool, len(m))
	for k, v := range m {
		if v {
			out[norm(strings.TrimSpace(k))] = true
		}
	}
	return out
}
