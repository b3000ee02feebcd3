package analytics_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/dimension"
)

// funnelFigures are a funnel row's counts and medians as the model and
// the engine give them.
type funnelFigures struct {
	N                    [5]int
	ToAccept, ToComplete string
}

// funnelModel is the referral funnel computed from the referrals as ent
// reads them, with Go's time zone data: per service and period (unit
// MONTH or WEEK) of the contact's local date in the filter's range, and
// of the services allowed (all when none is).
func funnelModel(t *testing.T, f *fx, unit dimension.PeriodUnit, filter analytics.Filter) map[string]funnelFigures {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	day := func(at time.Time) time.Time {
		l := at.In(rome)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	}
	refs, err := f.c.Referral.Query().WithContact().WithService().All(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	type group struct {
		n             [5]int
		toAcc, toComp []int
	}
	groups := map[string]*group{}
	st := func(s schematype.ReferralStatus) string { return string(s) }
	for _, r := range refs {
		d := day(r.Edges.Contact.OccurredAt)
		key := d.Format(time.DateOnly)
		if filter.From != nil && key < filter.From.Format(time.DateOnly) || filter.To != nil && key >= filter.To.Format(time.DateOnly) {
			continue
		}
		if allowed := filter.Values[dimension.ReferralService]; len(allowed) > 0 && !slices.Contains(allowed, r.Edges.Service.Code) {
			continue
		}
		period := d.Format("2006-01")
		if unit == dimension.Week {
			y, w := d.ISOWeek()
			period = fmt.Sprintf("%d-W%02d", y, w)
		}
		k := r.Edges.Service.Code + "|" + period
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
		}
		reached := func(at *time.Time, statuses ...string) int {
			if at != nil || slices.Contains(statuses, st(r.Status)) {
				return 1
			}
			return 0
		}
		g.n[0]++
		g.n[1] += reached(r.AcceptedAt, "ACCEPTED", "COMPLETED")
		g.n[2] += reached(r.DeclinedAt, "DECLINED")
		g.n[3] += reached(r.CompletedAt, "COMPLETED")
		g.n[4] += reached(r.CancelledAt, "CANCELLED")
		if r.AcceptedAt != nil {
			g.toAcc = append(g.toAcc, int(day(*r.AcceptedAt).Sub(d).Hours()/24))
		}
		if r.CompletedAt != nil {
			g.toComp = append(g.toComp, int(day(*r.CompletedAt).Sub(d).Hours()/24))
		}
	}
	median := func(xs []int) string {
		if len(xs) == 0 {
			return "none"
		}
		slices.Sort(xs)
		n := len(xs)
		return fmt.Sprint(float64(xs[(n-1)/2]+xs[n/2]) / 2)
	}
	out := map[string]funnelFigures{}
	for k, g := range groups {
		out[k] = funnelFigures{g.n, median(g.toAcc), median(g.toComp)}
	}
	return out
}

// funnelOf is the engine's funnel in the model's shape.
func funnelOf(rows []analytics.FunnelRow) map[string]funnelFigures {
	out := map[string]funnelFigures{}
	m := func(p *float64) string {
		if p == nil {
			return "none"
		}
		return fmt.Sprint(*p)
	}
	for _, r := range rows {
		out[r.Service+"|"+r.Period] = funnelFigures{[5]int{val(r.Proposed), val(r.Accepted), val(r.Declined), val(r.Completed), val(r.Cancelled)},
			m(r.MedianDaysToAcceptance), m(r.MedianDaysToCompletion)}
	}
	return out
}

// checkFunnel compares the engine's funnel with the model's.
func checkFunnel(t *testing.T, f *fx, eng *analytics.Engine, unit dimension.PeriodUnit, filter analytics.Filter, after string) {
	t.Helper()
	rows, err := eng.Funnel(f.ctx, unit, filter, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(funnelModel(t, f, unit, filter), funnelOf(rows)); diff != "" {
		t.Fatalf("after %s, funnel by %s %+v (-model +engine):\n%s", after, unit, filter, diff)
	}
}
