package rollup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"

	"segretariato/internal/dimension"
	"segretariato/internal/sqlbind"
)

// recomputePage is the number of facts recompute reads at a time.
const recomputePage = 5000

// period is one cell period: a grain and its key, with its local dates
// [from, to) as YYYY-MM-DD.
type period struct {
	grain, key string
	from, to   string
}

func (p period) id() string { return p.grain + "|" + p.key }

func unitOf(grain string) dimension.PeriodUnit {
	if grain == GrainWeek {
		return dimension.Week
	}
	return dimension.Month
}

// parsePeriods reads the "grain|key" texts of analytics_pending, in order
// of their first date.
func parsePeriods(ps []string) []period {
	var out []period
	for _, s := range ps {
		g, k, ok := strings.Cut(s, "|")
		if !ok {
			continue
		}
		from, to, ok := dimension.PeriodBounds(unitOf(g), k)
		if !ok {
			continue
		}
		out = append(out, period{g, k, dimension.DayKey(from), dimension.DayKey(to)})
	}
	slices.SortFunc(out, func(a, b period) int { return strings.Compare(a.from+a.id(), b.from+b.id()) })
	return out
}

// sink receives the cells computed for one period.
type sink interface {
	period(ctx context.Context, c Conn, postgres bool, p period, cells map[cellKey]*cell) error
}

// writeSink replaces the period's stored cells.
type writeSink struct{}

func (writeSink) period(ctx context.Context, c Conn, postgres bool, p period, cells map[cellKey]*cell) error {
	b := &sqlbind.Binder{Postgres: postgres}
	if _, err := c.ExecContext(ctx, "DELETE FROM demand_cells WHERE grain = "+b.Arg(p.grain)+" AND period = "+b.Arg(p.key), b.Args...); err != nil {
		return err
	}
	list := make([]*cell, 0, len(cells))
	for _, x := range cells {
		list = append(list, x)
	}
	slices.SortFunc(list, func(a, b *cell) int { return cmpCell(a.k, b.k) })
	return writeCells(ctx, c, postgres, list, "")
}

// recompute computes the cells of the periods from the stored facts, in
// one pass over the facts of their dates in date order, holding the cells
// of the periods open at one date only, and hands each period's cells to
// s (a period without contacts gets none).
func recompute(ctx context.Context, c Conn, postgres bool, periods []period, s sink) error {
	dirty := map[string]bool{}
	for _, p := range periods {
		dirty[p.id()] = true
	}
	// The date ranges to read: the periods' dates, merged.
	type span struct{ from, to string }
	var spans []span
	for _, p := range periods {
		if n := len(spans); n > 0 && p.from <= spans[n-1].to {
			spans[n-1].to = max(spans[n-1].to, p.to)
			continue
		}
		spans = append(spans, span{p.from, p.to})
	}
	open := map[string]map[cellKey]*cell{} // period id → its cells
	byID := map[string]period{}
	for _, p := range periods {
		byID[p.id()] = p
	}
	done := map[string]bool{}
	flush := func(id string) error {
		done[id] = true
		cells := open[id]
		delete(open, id)
		return s.period(ctx, c, postgres, byID[id], cells)
	}
	flushBefore := func(day string) error {
		var ids []string
		for id := range open {
			if byID[id].to <= day {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			if err := flush(id); err != nil {
				return err
			}
		}
		return nil
	}
	add := func(f *fact) {
		f.contributions(func(k cellKey, sm sums) {
			id := k.grain + "|" + k.period
			if !dirty[id] {
				return
			}
			cells := open[id]
			if cells == nil {
				cells = map[cellKey]*cell{}
				open[id] = cells
			}
			x := cells[k]
			if x == nil {
				x = &cell{k: k, citizens: roaring.New()}
				cells[k] = x
			}
			x.s.add(sm, 1)
			if f.citizenID != nil {
				x.citizens.Add(CitizenNumber(*f.citizenID))
			}
		})
	}
	for _, sp := range spans {
		// Pages of facts in (day, id) order, each read whole before the
		// cells it completes are written: a connection cannot write while
		// it streams rows (PostgreSQL).
		lastDay, lastID := sp.from, -1
		for {
			b := &sqlbind.Binder{Postgres: postgres}
			// A row-value bound, so that each page is a range of the
			// (day, id) index, not a scan from the span's start.
			q := "SELECT " + strings.Join(factColumns, ", ") + " FROM contact_facts WHERE (day, id) > (" + b.Arg(lastDay) + ", " + b.Arg(lastID) +
				") AND day < " + b.Arg(sp.to) + " ORDER BY day, id LIMIT " + b.Arg(recomputePage)
			var page []*fact
			err := Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
				f, err := scanFact(scan)
				if err == nil {
					page = append(page, f)
				}
				return err
			})
			if err != nil {
				return err
			}
			for i, f := range page {
				if i == 0 || page[i-1].day != f.day {
					if err := flushBefore(f.day); err != nil {
						return err
					}
				}
				add(f)
			}
			if len(page) < recomputePage {
				break
			}
			lastDay, lastID = page[len(page)-1].day, page[len(page)-1].id
		}
		if err := flushBefore(sp.to); err != nil {
			return err
		}
	}
	for _, p := range periods {
		if !done[p.id()] {
			if err := flush(p.id()); err != nil {
				return err
			}
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("rollup: periods left open")
	}
	return nil
}

func join(ts []string) string { return strings.Join(ts, ", ") }
