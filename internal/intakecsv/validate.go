package intakecsv

import (
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"segretariato/internal/fiscalcode"
	"segretariato/internal/intakerule"
	"segretariato/internal/localtime"
)

// Reasons of RowError, one per kind of problem. They never contain a value.
const (
	ReasonRequired          = "required"
	ReasonDuplicateRef      = "duplicate in the file"
	ReasonDateFormat        = "bad date format"
	ReasonImpossibleDate    = "impossible date"
	ReasonFuture            = "in the future"
	ReasonOutOfRange        = "out of range"
	ReasonNotWholeNumber    = "not a whole number"
	ReasonInvalidUTF8       = "invalid UTF-8"
	ReasonControlCharacter  = "control character"
	ReasonNotWindows1252    = "byte without a windows-1252 character"
	ReasonInvalidEmail      = "invalid e-mail"
	ReasonUnknownOperator   = "unknown operator"
	ReasonFiscalLength      = "wrong length"
	ReasonFiscalFormat      = "bad format"
	ReasonFiscalChecksum    = "checksum"
	ReasonOnlyWithCode      = "only with a fiscal code"
	ReasonOnlyAnonymous     = "only for anonymous contacts"
	ReasonDisagreesWithCode = "disagrees with the fiscal code"
	ReasonAfterContact      = "after the contact"
	ReasonUnknownCountry    = "unknown country code"
	ReasonUnknownNeed       = "unknown need code"
	ReasonDuplicateNeed     = "duplicate need code"
	ReasonUnknownResponse   = "unknown response"
	ReasonDuplicateResponse = "duplicate response"
	ReasonEmptyListItem     = "empty item in the list"
	ReasonNoService         = "referral without a service"
	ReasonServiceNoReferral = "service without a referral"
	ReasonStatusNoReferral  = "status without a referral"
	ReasonUnknownService    = "unknown service"
	ReasonDuplicateService  = "duplicate service"
	ReasonStatusCount       = "not one status per referral service"
	ReasonMalformedCSV      = "malformed CSV"
	ReasonFieldCount        = "wrong number of fields"
	// Unknown enumeration values read "unknown channel", "unknown
	// requester", "unknown target area", "unknown outcome", "unknown
	// referral status", "unknown sex".
)

type rowParser struct {
	r    *Reader
	rec  []string
	row  *Row
	errs RowErrors

	// Left by earlier validators for later ones.
	contactDay time.Time        // local calendar date of the contact, as UTC midnight; zero when occurred_at is not valid
	info       *fiscalcode.Info // the valid fiscal code, else nil
	codeGiven  bool             // fiscal_code is filled in, valid or not: the contact is not anonymous
}

func (p *rowParser) fail(col, reason string) {
	p.errs = append(p.errs, RowError{Line: p.row.Line, PhysicalLine: p.row.PhysicalLine, Column: col, Reason: reason})
}

// cell returns the raw cell of a column ("" when the column is absent) and
// whether it is clean text; it reports invalid UTF-8, bytes without a
// windows-1252 character, NUL bytes (refused by PostgreSQL) and, outside
// notes, control characters.
func (p *rowParser) cell(col string) (string, bool) {
	i, ok := p.r.index[col]
	if !ok {
		return "", true
	}
	s := p.rec[i]
	if !utf8.ValidString(s) {
		p.fail(col, ReasonInvalidUTF8)
		return "", false
	}
	// Read as windows-1252, a replacement character can only come from one
	// of the bytes that encoding leaves undefined: the file is probably in
	// another encoding.
	if p.r.Encoding() == Windows1252 && strings.ContainsRune(s, utf8.RuneError) {
		p.fail(col, ReasonNotWindows1252)
		return "", false
	}
	for _, c := range s {
		if c == 0 || (unicode.IsControl(c) && (col != ColNotes || (c != '\n' && c != '\r' && c != '\t'))) {
			p.fail(col, ReasonControlCharacter)
			return "", false
		}
	}
	return s, true
}

// text returns a trimmed cell; ok is false when the cell was refused.
func (p *rowParser) text(col string) (string, bool) {
	s, ok := p.cell(col)
	return strings.TrimSpace(s), ok
}

func (p *rowParser) required(col string) (string, bool) {
	s, ok := p.text(col)
	if ok && s == "" {
		p.fail(col, ReasonRequired)
		return "", false
	}
	return s, ok && s != ""
}

func (p *rowParser) enum(col, what string, values map[string]bool, required bool) string {
	var s string
	var ok bool
	if required {
		s, ok = p.required(col)
	} else {
		s, ok = p.text(col)
	}
	if !ok || s == "" {
		return ""
	}
	s = strings.ToUpper(s)
	if !values[s] {
		p.fail(col, "unknown "+what)
		return ""
	}
	return s
}

// list splits a required '|'-separated cell into upper-cased codes.
func (p *rowParser) list(col string, valid map[string]bool, unknown, duplicate string) []string {
	s, ok := p.required(col)
	if !ok {
		return nil
	}
	return p.split(col, s, valid, unknown, duplicate)
}

// optionalList is list for a cell that may be empty; ok is false when the
// cell was refused.
func (p *rowParser) optionalList(col string, valid map[string]bool, unknown, duplicate string) ([]string, bool) {
	s, ok := p.text(col)
	if !ok || s == "" {
		return nil, ok
	}
	out := p.split(col, s, valid, unknown, duplicate)
	return out, out != nil
}

// split splits s, the text of col, at '|' into upper-cased codes, each in
// valid (nil: any) and, unless duplicate is "", each once. It reports each
// kind of problem once and then returns nil.
func (p *rowParser) split(col, s string, valid map[string]bool, unknown, duplicate string) []string {
	var out []string
	seen := map[string]bool{}
	bad := map[string]bool{}
	failOnce := func(reason string) {
		if !bad[reason] {
			bad[reason] = true
			p.fail(col, reason)
		}
	}
	for _, part := range strings.Split(s, ListSeparator) {
		code := strings.ToUpper(strings.TrimSpace(part))
		switch {
		case code == "":
			failOnce(ReasonEmptyListItem)
		case duplicate != "" && seen[code]:
			failOnce(duplicate)
		case valid != nil && !valid[code]:
			failOnce(unknown)
		default:
			seen[code] = true
			out = append(out, code)
		}
	}
	if len(bad) > 0 {
		return nil
	}
	return out
}

func (p *rowParser) wholeNumber(col string) (int, bool) {
	s, ok := p.text(col)
	if !ok || s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			p.fail(col, ReasonOutOfRange)
		} else {
			p.fail(col, ReasonNotWholeNumber)
		}
		return 0, false
	}
	return n, true
}

// columnValidator reads one column, or a few validated together, into the
// row and reports their problems. A validator may read what earlier ones
// left in the rowParser (the contact's day, the fiscal code, the outcome).
type columnValidator func(*rowParser)

// columnValidators run in this order, which is the order of the errors of a
// row (the column order, except that referral_status is read before
// referral_service).
var columnValidators = []columnValidator{
	(*rowParser).contactRef,
	(*rowParser).occurredAt,
	(*rowParser).channel,
	(*rowParser).operatorEmail,
	(*rowParser).fiscalCode,
	(*rowParser).names,
	(*rowParser).birthDate,
	(*rowParser).sex,
	(*rowParser).birthYear,
	(*rowParser).citizenship,
	(*rowParser).district,
	(*rowParser).requester,
	(*rowParser).targetArea,
	(*rowParser).needs,
	(*rowParser).responses,
	(*rowParser).outcome,
	(*rowParser).referrals,
	(*rowParser).informedAbout,
	(*rowParser).duration,
	(*rowParser).notes,
}

// parse fills row from rec and returns every problem found.
func (r *Reader) parse(rec []string, row *Row) RowErrors {
	p := &rowParser{r: r, rec: rec, row: row}
	for _, v := range columnValidators {
		v(p)
	}
	return p.errs
}

// contactRef reads contact_ref, which must be unique in the file.
func (p *rowParser) contactRef() {
	ref, ok := p.required(ColContactRef)
	if !ok {
		return
	}
	p.row.ContactRef = ref
	if p.r.seen.add(ref) { // a copy: not a slice of the whole record
		p.fail(ColContactRef, ReasonDuplicateRef)
	}
}

// occurredAt reads occurred_at, Europe/Rome local time, and sets the
// contact's day.
func (p *rowParser) occurredAt() {
	s, ok := p.required(ColOccurredAt)
	if !ok {
		return
	}
	t, err := ParseDateTime(s, localtime.Rome)
	if reason := p.dateReason(t, err); reason != "" {
		p.fail(ColOccurredAt, reason)
		return
	}
	p.row.OccurredAt = t.UTC()
	p.contactDay = localtime.MidnightUTC(t)
}

// dateReason is the reason to refuse a date (or date-time) t parsed with
// err, or "" when it is a real date from intakerule.MinYear to today.
func (p *rowParser) dateReason(t time.Time, err error) string {
	switch {
	case errors.Is(err, ErrImpossibleDate):
		return ReasonImpossibleDate
	case err != nil:
		return ReasonDateFormat
	case t.Year() < intakerule.MinYear:
		return ReasonOutOfRange
	case intakerule.AfterToday(t, p.r.now):
		return ReasonFuture
	}
	return ""
}

func (p *rowParser) channel() { p.row.Channel = p.enum(ColChannel, "channel", channels, true) }

// operatorEmail reads operator_email: one of Options.OperatorEmails, or
// with no list a bare e-mail address.
func (p *rowParser) operatorEmail() {
	s, ok := p.required(ColOperatorEmail)
	if !ok {
		return
	}
	s = strings.ToLower(s)
	if emails := p.r.opt.OperatorEmails; emails != nil {
		if !emails[s] {
			p.fail(ColOperatorEmail, ReasonUnknownOperator)
			return
		}
	} else if a, err := mail.ParseAddress(s); err != nil || a.Address != s || a.Name != "" {
		p.fail(ColOperatorEmail, ReasonInvalidEmail)
		return
	}
	p.row.OperatorEmail = s
}

// fiscalCode reads fiscal_code; the century of its two-digit year is the
// one that puts the birth on or before both today and the contact's date. A
// cell that is filled in, even if unreadable, makes the contact not
// anonymous.
func (p *rowParser) fiscalCode() {
	s, ok := p.text(ColFiscalCode)
	if !ok {
		p.codeGiven = true // unreadable, but not anonymous
		return
	}
	if s == "" {
		return
	}
	p.codeGiven = true
	ref := p.r.now.In(localtime.Rome)
	if !p.contactDay.IsZero() && p.contactDay.Before(localtime.Today(p.r.now)) {
		ref = p.contactDay
	}
	in, err := fiscalcode.ParseAt(s, ref)
	switch {
	case errors.Is(err, fiscalcode.ErrLength):
		p.fail(ColFiscalCode, ReasonFiscalLength)
	case errors.Is(err, fiscalcode.ErrFormat):
		p.fail(ColFiscalCode, ReasonFiscalFormat)
	case errors.Is(err, fiscalcode.ErrChecksum):
		p.fail(ColFiscalCode, ReasonFiscalChecksum)
	case errors.Is(err, fiscalcode.ErrDate):
		p.fail(ColFiscalCode, ReasonImpossibleDate)
	case err != nil:
		p.fail(ColFiscalCode, ReasonFiscalFormat)
	default:
		p.info = &in
		p.row.FiscalCode = in.Code
	}
}

// names reads first_name and last_name, inner spaces collapsed; they are
// only allowed with a fiscal code.
func (p *rowParser) names() {
	p.row.FirstName = p.name(ColFirstName)
	p.row.LastName = p.name(ColLastName)
}

func (p *rowParser) name(col string) string {
	s, ok := p.text(col)
	if !ok || s == "" {
		return ""
	}
	if !p.codeGiven {
		p.fail(col, ReasonOnlyWithCode)
		return ""
	}
	return strings.Join(strings.Fields(s), " ")
}

// birthDate reads birth_date: the column, else the fiscal code's. The
// column may set the century the code cannot tell, so agreement is on day,
// month and the year's last two digits.
func (p *rowParser) birthDate() {
	s, ok := p.text(ColBirthDate)
	if !ok {
		return
	}
	if s == "" {
		if p.info != nil {
			d := p.info.BirthDate
			p.row.BirthDate = &d
		}
		return
	}
	d, err := ParseDate(s)
	reason := p.dateReason(d, err)
	switch {
	case !p.codeGiven:
		p.fail(ColBirthDate, ReasonOnlyWithCode)
	case reason != "":
		p.fail(ColBirthDate, reason)
	case p.info != nil && !p.info.SameBirthDate(d):
		p.fail(ColBirthDate, ReasonDisagreesWithCode)
	case !p.contactDay.IsZero() && d.After(p.contactDay):
		p.fail(ColBirthDate, ReasonAfterContact)
	default:
		p.row.BirthDate = &d
	}
}

// sex reads sex, else takes the fiscal code's: F and M must agree with the
// code; X is a declared value the code cannot express, so it is kept.
func (p *rowParser) sex() {
	s := p.enum(ColSex, "sex", sexes, false)
	switch {
	case s == "":
		if p.info != nil && !p.failedOn(ColSex) {
			p.row.Sex = p.info.Sex
		}
	case p.info != nil && s != "X" && s != p.info.Sex:
		p.fail(ColSex, ReasonDisagreesWithCode)
	default:
		p.row.Sex = s
	}
}

// birthYear reads birth_year: anonymous contacts only.
func (p *rowParser) birthYear() {
	y, ok := p.wholeNumber(ColBirthYear)
	if !ok {
		return
	}
	switch {
	case p.codeGiven:
		p.fail(ColBirthYear, ReasonOnlyAnonymous)
	case y < intakerule.MinYear || y > localtime.Today(p.r.now).Year():
		p.fail(ColBirthYear, ReasonOutOfRange)
	case !p.contactDay.IsZero() && y > p.contactDay.Year():
		p.fail(ColBirthYear, ReasonAfterContact)
	default:
		p.row.BirthYear = &y
	}
}

// citizenship reads citizenship, an ISO 3166-1 alpha-2 code.
func (p *rowParser) citizenship() {
	s, ok := p.text(ColCitizenship)
	if !ok || s == "" {
		return
	}
	s = strings.ToUpper(s)
	if !countries[s] {
		p.fail(ColCitizenship, ReasonUnknownCountry)
		return
	}
	p.row.Citizenship = s
}

func (p *rowParser) district() {
	if s, ok := p.cell(ColDistrict); ok {
		p.row.District = intakerule.District(s)
	}
}

func (p *rowParser) requester() {
	p.row.Requester = p.enum(ColRequester, "requester", requesters, true)
}

func (p *rowParser) targetArea() {
	p.row.TargetArea = p.enum(ColTargetArea, "target area", targetAreas, true)
}

// needs reads needs; the first is the main need.
func (p *rowParser) needs() {
	p.row.Needs = p.list(ColNeeds, p.r.opt.NeedCodes, ReasonUnknownNeed, ReasonDuplicateNeed)
}

func (p *rowParser) responses() {
	p.row.Responses = p.list(ColResponses, responses, ReasonUnknownResponse, ReasonDuplicateResponse)
}

func (p *rowParser) outcome() { p.row.Outcome = p.enum(ColOutcome, "outcome", outcomes, true) }

func (p *rowParser) informedAbout() {
	p.row.InformedAbout, _ = p.optionalList(ColInformedAbout, p.r.opt.ServiceCodes, ReasonUnknownService, ReasonDuplicateService)
}

// duration reads duration_minutes, 1 to 480.
func (p *rowParser) duration() {
	n, ok := p.wholeNumber(ColDuration)
	if !ok {
		return
	}
	if n < 1 || n > 480 {
		p.fail(ColDuration, ReasonOutOfRange)
		return
	}
	p.row.DurationMinutes = &n
}

// notes reads notes as written, line breaks and tabs kept.
func (p *rowParser) notes() {
	if s, ok := p.cell(ColNotes); ok {
		p.row.Notes = s
	}
}

// referrals reads referral_service and referral_status: with a REFERRED_*
// outcome one or more services and, in the same order, one status each
// (an empty status cell: every referral PROPOSED); with any other outcome
// neither. A service may be listed twice (two referrals to it).
func (p *rowParser) referrals() {
	row := p.row
	statuses, okStatus := p.optionalList(ColReferralStatus, referralStatuses, "unknown referral status", "")
	s, ok := p.text(ColReferralService)
	if row.Outcome != OutcomeReferredInternal && row.Outcome != OutcomeReferredExternal {
		// An empty or unknown outcome says nothing about referrals.
		if row.Outcome != "" {
			p.noReferral(ok && s != "", len(statuses) > 0)
		}
		return
	}
	if !ok {
		return
	}
	if s == "" {
		p.fail(ColOutcome, ReasonNoService)
		return
	}
	services := p.split(ColReferralService, s, p.r.opt.ServiceCodes, ReasonUnknownService, "")
	switch {
	case services == nil || !okStatus:
		return
	case statuses != nil && len(statuses) != len(services):
		p.fail(ColReferralStatus, ReasonStatusCount)
		return
	}
	row.Referrals = make([]Referral, len(services))
	for i, svc := range services {
		row.Referrals[i] = Referral{Service: svc, Status: DefaultReferralStatus}
		if statuses != nil {
			row.Referrals[i].Status = statuses[i]
		}
	}
}

// noReferral refuses a referral service and a referral status given with
// an outcome that is not a referral.
func (p *rowParser) noReferral(service, status bool) {
	if service {
		p.fail(ColReferralService, ReasonServiceNoReferral)
	}
	if status {
		p.fail(ColReferralStatus, ReasonStatusNoReferral)
	}
}

func (p *rowParser) failedOn(col string) bool {
	for _, e := range p.errs {
		if e.Column == col {
			return true
		}
	}
	return false
}
