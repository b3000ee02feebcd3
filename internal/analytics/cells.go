package analytics

import (
	"context"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"segretariato/internal/dimension"
	"segretariato/internal/rollup"
	"segretariato/internal/sqlbind"
)

// standard reports whether an answer is a standard pivot, which the cells
// kept per week and month answer (internal/rollup): the period and at most
// one other dimension, and no filter but the dates.
func standard(groupBy []dimension.Dimension, f Filter) bool {
	for _, ks := range f.Values {
		if len(ks) > 0 {
			return false
		}
	}
	other := 0
	for _, d := range groupBy {
		if d != dimension.Period {
			other++
		}
	}
	return other <= 1
}

// accum adds up the cells and facts of one answer cell: the figures, and
// the citizen sets to union, read-only (the stored cells' sets, or their
// union so far, and the set of the edge days' facts).
type accum struct {
	keys  []string
	c     counts
	ks    keySums
	sets  []*roaring.Bitmap
	edges *roaring.Bitmap // the citizens of the edge days' facts, or nil
}

func newAccum(keys []string) *accum { return &accum{keys: keys} }

// foldSets is how many citizen sets an answer cell holds before they are
// unioned into one: a union of many sets in one pass (roaring.FastOr)
// is cheaper than one at a time, and folding as the rows arrive overlaps
// the work with the database's sending the next ones.
const foldSets = 8

// citizens is the union of the cell's citizen sets, in one pass over
// them all (a set alone is not copied: the result is read-only).
func (a *accum) citizens() *roaring.Bitmap {
	sets := a.sets
	if a.edges != nil {
		sets = append(sets, a.edges)
	}
	switch len(sets) {
	case 0:
		return roaring.New()
	case 1:
		return sets[0]
	}
	return roaring.FastOr(sets...)
}

// pivot is a standard pivot being answered: its shape, and its answer
// cells (by period bucket and key) and total as they add up.
type pivot struct {
	groupBy    []dimension.Dimension
	unit       dimension.PeriodUnit
	dim        dimension.Dimension // the dimension besides PERIOD, or ""
	withPeriod bool
	grain      string               // the cells read: GrainWeek for WEEK, else GrainMonth
	gunit      dimension.PeriodUnit // the grain's unit
	acc        map[string]*accum
	total      *accum
}

func newPivot(groupBy []dimension.Dimension, unit dimension.PeriodUnit) *pivot {
	p := &pivot{groupBy: groupBy, unit: unit, grain: rollup.GrainMonth, gunit: dimension.Month,
		acc: map[string]*accum{}, total: newAccum(nil)}
	for _, d := range groupBy {
		if d == dimension.Period {
			p.withPeriod = true
		} else {
			p.dim = d
		}
	}
	if p.withPeriod && unit == dimension.Week {
		p.grain, p.gunit = rollup.GrainWeek, dimension.Week
	}
	return p
}

// cell is the answer cell of a period bucket ("" without PERIOD) and key.
func (p *pivot) cell(bucket, key string) *accum {
	id := bucket + "\x00" + key
	a := p.acc[id]
	if a == nil {
		keys := make([]string, len(p.groupBy))
		for i, d := range p.groupBy {
			if d == dimension.Period {
				keys[i] = bucket
			} else {
				keys[i] = key
			}
		}
		a = newAccum(keys)
		p.acc[id] = a
	}
	return a
}

func parseDay(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// split divides a range into the whole periods of unit inside it
// ([from, to) of local dates, either open) and the edge days around them.
// ok is false when no whole period fits: the whole range is then an edge.
func split(days dayRange, unit dimension.PeriodUnit) (whole dayRange, edges []dayRange, ok bool) {
	whole = days
	if days.from != "" {
		d := parseDay(days.from)
		s := dimension.PeriodStart(unit, d)
		if !s.Equal(d) {
			s = dimension.PeriodEnd(unit, d)
		}
		whole.from = dimension.DayKey(s)
	}
	if days.to != "" {
		whole.to = dimension.DayKey(dimension.PeriodStart(unit, parseDay(days.to)))
	}
	if whole.from != "" && whole.to != "" && whole.from >= whole.to {
		return whole, []dayRange{days}, false
	}
	if days.from != "" && days.from < whole.from {
		edges = append(edges, dayRange{days.from, whole.from})
	}
	if days.to != "" && whole.to < days.to {
		edges = append(edges, dayRange{whole.to, days.to})
	}
	return whole, edges, true
}

// cellRows answers a standard pivot: the stored cells of the whole weeks
// (unit WEEK) or months (any other unit) of the range, one statement, and
// the facts of the days at its edges, one more; the citizens of an answer
// cell are the union of its cells' citizen sets.
func (e *Engine) cellRows(ctx context.Context, groupBy []dimension.Dimension, unit dimension.PeriodUnit, days dayRange, keyed bool) ([]row, row, error) {
	p := newPivot(groupBy, unit)
	whole, edges, ok := split(days, p.gunit)
	if ok {
		if err := e.addCells(ctx, p, whole); err != nil {
			return nil, row{}, err
		}
	}
	if len(edges) > 0 {
		if err := e.addEdges(ctx, p, edges); err != nil {
			return nil, row{}, err
		}
	}
	all := make([]*accum, 0, len(p.acc)+1)
	for _, a := range p.acc {
		all = append(all, a)
	}
	all = append(all, p.total)
	bms := make([]*roaring.Bitmap, len(all))
	for i, a := range all {
		bms[i] = a.citizens()
	}
	var sums []int64
	if keyed {
		var err error
		if sums, err = e.citizenKeySums(ctx, bms); err != nil {
			return nil, row{}, err
		}
	}
	rows := make([]row, len(all))
	for i, a := range all {
		rows[i] = row{keys: a.keys, c: a.c, ks: a.ks}
		rows[i].c[mCitizens] = int(bms[i].GetCardinality())
		if keyed {
			rows[i].ks[mCitizens] = sums[i]
		}
	}
	return rows[:len(rows)-1], rows[len(rows)-1], nil
}

// addCells adds the stored cells of the whole periods of the pivot's grain
// in the range: of its dimension, and of all contacts (the total).
func (e *Engine) addCells(ctx context.Context, p *pivot, whole dayRange) error {
	b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}
	q := "SELECT period, dim, key, contacts, new_citizens, referrals, contacts_key, new_key, referrals_key, citizens" +
		" FROM demand_cells WHERE grain = " + b.Arg(p.grain) + " AND dim IN (" + b.Arg(string(p.dim)) + ", '')"
	if whole.from != "" {
		q += " AND period >= " + b.Arg(dimension.PeriodKey(p.gunit, parseDay(whole.from)))
	}
	if whole.to != "" {
		q += " AND period < " + b.Arg(dimension.PeriodKey(p.gunit, parseDay(whole.to)))
	}
	return e.rows(ctx, q, b.Args, func(scan func(...any) error) error {
		var period, d, key string
		var c counts
		var ks keySums
		var data []byte
		if err := scan(&period, &d, &key, &c[mContacts], &c[mNewCitizens], &c[mReferrals],
			&ks[mContacts], &ks[mNewCitizens], &ks[mReferrals], &data); err != nil {
			return err
		}
		bm, err := rollup.Decode(data)
		if err != nil {
			return err
		}
		bucket := ""
		if p.withPeriod {
			bucket = period
			if p.grain == rollup.GrainMonth && p.unit != dimension.Month {
				bucket = dimension.PeriodKey(p.unit, parseDay(period+"-01"))
			}
		}
		switch {
		case d != "":
			p.cell(bucket, key).add(c, ks, bm)
		case p.dim == "" && len(p.groupBy) > 0: // grouped by PERIOD alone
			p.cell(bucket, "").add(c, ks, bm)
			p.total.add(c, ks, bm)
		default:
			p.total.add(c, ks, bm)
		}
		return nil
	})
}

// addEdges adds the facts of the edge days, each contact once to the
// total.
func (e *Engine) addEdges(ctx context.Context, p *pivot, edges []dayRange) error {
	b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}
	keyExpr, refs, refsKey, join := "''", "x.referrals", "x.referrals_key", ""
	if p.dim != "" {
		decl := dimension.Of(p.dim)
		if decl.Multi() {
			join = " JOIN contact_fact_values v ON v.contact_id = x.id AND v.dim = '" + string(p.dim) + "'"
			keyExpr = "v.key"
			if decl.OwnReferrals {
				refs, refsKey = "v.referrals", "v.referrals_key"
			}
		} else {
			keyExpr = "x." + p.dim.Column()
		}
	}
	var ors []string
	for _, r := range edges {
		ors = append(ors, "(x.day >= "+b.Arg(r.from)+" AND x.day < "+b.Arg(r.to)+")")
	}
	q := "SELECT x.id, x." + p.unit.Column() + ", " + keyExpr + ", x.citizen_id, x.is_first, x.record_key, COALESCE(x.citizen_key, 0), " +
		refs + ", " + refsKey + ", x.referrals, x.referrals_key FROM contact_facts x" + join + " WHERE " + strings.Join(ors, " OR ")
	seen := map[int]bool{}
	return e.rows(ctx, q, b.Args, func(scan func(...any) error) error {
		var id, isFirst, rk, ciKey, n, nk, tn, tnk int
		var bucket, key string
		var citizen *int
		if err := scan(&id, &bucket, &key, &citizen, &isFirst, &rk, &ciKey, &n, &nk, &tn, &tnk); err != nil {
			return err
		}
		if !p.withPeriod {
			bucket = ""
		}
		one := func(a *accum, refs, refsKey int) {
			a.c[mContacts]++
			a.c[mNewCitizens] += isFirst
			a.c[mReferrals] += refs
			a.ks[mContacts] += int64(rk)
			a.ks[mNewCitizens] += int64(isFirst * ciKey)
			a.ks[mReferrals] += int64(refsKey)
			if citizen != nil {
				if a.edges == nil {
					a.edges = roaring.New()
				}
				a.edges.Add(rollup.CitizenNumber(*citizen))
			}
		}
		if len(p.groupBy) > 0 {
			one(p.cell(bucket, key), n, nk)
		}
		if !seen[id] {
			seen[id] = true
			one(p.total, tn, tnk)
		}
		return nil
	})
}

func (a *accum) add(c counts, ks keySums, citizens *roaring.Bitmap) {
	for i := range c {
		a.c[i] += c[i]
		a.ks[i] += ks[i]
	}
	a.sets = append(a.sets, citizens)
	if len(a.sets) == foldSets {
		a.sets = append(a.sets[:0], roaring.FastOr(a.sets...))
	}
}
