package intakeio

import (
	"context"
	"io"
	"slices"
	"strconv"
	"time"

	"segretariato/ent"
	"segretariato/ent/contact"
	"segretariato/ent/needcategory"
	"segretariato/ent/predicate"
	"segretariato/ent/referral"
	"segretariato/ent/schema/schematype"
	"segretariato/ent/service"
	"segretariato/internal/access"
	"segretariato/internal/intakecsv"
	"segretariato/internal/localtime"
)

// ExportOptions choose the contacts and the dialect of an export.
type ExportOptions struct {
	// From and To bound the contacts by their Europe/Rome local date: From
	// inclusive, To exclusive. Only the calendar date of each (in its own
	// location) counts. Nil means unbounded.
	From, To *time.Time
	// Areas keeps only contacts of these target areas; empty means all.
	Areas []schematype.TargetArea
	// Notes includes the notes column's content. Notes may hold
	// special-category data: leave it false for anything an analyst sees.
	Notes bool
	// Writer is the CSV dialect (separator, BOM, line ends, date style).
	Writer intakecsv.WriterOptions
}

// exportPage is the number of contacts read per query (a variable for the
// tests).
var exportPage = 1000

// refPrefix makes the contact_ref of a contact recorded at the desk, which
// has none: the file format requires one.
const refPrefix = "DB-"

// Export writes the contacts chosen by opt to w in the intake-card format,
// ordered by occurred_at then id, and returns how many rows it wrote. It
// streams: contacts are read a page at a time with keyset pagination
// (occurred_at, id), never all at once, and the output is flushed after
// every page.
//
// Every row is one the importer reads back to the same contact: needs are
// written main first then the others in taxonomy order, districts as
// stored, every referral of the contact (only when the outcome is a
// referral) ordered by proposal date then id, the informed-about services
// ordered by code, the citizen's
// fields only when it has a fiscal code (a citizen without one is written
// as an anonymous person, with sex and birth year). A contact recorded at
// the desk has no contact_ref; it is written as "DB-" and its id.
//
// Export is a job of the service (access.System): the privacy rules and
// the per-record audit do not apply to its reads. The caller decides who
// may export (the coordinator: rows hold names, fiscal codes and, with
// Notes, special-category data) and records one audit event for the whole
// export (audit.Record).
//
// It returns intakecsv.ErrComma for a bad separator, an *apperr.Error
// (INTERNAL) for a database failure, or w's error; rows written before an
// error are not taken back.
func Export(ctx context.Context, client *ent.Client, w io.Writer, opt ExportOptions) (int, error) {
	ctx = access.System(ctx)
	cw, err := intakecsv.NewWriter(w, opt.Writer)
	if err != nil {
		return 0, err
	}
	refs, err := loadRefs(ctx, client)
	if err != nil {
		return 0, err
	}
	var where []predicate.Contact
	if opt.From != nil {
		where = append(where, contact.OccurredAtGTE(localtime.LocalMidnight(*opt.From)))
	}
	if opt.To != nil {
		where = append(where, contact.OccurredAtLT(localtime.LocalMidnight(*opt.To)))
	}
	if len(opt.Areas) > 0 {
		where = append(where, contact.TargetAreaIn(opt.Areas...))
	}
	columns := contact.Columns
	if !opt.Notes {
		columns = slices.DeleteFunc(slices.Clone(columns), func(c string) bool { return c == contact.FieldNotes })
	}

	n := 0
	var last *ent.Contact
	for {
		q := client.Contact.Query().Where(where...)
		if last != nil {
			q.Where(contact.Or(
				contact.OccurredAtGT(last.OccurredAt.UTC()),
				contact.And(contact.OccurredAt(last.OccurredAt.UTC()), contact.IDGT(last.ID)),
			))
		}
		page, err := q.
			Select(columns...).
			Order(contact.ByOccurredAt(), contact.ByID()).
			Limit(exportPage).
			WithCitizen().
			WithNeeds(func(q *ent.NeedCategoryQuery) { q.Select(needcategory.FieldID) }).
			WithInformedAbout(func(q *ent.ServiceQuery) { q.Select(service.FieldID) }).
			WithReferrals(func(q *ent.ReferralQuery) {
				q.Select(referral.FieldContactID, referral.FieldServiceID, referral.FieldStatus, referral.FieldProposedAt).
					Order(referral.ByProposedAt(), referral.ByID())
			}).
			All(ctx)
		if err != nil {
			return n, dbErr(err, "reading contacts to export")
		}
		for _, c := range page {
			if err := cw.Write(exportRow(c, refs)); err != nil {
				return n, err
			}
			n++
		}
		if err := cw.Flush(); err != nil {
			return n, err
		}
		if len(page) < exportPage {
			return n, nil
		}
		last = page[len(page)-1]
	}
}

func exportRow(c *ent.Contact, refs *refs) *intakecsv.Row {
	row := &intakecsv.Row{
		OccurredAt:      c.OccurredAt,
		Channel:         string(c.Channel),
		Requester:       string(c.Requester),
		TargetArea:      string(c.TargetArea),
		Outcome:         string(c.Outcome),
		OperatorEmail:   refs.operatorEm[c.OperatorID],
		DurationMinutes: c.DurationMinutes,
		Notes:           c.Notes,
	}
	if c.ContactRef != nil {
		row.ContactRef = *c.ContactRef
	} else {
		row.ContactRef = refPrefix + strconv.Itoa(c.ID)
	}
	for _, r := range c.Responses {
		row.Responses = append(row.Responses, string(r))
	}
	row.Needs = append(row.Needs, refs.needCode[c.MainNeedID])
	others := make([]int, 0, len(c.Edges.Needs))
	for _, n := range c.Edges.Needs {
		if n.ID != c.MainNeedID {
			others = append(others, n.ID)
		}
	}
	slices.SortFunc(others, func(a, b int) int {
		if d := refs.needPos[a] - refs.needPos[b]; d != 0 {
			return d
		}
		return a - b
	})
	for _, id := range others {
		row.Needs = append(row.Needs, refs.needCode[id])
	}

	switch cit := c.Edges.Citizen; {
	case cit != nil && cit.FiscalCode != nil:
		row.FiscalCode = *cit.FiscalCode
		row.FirstName, row.LastName = cit.FirstName, cit.LastName
		if cit.BirthDate != nil {
			// Birth dates are UTC midnight; a driver may return them in
			// the session's zone, whose calendar date can differ.
			d := cit.BirthDate.UTC()
			row.BirthDate = &d
		}
		if cit.Sex != nil {
			row.Sex = string(*cit.Sex)
		}
		if cit.Citizenship != nil {
			row.Citizenship = *cit.Citizenship
		}
		if cit.District != nil {
			row.District = *cit.District
		}
	case cit != nil:
		// The format identifies a person only by fiscal code.
		if cit.Sex != nil {
			row.Sex = string(*cit.Sex)
		}
		if cit.BirthDate != nil {
			y := cit.BirthDate.UTC().Year()
			row.BirthYear = &y
		}
	default:
		if c.AnonymousSex != nil {
			row.Sex = string(*c.AnonymousSex)
		}
		row.BirthYear = c.AnonymousBirthYear
	}

	if c.Outcome.IsReferral() {
		for _, r := range c.Edges.Referrals {
			row.Referrals = append(row.Referrals, intakecsv.Referral{Service: refs.serviceCode[r.ServiceID], Status: string(r.Status)})
		}
	}
	for _, s := range c.Edges.InformedAbout {
		row.InformedAbout = append(row.InformedAbout, refs.serviceCode[s.ID])
	}
	slices.Sort(row.InformedAbout)
	return row
}
