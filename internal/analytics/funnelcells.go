package analytics

import (
	"context"
	"maps"
	"slices"
	"strings"

	"segretariato/internal/apperr"
	"segretariato/internal/dimension"
	"segretariato/internal/rollup"
	"segretariato/internal/sqlbind"
)

// funnelAccum adds up the funnel cells and referrals' facts of one row.
type funnelAccum struct {
	raw                        funnelRaw
	toAcceptance, toCompletion map[int]int64
}

// funnelFromCells counts the funnel of a range of days: the funnel cells
// of its whole weeks (unit WEEK) or months (any other unit), and the
// referrals' facts of the days at its edges. The key sums are read only
// when suppress asks for them.
func (e *Engine) funnelFromCells(ctx context.Context, unit dimension.PeriodUnit, days dayRange, codes map[int]string, suppress bool) (*funnelSums, error) {
	grain, gunit := rollup.GrainMonth, dimension.Month
	if unit == dimension.Week {
		grain, gunit = rollup.GrainWeek, dimension.Week
	}
	acc := map[funnelKey]*funnelAccum{}
	row := func(service int, bucket string) (*funnelAccum, error) {
		code, ok := codes[service]
		if !ok { // services are never deleted while referred
			return nil, apperr.New(apperr.Internal, "internal error")
		}
		k := funnelKey{code, bucket}
		a := acc[k]
		if a == nil {
			a = &funnelAccum{toAcceptance: map[int]int64{}, toCompletion: map[int]int64{}}
			acc[k] = a
		}
		return a, nil
	}
	s := e.sqlFor()
	whole, edges, ok := split(days, gunit)
	if ok {
		b := &sqlbind.Binder{Postgres: s.postgres}
		cols := []string{"service_id", "period"}
		for _, st := range rollup.FunnelSteps {
			cols = append(cols, st)
		}
		for _, st := range rollup.FunnelSteps {
			if suppress {
				cols = append(cols, st+"_key")
			} else {
				cols = append(cols, "0")
			}
		}
		q := "SELECT " + strings.Join(cols, ", ") + ", to_acceptance, to_completion FROM funnel_cells WHERE grain = " + b.Arg(grain)
		if whole.from != "" {
			q += " AND period >= " + b.Arg(dimension.PeriodKey(gunit, parseDay(whole.from)))
		}
		if whole.to != "" {
			q += " AND period < " + b.Arg(dimension.PeriodKey(gunit, parseDay(whole.to)))
		}
		err := e.rows(ctx, q, b.Args, func(scan func(...any) error) error {
			var service int
			var period, toAcc, toComp string
			var n [5]int
			var ks [5]int64
			if err := scan(&service, &period, &n[0], &n[1], &n[2], &n[3], &n[4], &ks[0], &ks[1], &ks[2], &ks[3], &ks[4], &toAcc, &toComp); err != nil {
				return err
			}
			bucket := period
			if grain == rollup.GrainMonth && unit != dimension.Month {
				bucket = dimension.PeriodKey(unit, parseDay(period+"-01"))
			}
			a, err := row(service, bucket)
			if err != nil {
				return err
			}
			for i := range n {
				a.raw.n[i] += n[i]
				a.raw.keys[i] += ks[i]
			}
			if err := rollup.DecodeDays(toAcc, a.toAcceptance); err != nil {
				return err
			}
			return rollup.DecodeDays(toComp, a.toCompletion)
		})
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "internal error")
		}
	}
	if len(edges) > 0 {
		b := &sqlbind.Binder{Postgres: s.postgres}
		var ors []string
		for _, r := range edges {
			ors = append(ors, "(day >= "+b.Arg(r.from)+" AND day < "+b.Arg(r.to)+")")
		}
		q := "SELECT service_id, " + unit.Column() + ", accepted, declined, completed, cancelled, record_key, days_to_acceptance, days_to_completion" +
			" FROM referral_facts WHERE " + strings.Join(ors, " OR ")
		err := e.rows(ctx, q, b.Args, func(scan func(...any) error) error {
			var service, rk int
			var bucket string
			var steps [4]int
			var toAcc, toComp *int
			if err := scan(&service, &bucket, &steps[0], &steps[1], &steps[2], &steps[3], &rk, &toAcc, &toComp); err != nil {
				return err
			}
			a, err := row(service, bucket)
			if err != nil {
				return err
			}
			if !suppress {
				rk = 0
			}
			for i, st := range append([]int{1}, steps[:]...) {
				a.raw.n[i] += st
				a.raw.keys[i] += int64(st * rk)
			}
			if toAcc != nil {
				a.toAcceptance[*toAcc]++
			}
			if toComp != nil {
				a.toCompletion[*toComp]++
			}
			return nil
		})
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "internal error")
		}
	}
	fs := newFunnelSums()
	for _, k := range slices.SortedFunc(maps.Keys(acc), func(a, b funnelKey) int {
		return strings.Compare(a.service+"|"+a.period, b.service+"|"+b.period)
	}) {
		a := acc[k]
		fs.order = append(fs.order, k)
		fs.byKey[k] = &a.raw
		if m, ok := medianDays(a.toAcceptance); ok {
			fs.medians[1][k] = m
		}
		if m, ok := medianDays(a.toCompletion); ok {
			fs.medians[2][k] = m
		}
	}
	return fs, nil
}

// medianDays is the median of counts per number of days: the middle
// value, or the mean of the two middle ones; ok is false when there is
// none.
func medianDays(m map[int]int64) (float64, bool) {
	var total int64
	for _, n := range m {
		total += n
	}
	if total <= 0 {
		return 0, false
	}
	lo, hi := (total+1)/2, (total+2)/2 // 1-based ranks
	var seen int64
	var a, b int
	for _, d := range slices.Sorted(maps.Keys(m)) {
		next := seen + m[d]
		if seen < lo && lo <= next {
			a = d
		}
		if seen < hi && hi <= next {
			b = d
			break
		}
		seen = next
	}
	return float64(a+b) / 2, true
}
