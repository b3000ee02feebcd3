package rollup

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/dimension"
	"segretariato/internal/referral"
	"segretariato/internal/sqlbind"
)

// fact is one contact as the figures count it: a row of contact_facts and
// its rows of contact_fact_values (repeated in the row's multi_keys).
type fact struct {
	id        int
	citizenID *int
	operator  int
	day       string
	periods   []string // per dimension.Units
	isFirst   int
	rk        int
	ciKey     *int
	refs      int
	refsOpen  int
	refsKey   int
	keys      []string                                  // per dimension.Single()
	values    map[dimension.Dimension][]dimension.Value // per dimension.MultiValued()
}

var (
	singles = dimension.Single()
	multis  = dimension.MultiValued()
)

// factColumns are the columns of contact_facts, in the order of fact's
// fields.
var factColumns = func() []string {
	cols := []string{"id", "citizen_id", "operator_id", "day"}
	for _, u := range dimension.Units {
		cols = append(cols, u.Column())
	}
	cols = append(cols, "is_first", "record_key", "citizen_key", "referrals", "referrals_open", "referrals_key")
	for _, d := range singles {
		cols = append(cols, d.Dim.Column())
	}
	return append(cols, "multi_keys")
}()

func (f *fact) row() []any {
	var cit, ck any
	if f.citizenID != nil {
		cit = *f.citizenID
	}
	if f.ciKey != nil {
		ck = *f.ciKey
	}
	vals := []any{f.id, cit, f.operator, f.day}
	for _, p := range f.periods {
		vals = append(vals, p)
	}
	vals = append(vals, f.isFirst, f.rk, ck, f.refs, f.refsOpen, f.refsKey)
	for _, k := range f.keys {
		vals = append(vals, k)
	}
	return append(vals, encodeMulti(f.values))
}

// scanFact reads a row of factColumns.
func scanFact(scan func(...any) error) (*fact, error) {
	f := &fact{periods: make([]string, len(dimension.Units)), keys: make([]string, len(singles))}
	var multi string
	dst := []any{&f.id, &f.citizenID, &f.operator, &f.day}
	for i := range f.periods {
		dst = append(dst, &f.periods[i])
	}
	dst = append(dst, &f.isFirst, &f.rk, &f.ciKey, &f.refs, &f.refsOpen, &f.refsKey)
	for i := range f.keys {
		dst = append(dst, &f.keys[i])
	}
	if err := scan(append(dst, &multi)...); err != nil {
		return nil, err
	}
	var err error
	f.values, err = decodeMulti(multi)
	return f, err
}

// derive computes the fact of a contact from what dimension declares.
func derive(c *dimension.Contact, operatorID, recordKey int, ciKey *int, openRefs int) *fact {
	day := dimension.Day(c.OccurredAt)
	f := &fact{id: c.ID, operator: operatorID, day: dimension.DayKey(day), rk: recordKey, refsOpen: openRefs,
		values: map[dimension.Dimension][]dimension.Value{}}
	if c.Citizen != nil {
		id := c.Citizen.ID
		f.citizenID, f.ciKey = &id, ciKey
		if c.First {
			f.isFirst = 1
		}
	}
	for _, u := range dimension.Units {
		f.periods = append(f.periods, dimension.PeriodKey(u, day))
	}
	for _, r := range c.Referrals {
		f.refs++
		f.refsKey += r.RecordKey
	}
	for _, d := range singles {
		f.keys = append(f.keys, d.Key(c))
	}
	for _, d := range multis {
		f.values[d.Dim] = d.Values(c)
	}
	return f
}

// equal reports whether two facts count the same.
func (f *fact) equal(g *fact) bool {
	if f.id != g.id || !eqPtr(f.citizenID, g.citizenID) || f.operator != g.operator || f.day != g.day ||
		f.isFirst != g.isFirst || f.rk != g.rk || !eqPtr(f.ciKey, g.ciKey) || f.refs != g.refs ||
		f.refsOpen != g.refsOpen || f.refsKey != g.refsKey || !slices.Equal(f.periods, g.periods) || !slices.Equal(f.keys, g.keys) {
		return false
	}
	return sameValues(f.values, g.values)
}

// sameValues reports whether two facts have the same multi-valued keys.
func sameValues(a, b map[dimension.Dimension][]dimension.Value) bool {
	for _, d := range multis {
		if !slices.Equal(a[d.Dim], b[d.Dim]) {
			return false
		}
	}
	return true
}

func eqPtr(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// loadFacts reads the stored facts of the contacts ids (those that have one).
func loadFacts(ctx context.Context, c Conn, postgres bool, ids []int) (map[int]*fact, error) {
	out := map[int]*fact{}
	err := chunks(ids, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT " + strings.Join(factColumns, ", ") + " FROM contact_facts WHERE id IN " + sqlbind.In(b, part)
		return Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			f, err := scanFact(scan)
			if err == nil {
				out[f.id] = f
			}
			return err
		})
	})
	return out, err
}

// valueRows reads the multi-valued keys of the contacts ids from
// contact_fact_values, which the answers' SQL joins (Verify compares them
// with the facts' multi_keys).
func valueRows(ctx context.Context, c Conn, postgres bool, ids []int) (map[int]map[dimension.Dimension][]dimension.Value, error) {
	out := map[int]map[dimension.Dimension][]dimension.Value{}
	err := chunks(ids, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT contact_id, dim, key, parent, referrals, referrals_open, referrals_key FROM contact_fact_values WHERE contact_id IN " +
			sqlbind.In(b, part) + " ORDER BY contact_id, dim, key"
		return Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			var id int
			var dim string
			var v dimension.Value
			if err := scan(&id, &dim, &v.Key, &v.Parent, &v.Referrals, &v.Open, &v.RefKey); err != nil {
				return err
			}
			if out[id] == nil {
				out[id] = map[dimension.Dimension][]dimension.Value{}
			}
			out[id][dimension.Dimension(dim)] = append(out[id][dimension.Dimension(dim)], v)
			return nil
		})
	})
	return out, err
}

// rawContact is a contact's row as loadRaw reads it, before its keys.
type rawContact struct {
	c          dimension.Contact
	operatorID int
	recordKey  int
	ciKey      *int
	openRefs   int
}

// loadRaw reads the contacts ids, or of the citizens cits, from the
// tables the figures derive from, with their needs and referrals, and
// marks each citizen's first contact. Every contact of a citizen of cits
// is read, so that first contacts are right.
func loadRaw(ctx context.Context, c Conn, postgres bool, ids, cits []int) (map[int]*rawContact, error) {
	out := map[int]*rawContact{}
	const cols = "SELECT c.id, c.occurred_at, c.citizen_id, c.target_area, c.channel, c.requester, c.outcome," +
		" c.anonymous_sex, c.anonymous_birth_year, c.erased_age_band, c.erased_citizenship, c.erased_district_key," +
		" c.record_key, c.operator_id, o.email, mn.code, mn.macro_area," +
		" ci.birth_date, ci.sex, ci.citizenship, ci.district_key, ci.record_key" +
		" FROM contacts c JOIN operators o ON o.id = c.operator_id JOIN need_categories mn ON mn.id = c.main_need_id" +
		" LEFT JOIN citizens ci ON ci.id = c.citizen_id WHERE "
	read := func(where string, b *sqlbind.Binder) error {
		return Each(ctx, c, cols+where, b.Args, func(scan func(...any) error) error {
			r := &rawContact{}
			var citizenID, anonYear, ciKey sql.NullInt64
			var anonSex, erAge, erCit, erDist, ciSex, ciCit, ciDist sql.NullString
			var birth sql.NullTime
			if err := scan(&r.c.ID, &r.c.OccurredAt, &citizenID, &r.c.TargetArea, &r.c.Channel, &r.c.Requester, &r.c.Outcome,
				&anonSex, &anonYear, &erAge, &erCit, &erDist, &r.recordKey, &r.operatorID, &r.c.OperatorEmail,
				&r.c.MainNeed.Code, &r.c.MainNeed.Macro, &birth, &ciSex, &ciCit, &ciDist, &ciKey); err != nil {
				return err
			}
			r.c.AnonymousSex, r.c.ErasedAgeBand, r.c.ErasedCitizenship, r.c.ErasedDistrictKey = anonSex.String, erAge.String, erCit.String, erDist.String
			if anonYear.Valid {
				y := int(anonYear.Int64)
				r.c.AnonymousBirthYear = &y
			}
			if citizenID.Valid {
				ci := &dimension.Citizen{ID: int(citizenID.Int64), Sex: ciSex.String, Citizenship: ciCit.String, DistrictKey: ciDist.String}
				if birth.Valid {
					t := birth.Time.UTC()
					ci.BirthDate = &t
				}
				r.c.Citizen = ci
				if ciKey.Valid {
					k := int(ciKey.Int64)
					r.ciKey = &k
				}
			}
			out[r.c.ID] = r
			return nil
		})
	}
	if err := chunks(ids, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		return read("c.id IN "+sqlbind.In(b, part), b)
	}); err != nil {
		return nil, err
	}
	if err := chunks(cits, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		return read("c.citizen_id IN "+sqlbind.In(b, part), b)
	}); err != nil {
		return nil, err
	}
	all := make([]int, 0, len(out))
	for id := range out {
		all = append(all, id)
	}
	slices.Sort(all)
	err := chunks(all, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT cn.contact_id, n.code, n.macro_area FROM contact_needs cn JOIN need_categories n ON n.id = cn.need_category_id" +
			" WHERE cn.contact_id IN " + sqlbind.In(b, part)
		if err := Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			var id int
			var n dimension.NeedCategory
			if err := scan(&id, &n.Code, &n.Macro); err != nil {
				return err
			}
			out[id].c.Needs = append(out[id].c.Needs, n)
			return nil
		}); err != nil {
			return err
		}
		b = &sqlbind.Binder{Postgres: postgres}
		q = "SELECT r.contact_id, s.code, r.status, r.record_key FROM referrals r JOIN services s ON s.id = r.service_id" +
			" WHERE r.contact_id IN " + sqlbind.In(b, part)
		return Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			var id int
			var status string
			var ref dimension.Referral
			if err := scan(&id, &ref.Service, &status, &ref.RecordKey); err != nil {
				return err
			}
			ref.Open = referral.IsOpen(schematype.ReferralStatus(status))
			if ref.Open {
				out[id].openRefs++
			}
			out[id].c.Referrals = append(out[id].c.Referrals, ref)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	markFirsts(out)
	return out, nil
}

// markFirsts marks each citizen's first contact among cs: the earliest
// occurred_at, then the lowest id.
func markFirsts(cs map[int]*rawContact) {
	first := map[int]*rawContact{}
	for _, r := range cs {
		if r.c.Citizen == nil {
			continue
		}
		p := first[r.c.Citizen.ID]
		if p == nil || r.c.OccurredAt.Before(p.c.OccurredAt) || (r.c.OccurredAt.Equal(p.c.OccurredAt) && r.c.ID < p.c.ID) {
			first[r.c.Citizen.ID] = r
		}
	}
	for _, r := range first {
		r.c.First = true
	}
}

// writeFacts replaces the stored facts of ids, before, by after (nil: the
// contact is gone, or new).
func writeFacts(ctx context.Context, c Conn, postgres bool, ids []int, before, after map[int]*fact) error {
	var stored []int
	for _, id := range ids {
		if before[id] != nil {
			stored = append(stored, id)
		}
	}
	if err := chunks(stored, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "DELETE FROM contact_fact_values WHERE contact_id IN " + sqlbind.In(b, part)
		if _, err := c.ExecContext(ctx, q, b.Args...); err != nil {
			return err
		}
		b = &sqlbind.Binder{Postgres: postgres}
		q = "DELETE FROM contact_facts WHERE id IN " + sqlbind.In(b, part)
		_, err := c.ExecContext(ctx, q, b.Args...)
		return err
	}); err != nil {
		return err
	}
	var rows []*fact
	for _, id := range ids {
		if f := after[id]; f != nil {
			rows = append(rows, f)
		}
	}
	return insertFacts(ctx, c, postgres, rows)
}

// insertFacts inserts facts and their values.
func insertFacts(ctx context.Context, c Conn, postgres bool, rows []*fact) error {
	if err := insertRows(ctx, c, postgres, "contact_facts", factColumns, len(rows), func(i int) []any { return rows[i].row() }, ""); err != nil {
		return err
	}
	type val struct {
		contact int
		dim     dimension.Dimension
		v       dimension.Value
	}
	var vals []val
	for _, f := range rows {
		for _, d := range multis {
			for _, v := range f.values[d.Dim] {
				vals = append(vals, val{f.id, d.Dim, v})
			}
		}
	}
	cols := []string{"id", "contact_id", "dim", "key", "parent", "referrals", "referrals_open", "referrals_key"}
	return insertRows(ctx, c, postgres, "contact_fact_values", cols, len(vals), func(i int) []any {
		v := vals[i]
		return []any{valueID(v.contact, v.dim, v.v.Key), v.contact, string(v.dim), v.v.Key, v.v.Parent, v.v.Referrals, v.v.Open, v.v.RefKey}
	}, "")
}

func valueID(contact int, d dimension.Dimension, key string) string {
	return itoa(contact) + "|" + string(d) + "|" + key
}
