package analytics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"segretariato/internal/apperr"
	"segretariato/internal/dimension"
	"segretariato/internal/intakerule"
	"segretariato/internal/sqlbind"
)

// Filter restricts the contacts an answer counts.
type Filter struct {
	// From and To are calendar dates in Europe/Rome: the date part of the
	// time as written (its own location), From inclusive, To exclusive.
	// They compare with the contacts' local dates, computed when the
	// contacts were written (internal/rollup).
	From, To *time.Time
	// Values lists, per dimension, the keys allowed (the cell keys of that
	// dimension, UNKNOWN or NONE included); an empty list does not
	// restrict. For a multi-valued dimension (NEED, NEED_MACRO,
	// REFERRAL_SERVICE) that the answer groups by, only the allowed
	// values make cells (grouped by NEED, a NEED_MACRO filter keeps the
	// needs of those macro areas); one it does not group by selects the
	// contacts with at least one allowed value (REFERRAL_SERVICE also
	// counts only the referrals to the allowed services; NONE selects the
	// contacts without referral).
	Values map[dimension.Dimension][]string
}

// DimensionValues is one dimension's allowed keys, the GraphQL shape of
// Filter.Values.
type DimensionValues struct {
	Dimension dimension.Dimension `json:"dimension"`
	Keys      []string            `json:"keys"`
}

// FilterInput is the GraphQL input DemandFilter; Filter converts it.
type FilterInput struct {
	From   *time.Time        `json:"from,omitempty"`
	To     *time.Time        `json:"to,omitempty"`
	Values []DimensionValues `json:"values,omitempty"`
}

// Filter converts the input; a nil input is no filter. Keys listed twice
// for one dimension are merged.
func (in *FilterInput) Filter() Filter {
	if in == nil {
		return Filter{}
	}
	f := Filter{From: in.From, To: in.To}
	for _, v := range in.Values {
		if f.Values == nil {
			f.Values = map[dimension.Dimension][]string{}
		}
		f.Values[v.Dimension] = append(f.Values[v.Dimension], v.Keys...)
	}
	return f
}

// Bounds of a request, so that one answer stays small.
const (
	maxGroupBy     = 4
	maxFilterKeys  = 500
	maxFilterBytes = 200
)

// dayRange is a filter's range of local dates as YYYY-MM-DD, either bound
// empty when open.
type dayRange struct{ from, to string }

func localDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// checkFilter validates a filter and returns its range of local dates.
func checkFilter(f Filter) (dayRange, error) {
	r := dayRange{localDay(f.From), localDay(f.To)}
	if r.from != "" && r.to != "" && r.from >= r.to {
		return r, apperr.OnField("filter.to", "must be after from")
	}
	for d, keys := range f.Values {
		if !d.Valid() {
			return r, apperr.OnField("filter.values", "unknown dimension")
		}
		if len(keys) > maxFilterKeys {
			return r, apperr.OnField("filter.values", "at most %d keys per dimension", maxFilterKeys)
		}
		allowed := dimension.Of(d).AllowedKeys()
		for _, k := range keys {
			if len(k) > maxFilterBytes {
				return r, apperr.OnField("filter.values", "a key is too long")
			}
			if allowed != nil && !slices.Contains(allowed, k) {
				return r, apperr.OnField("filter.values", "%s has no key like that", d)
			}
		}
	}
	return r, nil
}

func checkGroupBy(groupBy []dimension.Dimension) error {
	if len(groupBy) > maxGroupBy {
		return apperr.OnField("groupBy", "at most %d dimensions", maxGroupBy)
	}
	for i, d := range groupBy {
		if !d.Valid() {
			return apperr.OnField("groupBy", "unknown dimension")
		}
		if slices.Contains(groupBy[:i], d) {
			return apperr.OnField("groupBy", "a dimension is listed twice")
		}
	}
	return nil
}

// relationSpec says what a query counts over.
type relationSpec struct {
	group  []dimension.Dimension
	period dimension.PeriodUnit
	filter Filter
	// referrals makes the rows those of the referrals (r, their facts in
	// referral_facts) with their services (s), keeping only contacts with
	// a referral.
	referrals bool
}

// relation is the FROM and WHERE over the rows an answer counts: x, the
// facts of the filter's contacts (contact_facts: one row per contact with
// its key in every single-valued dimension, internal/rollup), joined, per
// multi-valued dimension grouped, to its values (contact_fact_values), or
// to one row per referral (referrals: the rows are then the referrals'
// facts, referral_facts, joined to the contacts' facts when a key of the
// contact is needed).
//
// Within one cell (one value of every grouped key) a contact is on one row
// at most, so the figures are plain COUNT and SUM: only citizens needs a
// DISTINCT. A filter on a multi-valued dimension that is grouped restricts
// its rows (the cells); one that is not grouped selects the contacts that
// have one of the values.
type relation struct {
	from     string   // FROM and joins
	conds    []string // the WHERE conditions
	keys     map[dimension.Dimension]string
	refCount string // SQL of a row's referrals
	refOpen  string // SQL of a row's open referrals
	refKey   string // SQL of the sum of their record keys
	b        *sqlbind.Binder
}

// sql is the FROM clause with its WHERE conditions and extra ones.
func (r *relation) sql(extra ...string) string {
	conds := append(slices.Clone(r.conds), extra...)
	if len(conds) == 0 {
		return r.from
	}
	return r.from + " WHERE " + strings.Join(conds, " AND ")
}

// relation builds the FROM clause of spec, binding its arguments to b
// (nil: a new binder). It returns INVALID errors for a bad filter.
func (e *Engine) relation(spec relationSpec, b *sqlbind.Binder) (*relation, error) {
	days, err := checkFilter(spec.filter)
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = &sqlbind.Binder{Postgres: e.sqlFor().postgres}
	}
	values := map[dimension.Dimension][]string{}
	for d, keys := range spec.filter.Values {
		if len(keys) > 0 {
			values[d] = keys
		}
	}
	if vs, ok := values[dimension.District]; ok {
		values[dimension.District] = districtKeys(vs)
	}
	grouped := map[dimension.Dimension]bool{}
	for _, d := range spec.group {
		grouped[d] = true
	}
	rel := &relation{keys: map[dimension.Dimension]string{}, b: b,
		refCount: "x.referrals", refOpen: "x.referrals_open", refKey: "x.referrals_key"}
	for _, d := range dimension.Single() {
		rel.keys[d.Dim] = "x." + d.Dim.Column()
	}
	unit := spec.period
	if unit == "" {
		unit = dimension.Month
	}
	rel.keys[dimension.Period] = "x." + unit.Column()

	// FROM and its joins, then WHERE: the arguments are bound in the
	// order the text has them.
	var q strings.Builder
	rowDims := map[dimension.Dimension]bool{} // dimensions whose keys are the joined rows'
	day := "x.day"
	if spec.referrals {
		// The funnel's facts hold their contact's day and periods: the
		// contacts' facts are joined only for their other keys.
		q.WriteString("FROM referral_facts r JOIN services s ON s.id = r.service_id")
		if needsContacts(spec.group, values) {
			q.WriteString(" JOIN contact_facts x ON x.id = r.contact_id")
		}
		rel.keys[dimension.Period] = "r." + unit.Column()
		rel.keys[dimension.ReferralService] = "s.code"
		rowDims[dimension.ReferralService] = true
		day = "r.day"
	} else {
		q.WriteString("FROM contact_facts x")
	}
	for i, d := range dimension.MultiValued() {
		if !grouped[d.Dim] || rowDims[d.Dim] {
			continue
		}
		v := fmt.Sprintf("v%d", i)
		q.WriteString(" JOIN contact_fact_values " + v + " ON " + v + ".contact_id = x.id AND " + v + ".dim = '" + string(d.Dim) + "'")
		rel.keys[d.Dim] = v + ".key"
		rowDims[d.Dim] = true
		if d.Parent != "" && (grouped[d.Parent] || len(values[d.Parent]) > 0) {
			rel.keys[d.Parent] = v + ".parent"
			rowDims[d.Parent] = true
		}
		if d.OwnReferrals {
			rel.refCount, rel.refOpen, rel.refKey = v+".referrals", v+".referrals_open", v+".referrals_key"
		}
	}
	inRange := func(col string) string {
		var c []string
		if days.from != "" {
			c = append(c, col+" >= "+b.Arg(days.from))
		}
		if days.to != "" {
			c = append(c, col+" < "+b.Arg(days.to))
		}
		return strings.Join(c, " AND ")
	}
	for _, d := range dimension.MultiValued() {
		vs, ok := values[d.Dim]
		if !ok || rowDims[d.Dim] || !d.OwnReferrals {
			continue
		}
		// Only the referrals of the allowed keys count.
		sub := "SELECT w.contact_id, SUM(w.referrals) AS n, SUM(w.referrals_open) AS n_open, SUM(w.referrals_key) AS rk" +
			" FROM contact_fact_values w WHERE w.dim = '" + string(d.Dim) + "' AND w.key IN " + sqlbind.In(b, vs)
		if r := inRange("day"); r != "" {
			sub += " AND w.contact_id IN (SELECT id FROM contact_facts WHERE " + r + ")"
		}
		q.WriteString(" LEFT JOIN (" + sub + " GROUP BY w.contact_id) ref ON ref.contact_id = x.id")
		rel.refCount, rel.refOpen, rel.refKey = "ref.n", "ref.n_open", "ref.rk"
	}
	var conds []string
	if r := inRange(day); r != "" {
		conds = append(conds, r)
	}
	// The keys of single-valued dimensions and of the joined rows, in
	// dimension order, then the conditions on whole contacts.
	for _, decl := range dimension.All {
		d := decl.Dim
		vs, ok := values[d]
		if !ok {
			continue
		}
		if !decl.Multi() || rowDims[d] {
			conds = append(conds, rel.keys[d]+" IN "+sqlbind.In(b, vs))
			continue
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM contact_fact_values w WHERE w.contact_id = x.id AND w.dim = '"+
			string(d)+"' AND w.key IN "+sqlbind.In(b, vs)+")")
	}
	rel.from, rel.conds = q.String(), conds
	return rel, nil
}

// needsContacts reports whether a relation of referrals must join the
// contacts' facts: for a grouping or a filter on a dimension other than
// the period and the referral's service.
func needsContacts(group []dimension.Dimension, values map[dimension.Dimension][]string) bool {
	for _, d := range group {
		if d != dimension.Period && d != dimension.ReferralService {
			return true
		}
	}
	for d := range values {
		if d != dimension.ReferralService {
			return true
		}
	}
	return false
}

// districtKeys turns displayed district names into the keys they group by.
func districtKeys(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		if v == dimension.Unknown {
			out[i] = v
		} else {
			out[i] = intakerule.DistrictKey(v)
		}
	}
	return out
}
