package intakeio

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/referral"
	"segretariato/ent/referralevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/intake"
	"segretariato/internal/intakecsv"
)

// copyWriter, the bulkWriter of PostgreSQL, writes the records an import
// creates with COPY (lib/pq's CopyIn) in the import's transaction, after
// taking their ids from the tables' sequences in one statement each:
// PostgreSQL parses and plans nothing per row, where a multi-row INSERT of
// thousands of parameters costs more to bind than to write.
//
// COPY bypasses ent, so it runs the rules of the intake card the hooks
// run (intake.CitizenRules, intake.ContactRules) on the very create
// builders the ent path saves, and copies the values the rules leave in
// their mutations, every column of them: a rule added to internal/intake
// applies here with no change (a contact's needs with its main one, a citizen's district and
// its key, citizenship, birth date and sex from the fiscal code). Times
// are UTC; version starts at 1; created_at, updated_at and the record key
// (of the cell-key perturbation, internal/cellkey) come from the schema's
// defaults. The rows reaching it were validated and normalised by
// internal/intakecsv (codes, responses, dates not in the future, the
// anonymous fields only without a citizen). The privacy rules and the
// audit do not apply to the import's writes (access.System) either way.

// copyWriter writes with COPY in the import's transaction tx, and reads
// the stored contacts found through the ent writer on it.
type copyWriter struct {
	ctx  context.Context
	tx   *sql.Tx
	ent  *entWriter
	seqs map[string]string // table → its id sequence
}

// nextIDs takes n ids from the sequence of table's id column.
func (cw *copyWriter) nextIDs(table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	seq, ok := cw.seqs[table]
	if !ok {
		var s string
		if err := cw.tx.QueryRowContext(cw.ctx, "SELECT pg_get_serial_sequence($1, 'id')", table).Scan(&s); err != nil {
			return nil, err
		}
		if cw.seqs == nil {
			cw.seqs = map[string]string{}
		}
		cw.seqs[table], seq = s, s
	}
	rows, err := cw.tx.QueryContext(cw.ctx, "SELECT nextval($1::regclass) FROM generate_series(1, $2)", seq, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("intakeio: %d ids from the sequence of %s, want %d", len(ids), table, n)
	}
	return ids, nil
}

// storedContacts finds with one array parameter the refs already stored,
// and reads only those in full through ent (none in a first import).
func (cw *copyWriter) storedContacts(refs []string) (map[string]*ent.Contact, error) {
	found, err := cw.storedRefs(refs)
	if err != nil {
		return nil, err
	}
	return cw.ent.storedContacts(found)
}

// storedRefs returns those of refs already stored.
func (cw *copyWriter) storedRefs(refs []string) ([]string, error) {
	rows, err := cw.tx.QueryContext(cw.ctx, "SELECT contact_ref FROM contacts WHERE contact_ref = ANY($1)", pq.Array(refs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, rows.Err()
}

// storedCitizens reads the card fields (citizenVals) of the citizens with
// the given codes, with one array parameter.
func (cw *copyWriter) storedCitizens(codes []string) (map[string]*ent.Citizen, error) {
	stored := make(map[string]*ent.Citizen, len(codes))
	rows, err := cw.tx.QueryContext(cw.ctx, "SELECT id, fiscal_code, first_name, last_name, birth_date, sex, citizenship, district FROM citizens WHERE fiscal_code = ANY($1) AND matched_citizen_id IS NULL", pq.Array(codes))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			c                                         ent.Citizen
			code, first, last, sex, country, district sql.NullString
			birth                                     sql.NullTime
		)
		if err := rows.Scan(&c.ID, &code, &first, &last, &birth, &sex, &country, &district); err != nil {
			return nil, err
		}
		c.FiscalCode = &code.String
		c.FirstName, c.LastName = first.String, last.String
		if birth.Valid {
			c.BirthDate = &birth.Time
		}
		if sex.Valid {
			x := schematype.Sex(sex.String)
			c.Sex = &x
		}
		if country.Valid {
			c.Citizenship = &country.String
		}
		if district.Valid {
			c.District = &district.String
		}
		stored[code.String] = &c
	}
	return stored, rows.Err()
}

// copyIn sends n rows to table with COPY; row fills the values of row i
// into vals (one per column) and returns it.
func (cw *copyWriter) copyIn(table string, cols []string, n int, row func(i int, vals []any) []any) (err error) {
	if n == 0 {
		return nil
	}
	stmt, err := cw.tx.PrepareContext(cw.ctx, copyStatement(table, cols))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := stmt.Close(); err == nil {
			err = cerr
		}
	}()
	vals := make([]any, len(cols))
	for i := 0; i < n; i++ {
		if _, err := stmt.ExecContext(cw.ctx, row(i, vals[:0])...); err != nil {
			return err
		}
	}
	_, err = stmt.ExecContext(cw.ctx)
	return err
}

var copyContactColumns = []string{
	contact.FieldID, contact.FieldCreatedAt, contact.FieldUpdatedAt, versionColumn,
	contact.FieldContactRef, contact.FieldOccurredAt, contact.FieldChannel,
	contact.FieldRequester, contact.FieldTargetArea, contact.FieldResponses,
	contact.FieldOutcome, contact.FieldDurationMinutes, contact.FieldNotes,
	contact.FieldAnonymousSex, contact.FieldAnonymousBirthYear,
	contact.FieldCitizenID, contact.FieldMainNeedID, contact.FieldOperatorID,
	contact.FieldRecordKey,
}

// createContacts runs the contact rules (intake.ContactRules) on the
// create builders the ent path would save, and copies what they leave:
// the UTC time, the needs (each once, the main one among them).
func (cw *copyWriter) createContacts(rows []*intakecsv.Row, wants []contactWant, at []int, ids []int) error {
	newIDs, err := cw.nextIDs(contact.Table, len(at))
	if err != nil {
		return err
	}
	muts := make([]*ent.ContactMutation, len(at))
	for k, i := range at {
		m := wants[i].builder(cw.ent.c, rows[i].ContactRef).Mutation()
		if err := intake.ContactRules(cw.ctx, m); err != nil {
			return err
		}
		muts[k] = m
		ids[i] = int(newIDs[k])
	}
	created, updated := contact.DefaultCreatedAt().UTC(), contact.DefaultUpdatedAt().UTC()
	err = cw.copyIn(contact.Table, copyContactColumns, len(at), func(k int, v []any) []any {
		// Every column as the rules left it in the mutation.
		m := muts[k]
		responses, _ := m.Responses()
		resp, _ := json.Marshal(responses) // a []string-like slice: cannot fail
		return append(v, newIDs[k], created, updated, 1,
			opt(m.ContactRef()), opt(m.OccurredAt()), optString(m.Channel()),
			optString(m.Requester()), optString(m.TargetArea()), string(resp),
			optString(m.Outcome()), opt(m.DurationMinutes()), opt(m.Notes()),
			optString(m.AnonymousSex()), opt(m.AnonymousBirthYear()),
			opt(m.CitizenID()), opt(m.MainNeedID()), opt(m.OperatorID()),
			int64(contact.DefaultRecordKey()))
	})
	if err != nil {
		return err
	}
	type pair struct{ contact, need int64 }
	var pairs []pair
	for k := range at {
		needs := muts[k].NeedsIDs()
		slices.Sort(needs)
		for _, n := range needs {
			pairs = append(pairs, pair{newIDs[k], int64(n)})
		}
	}
	if err := cw.copyIn(contact.NeedsTable, contact.NeedsPrimaryKey, len(pairs), func(k int, v []any) []any {
		return append(v, pairs[k].contact, pairs[k].need)
	}); err != nil {
		return err
	}
	// Informed-about services: distinct and ascending (contactWant).
	pairs = pairs[:0]
	for k, i := range at {
		for _, s := range wants[i].informed {
			pairs = append(pairs, pair{newIDs[k], int64(s)})
		}
	}
	return cw.copyIn(contact.InformedAboutTable, contact.InformedAboutPrimaryKey, len(pairs), func(k int, v []any) []any {
		return append(v, pairs[k].contact, pairs[k].need)
	})
}

var copyReferralColumns = []string{
	referral.FieldID, referral.FieldCreatedAt, referral.FieldUpdatedAt, versionColumn,
	referral.FieldStatus, referral.FieldProposedAt, referral.FieldAcceptedAt,
	referral.FieldDeclinedAt, referral.FieldCompletedAt, referral.FieldCancelledAt,
	referral.FieldSuccessful, referral.FieldConsentOverride,
	referral.FieldContactID, referral.FieldServiceID, referral.FieldRecordKey,
}

var copyEventColumns = []string{
	referralevent.FieldID, referralevent.FieldFromStatus, referralevent.FieldToStatus,
	referralevent.FieldAt, referralevent.FieldReason, referralevent.FieldCreatedAt,
	referralevent.ReferralColumn, referralevent.OperatorColumn,
}

// createReferrals sets the step dates and success of each status
// (steps), as entWriter does.
func (cw *copyWriter) createReferrals(wants []contactWant, ids []int, create []newReferral) ([]int, error) {
	refIDs, err := cw.nextIDs(referral.Table, len(create))
	if err != nil {
		return nil, err
	}
	created, updated := referral.DefaultCreatedAt().UTC(), referral.DefaultUpdatedAt().UTC()
	err = cw.copyIn(referral.Table, copyReferralColumns, len(create), func(k int, v []any) []any {
		nr := &create[k]
		at := wants[nr.row].at.UTC()
		step := func(on bool) any {
			if on {
				return at
			}
			return nil
		}
		acc, dec, comp, canc := steps(nr.ref.status)
		var successful any
		if comp {
			successful = true
		}
		return append(v, refIDs[k], created, updated, 1,
			string(nr.ref.status), at, step(acc),
			step(dec), step(comp), step(canc),
			successful, referral.DefaultConsentOverride,
			int64(ids[nr.row]), int64(nr.ref.serviceID), int64(referral.DefaultRecordKey()))
	})
	if err != nil {
		return nil, err
	}
	out := make([]int, len(refIDs))
	for k, id := range refIDs {
		out[k] = int(id)
	}
	return out, nil
}

func (cw *copyWriter) createEvents(es []newEvent) error {
	evIDs, err := cw.nextIDs(referralevent.Table, len(es))
	if err != nil {
		return err
	}
	created := referralevent.DefaultCreatedAt().UTC()
	return cw.copyIn(referralevent.Table, copyEventColumns, len(es), func(k int, v []any) []any {
		e := &es[k]
		var from any
		if e.from != nil {
			from = string(*e.from)
		}
		return append(v, evIDs[k], from, string(e.to),
			e.at.UTC(), eventReason, created,
			int64(e.referral), int64(e.operator))
	})
}

// newCitizen is a citizen to create: its code, card fields and holder.
type newCitizen struct {
	code   string
	vals   citizenVals
	holder int
}

var copyCitizenColumns = []string{
	citizen.FieldID, citizen.FieldCreatedAt, citizen.FieldUpdatedAt, versionColumn,
	citizen.FieldFiscalCode, citizen.FieldFirstName, citizen.FieldLastName,
	citizen.FieldBirthDate, citizen.FieldSex, citizen.FieldCitizenship,
	citizen.FieldDistrict, citizen.FieldDistrictKey, citizen.FieldPrivacyConsent,
	citizen.HolderColumn, citizen.FieldRecordKey,
}

// createCitizens runs the citizen rules (intake.CitizenRules) on the
// create builders the ent path would save, and copies what they leave:
// the code normalised, the birth date (UTC midnight) and sex read from it
// when not given, the district normalised and keyed, the citizenship
// upper-case.
func (cw *copyWriter) createCitizens(cs []newCitizen) ([]int, error) {
	ids, err := cw.nextIDs(citizen.Table, len(cs))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ids))
	muts := make([]*ent.CitizenMutation, len(cs))
	for k, c := range cs {
		m := citizenBuilder(cw.ent.c, c.code, c.vals).Mutation()
		if err := intake.CitizenRules(cw.ctx, m); err != nil {
			return nil, err
		}
		muts[k] = m
		out[k] = int(ids[k])
	}
	created, updated := citizen.DefaultCreatedAt().UTC(), citizen.DefaultUpdatedAt().UTC()
	return out, cw.copyIn(citizen.Table, copyCitizenColumns, len(cs), func(k int, v []any) []any {
		// Every column as the rules left it in the mutation; the holder is
		// the import's choice (the social worker of the latest card).
		m := muts[k]
		return append(v, ids[k], created, updated, 1,
			opt(m.FiscalCode()), opt(m.FirstName()), opt(m.LastName()),
			opt(m.BirthDate()), optString(m.Sex()), opt(m.Citizenship()),
			opt(m.District()), opt(m.DistrictKey()), citizen.DefaultPrivacyConsent,
			int64(cs[k].holder), int64(citizen.DefaultRecordKey()))
	})
}

// copyStatement is the COPY … FROM STDIN statement lib/pq turns into a
// bulk load when prepared in a transaction.
func copyStatement(table string, cols []string) string {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	return "COPY " + pq.QuoteIdentifier(table) + " (" + strings.Join(quoted, ", ") + ") FROM STDIN"
}

// opt is a mutation's value for COPY: nil (NULL) when the mutation does
// not set the field.
func opt[T any](v T, set bool) any {
	if !set {
		return nil
	}
	return v
}

// optString is opt for the enum types, which the driver takes as text.
func optString[T ~string](v T, set bool) any { return opt(string(v), set) }
