package analytics

import (
	"context"
	"slices"
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

// accum adds up the cells and facts of one answer cell.
type accum struct {
	keys     []string
	c        counts
	ks       keySums
	citizens *roaring.Bitmap
}

func newAccum(keys []string) *accum { return &accum{keys: keys, citizens: roaring.New()} }

// cellRows answers a standard pivot: the stored cells of the whole weeks
// (unit WEEK) or months (any other unit) of the range, one statement, and
// the facts of the days at its edges, one more; the citizens of an answer
// cell are the union of its cells' citizen sets.
func (e *Engine) cellRows(ctx context.Context, groupBy []dimension.Dimension, unit dimension.PeriodUnit, days dayRange, keyed bool) ([]row, row, error) {
	withPeriod := slices.Contains(groupBy, dimension.Period)
	var dim dimension.Dimension
	for _, d := range groupBy {
		if d != dimension.Period {
			dim = d
		}
	}
	grain, gunit := rollup.GrainMonth, dimension.Month
	if withPeriod && unit == dimension.Week {
		grain, gunit = rollup.GrainWeek, dimension.Week
	}
	// The whole periods of the grain inside the range, and the edges.
	parse := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	iFrom, iTo := days.from, days.to
	if days.from != "" {
		d := parse(days.from)
		s := dimension.PeriodStart(gunit, d)
		if !s.Equal(d) {
			s = dimension.PeriodEnd(gunit, d)
		}
		iFrom = dimension.DayKey(s)
	}
	if days.to != "" {
		iTo = dimension.DayKey(dimension.PeriodStart(gunit, parse(days.to)))
	}
	var edges []dayRange
	interior := iFrom == "" || iTo == "" || iFrom < iTo
	switch {
	case !interior:
		edges = append(edges, days)
	default:
		if days.from != "" && days.from < iFrom {
			edges = append(edges, dayRange{days.from, iFrom})
		}
		if days.to != "" && iTo < days.to {
			edges = append(edges, dayRange{iTo, days.to})
		}
	}

	acc := map[string]*accum{}
	total := newAccum(nil)
	cellOf := func(bucket, key string) *accum {
		id := bucket + "\x00" + key
		a := acc[id]
		if a == nil {
			keys := make([]string, len(groupBy))
			for i, d := range groupBy {
				if d == dimension.Period {
					keys[i] = bucket
				} else {
					keys[i] = key
				}
			}
			a = newAccum(keys)
			acc[id] = a
		}
		return a
	}
	grouped := len(groupBy) > 0
	b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}

	if interior {
		q := "SELECT period, dim, key, contacts, new_citizens, referrals, contacts_key, new_key, referrals_key, citizens" +
			" FROM demand_cells WHERE grain = " + b.Arg(grain) + " AND dim IN (" + b.Arg(string(dim)) + ", '')"
		if iFrom != "" {
			q += " AND period >= " + b.Arg(dimension.PeriodKey(gunit, parse(iFrom)))
		}
		if iTo != "" {
			q += " AND period < " + b.Arg(dimension.PeriodKey(gunit, parse(iTo)))
		}
		err := e.rows(ctx, q, b.Args, func(scan func(...any) error) error {
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
			if withPeriod {
				bucket = period
				if grain == rollup.GrainMonth && unit != dimension.Month {
					bucket = dimension.PeriodKey(unit, parse(period+"-01"))
				}
			}
			targets := []*accum{}
			if d == "" {
				targets = append(targets, total)
				if dim == "" && grouped {
					targets = append(targets, cellOf(bucket, ""))
				}
			} else {
				targets = append(targets, cellOf(bucket, key))
			}
			for _, a := range targets {
				a.add(c, ks, bm)
			}
			return nil
		})
		if err != nil {
			return nil, row{}, err
		}
	}

	if len(edges) > 0 {
		b := &sqlbind.Binder{Postgres: e.sqlFor().postgres}
		keyExpr, refs, refsKey, join := "''", "x.referrals", "x.referrals_key", ""
		if dim != "" {
			decl := dimension.Of(dim)
			if decl.Multi() {
				join = " JOIN contact_fact_values v ON v.contact_id = x.id AND v.dim = '" + string(dim) + "'"
				keyExpr = "v.key"
				if decl.OwnReferrals {
					refs, refsKey = "v.referrals", "v.referrals_key"
				}
			} else {
				keyExpr = "x." + dim.Column()
			}
		}
		var ors []string
		for _, r := range edges {
			ors = append(ors, "(x.day >= "+b.Arg(r.from)+" AND x.day < "+b.Arg(r.to)+")")
		}
		q := "SELECT x.id, x." + unit.Column() + ", " + keyExpr + ", x.citizen_id, x.is_first, x.record_key, COALESCE(x.citizen_key, 0), " +
			refs + ", " + refsKey + ", x.referrals, x.referrals_key FROM contact_facts x" + join + " WHERE " + strings.Join(ors, " OR ")
		seen := map[int]bool{}
		err := e.rows(ctx, q, b.Args, func(scan func(...any) error) error {
			var id, isFirst, rk, ciKey, n, nk, tn, tnk int
			var bucket, key string
			var citizen *int
			if err := scan(&id, &bucket, &key, &citizen, &isFirst, &rk, &ciKey, &n, &nk, &tn, &tnk); err != nil {
				return err
			}
			if !withPeriod {
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
					a.citizens.Add(rollup.CitizenNumber(*citizen))
				}
			}
			if grouped {
				one(cellOf(bucket, key), n, nk)
			}
			if !seen[id] {
				seen[id] = true
				one(total, tn, tnk)
			}
			return nil
		})
		if err != nil {
			return nil, row{}, err
		}
	}

	all := make([]*accum, 0, len(acc)+1)
	for _, a := range acc {
		all = append(all, a)
	}
	all = append(all, total)
	var sums []int64
	if keyed {
		bms := make([]*roaring.Bitmap, len(all))
		for i, a := range all {
			bms[i] = a.citizens
		}
		var err error
		if sums, err = e.citizenKeySums(ctx, bms); err != nil {
			return nil, row{}, err
		}
	}
	rows := make([]row, len(all))
	for i, a := range all {
		rows[i] = row{keys: a.keys, c: a.c, ks: a.ks}
		rows[i].c[mCitizens] = int(a.citizens.GetCardinality())
		if keyed {
			rows[i].ks[mCitizens] = sums[i]
		}
	}
	return rows[:len(rows)-1], rows[len(rows)-1], nil
}

func (a *accum) add(c counts, ks keySums, citizens *roaring.Bitmap) {
	for i := range c {
		a.c[i] += c[i]
		a.ks[i] += ks[i]
	}
	a.citizens.Or(citizens)
}
