package analytics

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"segretariato/internal/apperr"
	"segretariato/internal/intakerule"
	"segretariato/internal/localtime"
)

// Filter restricts the contacts an answer counts.
type Filter struct {
	// From and To are calendar dates in Europe/Rome: the date part of the
	// time as written (its own location), From inclusive, To exclusive.
	// They are turned into the UTC instants of local midnight, so the
	// range is a plain index range on contacts.occurred_at.
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
	Values map[Dimension][]string
}

// DimensionValues is one dimension's allowed keys, the GraphQL shape of
// Filter.Values.
type DimensionValues struct {
	Dimension Dimension `json:"dimension"`
	Keys      []string  `json:"keys"`
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
			f.Values = map[Dimension][]string{}
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

// relationSpec says what a query counts over.
type relationSpec struct {
	group  []Dimension
	period PeriodUnit
	filter Filter
	// firsts computes is_first: whether the contact is its citizen's first
	// ever contact (earliest occurred_at, then lowest id).
	firsts bool
	// rawReferrals joins one row per referral (r) and its service (s),
	// keeping only contacts with a referral; otherwise the referrals are
	// counted per contact (or per contact and service when grouped by
	// REFERRAL_SERVICE) in columns n and n_open of the join ref.
	rawReferrals bool
	// keyed adds the record keys of the cell-key perturbation (suppress.go):
	// x.rk, the contact's, and x.ci_key, its citizen's (NULL when
	// anonymous); ref.rk, the sum of the keys of the referrals ref counts
	// (relation.refKey); with rawReferrals, r.record_key.
	keyed bool
}

// relation is "WITH …" and "FROM … WHERE …" over the rows an answer
// counts: x, the contacts of the filter, with a k_<dimension> key column
// per single-valued dimension and the columns id, citizen_id, operator_id,
// outcome, lts (local time) and is_first; joined to their referral counts
// (ref.n, ref.n_open, or one row per referral r and service s), and, when
// grouped by NEED or NEED_MACRO, to one row per need (n) or per distinct
// macro area (nm).
//
// Within one cell (one value of every grouped key) a contact is on one row
// at most, so the figures are plain COUNT and SUM: only citizens needs a
// DISTINCT. A filter on a multi-valued dimension that is grouped restricts
// its rows (the cells); one that is not grouped selects the contacts that
// have one of the values.
type relation struct {
	with     string   // the WITH clause that must open the statement
	from     string   // FROM and joins
	conds    []string // the outer WHERE conditions
	keys     map[Dimension]string
	refCount string // SQL of a row's referrals (nullable)
	refOpen  string // SQL of a row's open referrals (nullable)
	refKey   string // SQL of the sum of their record keys (keyed; nullable)
	b        *binder
}

// sql is the FROM clause with its WHERE conditions and extra ones.
func (r *relation) sql(extra ...string) string {
	conds := append(slices.Clone(r.conds), extra...)
	if len(conds) == 0 {
		return r.from
	}
	return r.from + " WHERE " + strings.Join(conds, " AND ")
}

func keyColumn(d Dimension) string { return "x.k_" + strings.ToLower(string(d)) }

// checkFilter validates a filter and returns the UTC range it gives.
func checkFilter(f Filter) (from, to *time.Time, err error) {
	if f.From != nil {
		t := localtime.LocalMidnight(*f.From)
		from = &t
	}
	if f.To != nil {
		t := localtime.LocalMidnight(*f.To)
		to = &t
	}
	if from != nil && to != nil && !from.Before(*to) {
		return nil, nil, apperr.OnField("filter.to", "must be after from")
	}
	for d, keys := range f.Values {
		if !d.Valid() {
			return nil, nil, apperr.OnField("filter.values", "unknown dimension")
		}
		if len(keys) > maxFilterKeys {
			return nil, nil, apperr.OnField("filter.values", "at most %d keys per dimension", maxFilterKeys)
		}
		allowed := allowedKeys(d)
		for _, k := range keys {
			if len(k) > maxFilterBytes {
				return nil, nil, apperr.OnField("filter.values", "a key is too long")
			}
			if allowed != nil && !slices.Contains(allowed, k) {
				return nil, nil, apperr.OnField("filter.values", "%s has no key like that", d)
			}
		}
	}
	return from, to, nil
}

func checkGroupBy(groupBy []Dimension) error {
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

// relation builds the FROM clause of spec. It returns INVALID errors for a
// bad filter.
func (e *Engine) relation(spec relationSpec) (*relation, error) {
	h, err := e.head(spec)
	if err != nil {
		return nil, err
	}
	return h.tail(spec.group, spec.rawReferrals), nil
}

// head is the WITH clause of a relation and the x subquery over it; two
// relations of one head (the cells and the total of an answer) share the
// CTEs and the binder, in one statement.
type head struct {
	with   string
	l3     string // the x subquery
	keys   map[Dimension]string
	values map[Dimension][]string
	keyed  bool
	b      *binder
}

// head builds the WITH clause of spec: its single-valued keys cover the
// dimensions spec groups by or filters on.
func (e *Engine) head(spec relationSpec) (*head, error) {
	from, to, err := checkFilter(spec.filter)
	if err != nil {
		return nil, err
	}
	s := e.sqlFor()
	b := &binder{postgres: s.postgres}
	used := map[Dimension]bool{}
	for _, d := range spec.group {
		used[d] = true
	}
	values := map[Dimension][]string{}
	for d, keys := range spec.filter.Values {
		if len(keys) > 0 {
			used[d] = true
			values[d] = keys
		}
	}
	if vs, ok := values[DimDistrict]; ok {
		values[DimDistrict] = districtKeys(vs)
	}

	// b: the contacts of the date range, with their local time and whether
	// each is its citizen's first (two index probes on (citizen_id,
	// occurred_at): an OR in one probe would scan the citizen's contacts).
	var q strings.Builder
	q.WriteString("SELECT c.id, c.citizen_id, c.operator_id, c.main_need_id, c.target_area, c.channel, c.requester, c.outcome, c.anonymous_sex, c.anonymous_birth_year, ")
	y0, y1 := time.Now().Year()-15, time.Now().Year()+1
	if from != nil {
		y0 = min(y0, from.Year())
	}
	if to != nil {
		y1 = max(y1, to.Year())
	}
	q.WriteString(s.localTimeUTC("c.occurred_at", y0, y1) + " AS lts")
	if spec.keyed {
		q.WriteString(", c.record_key AS rk")
	}
	if used[DimAgeBand] || used[DimCitizenship] || used[DimDistrict] {
		q.WriteString(erasedColumns)
	}
	if spec.firsts || used[DimAccessType] {
		q.WriteString(", CASE WHEN c.citizen_id IS NULL THEN 0" +
			" WHEN EXISTS (SELECT 1 FROM contacts p WHERE p.citizen_id = c.citizen_id AND p.occurred_at < c.occurred_at) THEN 0" +
			" WHEN EXISTS (SELECT 1 FROM contacts p WHERE p.citizen_id = c.citizen_id AND p.occurred_at = c.occurred_at AND p.id < c.id) THEN 0" +
			" ELSE 1 END AS is_first")
	} else {
		q.WriteString(", 0 AS is_first")
	}
	q.WriteString(" FROM contacts c")
	var conds []string
	if from != nil {
		conds = append(conds, "c.occurred_at >= "+b.arg(*from))
	}
	if to != nil {
		conds = append(conds, "c.occurred_at < "+b.arg(*to))
	}
	if len(conds) > 0 {
		q.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	l1 := q.String()

	// y: what the contact's citizen, operator and main need add.
	q.Reset()
	q.WriteString("SELECT b.*")
	var joins []string
	citizenDims := used[DimAgeBand] || used[DimSex] || used[DimCitizenship] || used[DimDistrict]
	if citizenDims {
		bd := s.utcDate("ci.birth_date")
		year := func(t string) string { return "CAST(substr(" + t + ", 1, 4) AS INTEGER)" }
		monthDay := func(t string) string {
			return "(CAST(substr(" + t + ", 6, 2) AS INTEGER) * 100 + CAST(substr(" + t + ", 9, 2) AS INTEGER))"
		}
		q.WriteString(", ci.sex AS ci_sex, ci.citizenship AS ci_citizenship, ci.district_key AS ci_district")
		q.WriteString(", CASE WHEN ci.birth_date IS NOT NULL THEN " + year("b.lts") + " - " + year(bd) +
			" - CASE WHEN " + monthDay("b.lts") + " < " + monthDay(bd) + " THEN 1 ELSE 0 END" +
			" WHEN b.citizen_id IS NULL AND b.anonymous_birth_year IS NOT NULL THEN " + year("b.lts") + " - b.anonymous_birth_year" +
			" ELSE NULL END AS age")
	}
	if spec.keyed {
		q.WriteString(", ci.record_key AS ci_key")
	}
	if citizenDims || spec.keyed {
		joins = append(joins, " LEFT JOIN citizens ci ON ci.id = b.citizen_id")
	}
	if used[DimOperator] {
		q.WriteString(", o.email AS op_email")
		joins = append(joins, " LEFT JOIN operators o ON o.id = b.operator_id")
	}
	if used[DimMainNeed] || used[DimISTATArea] {
		q.WriteString(", mn.code AS mn_code")
		joins = append(joins, " LEFT JOIN need_categories mn ON mn.id = b.main_need_id")
	}
	q.WriteString(" FROM b")
	for _, j := range joins {
		q.WriteString(j)
	}
	l2 := q.String()

	// x: the keys of the single-valued dimensions.
	q.Reset()
	q.WriteString("SELECT y.id, y.citizen_id, y.operator_id, y.outcome, y.lts, y.is_first")
	if spec.keyed {
		q.WriteString(", y.rk, y.ci_key")
	}
	keys := map[Dimension]string{}
	for _, d := range Dimension("").Values() {
		d := Dimension(d)
		if used[d] && !d.multiValued() {
			q.WriteString(", " + singleKey(s, d, spec.period) + " AS k_" + strings.ToLower(string(d)))
			keys[d] = keyColumn(d)
		}
	}
	q.WriteString(" FROM y")
	l3 := q.String()
	materialised := ""
	if citizenDims {
		materialised = "MATERIALIZED "
	}
	// b, and y when it computes the age, are materialised: inlined, their
	// expressions (local time, age) would be repeated in every expression
	// that uses them, which made a three-dimension pivot of 30,000
	// contacts take seconds.
	return &head{
		with:   "WITH b AS MATERIALIZED (" + l1 + "), y AS " + materialised + "(" + l2 + ") ",
		l3:     l3,
		keys:   keys,
		values: values,
		keyed:  spec.keyed,
		b:      b,
	}, nil
}

// tail builds the FROM and WHERE of a relation of the head grouped by
// group, binding its arguments after those already bound.
func (h *head) tail(group []Dimension, rawReferrals bool) *relation {
	b, values := h.b, h.values
	grouped := map[Dimension]bool{}
	for _, d := range group {
		grouped[d] = true
	}
	keys := maps.Clone(h.keys)
	var q strings.Builder
	q.WriteString("FROM (" + h.l3 + ") x")

	// The joins of the multi-valued dimensions, their arguments bound in
	// the order they are written.
	rel := &relation{keys: keys, b: b}
	var contactConds []func() string // conditions on the whole contact
	rowDims := map[Dimension]bool{}  // dimensions filtered on the joined rows
	switch {
	case grouped[DimNeed]:
		q.WriteString(" LEFT JOIN contact_needs cn ON cn.contact_id = x.id LEFT JOIN need_categories n ON n.id = cn.need_category_id")
		keys[DimNeed] = "COALESCE(n.code, '" + Unknown + "')"
		keys[DimNeedMacro] = "COALESCE(n.macro_area, '" + Unknown + "')"
		rowDims[DimNeed], rowDims[DimNeedMacro] = true, true
	case grouped[DimNeedMacro]:
		q.WriteString(" LEFT JOIN (SELECT DISTINCT cn.contact_id, n.macro_area FROM contact_needs cn" +
			" JOIN need_categories n ON n.id = cn.need_category_id WHERE cn.contact_id IN (SELECT id FROM b)) nm ON nm.contact_id = x.id")
		keys[DimNeedMacro] = "COALESCE(nm.macro_area, '" + Unknown + "')"
		rowDims[DimNeedMacro] = true
	}
	for _, d := range []Dimension{DimNeed, DimNeedMacro} {
		if vs, ok := values[d]; ok && !rowDims[d] {
			col := map[Dimension]string{DimNeed: "n2.code", DimNeedMacro: "n2.macro_area"}[d]
			contactConds = append(contactConds, func() string {
				return anyOf(b, vs, "EXISTS (SELECT 1 FROM contact_needs cn2 JOIN need_categories n2 ON n2.id = cn2.need_category_id"+
					" WHERE cn2.contact_id = x.id AND "+col+" IN ", ")",
					"NOT EXISTS (SELECT 1 FROM contact_needs cn3 WHERE cn3.contact_id = x.id)", Unknown)
			})
		}
	}
	counts := "COUNT(*) AS n, SUM(CASE WHEN r.status IN ('PROPOSED', 'ACCEPTED') THEN 1 ELSE 0 END) AS n_open"
	if h.keyed {
		counts += ", SUM(r.record_key) AS rk"
		rel.refKey = "ref.rk"
	}
	counts += " FROM referrals r JOIN services s ON s.id = r.service_id WHERE r.contact_id IN (SELECT id FROM b)"
	svc := values[DimReferralService]
	switch {
	case rawReferrals:
		q.WriteString(" JOIN referrals r ON r.contact_id = x.id JOIN services s ON s.id = r.service_id")
		keys[DimReferralService] = "s.code"
		rowDims[DimReferralService] = true
	case grouped[DimReferralService]:
		q.WriteString(" LEFT JOIN (SELECT r.contact_id, s.code, " + counts + " GROUP BY r.contact_id, s.code) ref ON ref.contact_id = x.id")
		keys[DimReferralService] = "COALESCE(ref.code, '" + NoReferral + "')"
		rowDims[DimReferralService] = true
		rel.refCount, rel.refOpen = "ref.n", "ref.n_open"
	default:
		// Per contact; a service filter counts only those services' referrals.
		var only []string
		for _, v := range svc {
			if v != NoReferral {
				only = append(only, v)
			}
		}
		restrict := ""
		switch {
		case len(only) > 0:
			restrict = " AND s.code IN " + b.list(only)
		case len(svc) > 0:
			restrict = " AND 1 = 0" // NONE alone: no referral is counted
		}
		q.WriteString(" LEFT JOIN (SELECT r.contact_id, " + counts + restrict + " GROUP BY r.contact_id) ref ON ref.contact_id = x.id")
		rel.refCount, rel.refOpen = "ref.n", "ref.n_open"
		if len(svc) > 0 {
			contactConds = append(contactConds, func() string {
				var parts []string
				if len(only) > 0 {
					parts = append(parts, "ref.n IS NOT NULL")
				}
				if slices.Contains(svc, NoReferral) {
					parts = append(parts, "NOT EXISTS (SELECT 1 FROM referrals r3 WHERE r3.contact_id = x.id)")
				}
				return "(" + strings.Join(parts, " OR ") + ")"
			})
		}
	}

	// WHERE: the keys of single-valued dimensions and the joined rows, in
	// dimension order, then the conditions on whole contacts.
	var conds []string
	for _, d := range Dimension("").Values() {
		d := Dimension(d)
		vs, ok := values[d]
		if !ok || (d.multiValued() && !rowDims[d]) {
			continue
		}
		conds = append(conds, keys[d]+" IN "+b.list(vs))
	}
	for _, c := range contactConds {
		conds = append(conds, c())
	}
	rel.with, rel.from, rel.conds = h.with, q.String(), conds
	return rel
}

// anyOf writes "(EXISTS … IN (…) OR NOT EXISTS …)": the contact has one of
// the values, or, when the unknown key is among them, none at all.
func anyOf(b *binder, vals []string, prefix, suffix, none, unknown string) string {
	var known []string
	for _, v := range vals {
		if v != unknown {
			known = append(known, v)
		}
	}
	var parts []string
	if len(known) > 0 {
		parts = append(parts, prefix+b.list(known)+suffix)
	}
	if len(known) < len(vals) {
		parts = append(parts, none)
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// districtKeys turns displayed district names into the keys they group by.
func districtKeys(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		if v == Unknown {
			out[i] = v
		} else {
			out[i] = intakerule.DistrictKey(v)
		}
	}
	return out
}

// ageBandSQL is the AGE_BAND key of L2's row y, whose age is y.age: the
// bands of ageBandEnds, as AgeBandAt computes them.
var ageBandSQL = func() string {
	var b strings.Builder
	b.WriteString("CASE WHEN y.age IS NULL OR y.age < 0 THEN '" + Unknown + "'")
	for i, end := range ageBandEnds {
		fmt.Fprintf(&b, " WHEN y.age < %d THEN '%s'", end, AgeBands[i])
	}
	b.WriteString(" ELSE '" + AgeBands[len(ageBandEnds)] + "' END")
	return b.String()
}()

// singleKey is the SQL key of a single-valued dimension over L2's row y.
func singleKey(s dialectSQL, d Dimension, unit PeriodUnit) string {
	unk := "'" + Unknown + "'"
	switch d {
	case DimPeriod:
		return s.periodKey("y.lts", unit)
	case DimTargetArea:
		return "y.target_area"
	case DimISTATArea:
		return "CASE y.target_area WHEN 'ELDERLY' THEN '" + ISTATElderly + "' WHEN 'DISABILITY' THEN '" + ISTATDisabled +
			"' WHEN 'MINORS_FAMILIES' THEN '" + ISTATFamilyMinors + "' ELSE CASE WHEN y.mn_code = 'HLT_ADDICTION' THEN '" + ISTATAddiction +
			"' WHEN substr(y.mn_code, 1, 4) = 'MIG_' THEN '" + ISTATImmigrants + "' ELSE '" + ISTATPovertyAdult + "' END END"
	case DimMainNeed:
		return "COALESCE(y.mn_code, " + unk + ")"
	case DimAgeBand:
		return "COALESCE(y.erased_age_band, " + ageBandSQL + ")"
	case DimSex:
		return "COALESCE(y.ci_sex, y.anonymous_sex, " + unk + ")"
	case DimCitizenship:
		return "COALESCE(y.ci_citizenship, y.erased_citizenship, " + unk + ")"
	case DimDistrict:
		return "COALESCE(y.ci_district, y.erased_district_key, " + unk + ")"
	case DimChannel:
		return "y.channel"
	case DimRequester:
		return "y.requester"
	case DimOutcome:
		return "y.outcome"
	case DimOperator:
		return "COALESCE(y.op_email, " + unk + ")"
	case DimAccessType:
		return "CASE WHEN y.citizen_id IS NULL THEN '" + AccessAnonymous + "' WHEN y.is_first = 1 THEN '" + AccessFirst + "' ELSE '" + AccessReturn + "' END"
	}
	return unk
}
