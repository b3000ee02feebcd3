package rollup

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"segretariato/internal/sqlbind"
)

// The funnel cells: per ISO week and per month of the contacts' local
// dates and per service, the sums of the referrals' facts (funnel_cells).
// They change by the difference between the facts before and after
// (refreshReferrals), like the demand cells; Rebuild and Verify compute
// them from the referrals' facts.

// FunnelSteps are the funnel's counts, in the order of a funnel cell's:
// the referrals, then those that reached each step.
var FunnelSteps = []string{"proposed", "accepted", "declined", "completed", "cancelled"}

// funnelCell is a funnel cell, or a change to one.
type funnelCell struct {
	grain, period string
	service       int
	n, keys       [5]int64
	// toAcceptance and toCompletion count the referrals per number of
	// days from the contact to the step.
	toAcceptance, toCompletion map[int]int64
}

func funnelID(grain, period string, service int) string {
	return grain + "|" + period + "|" + itoa(service)
}

func (x *funnelCell) id() string { return funnelID(x.grain, x.period, x.service) }

// contribute adds the fact, with sign, to its cells in m.
func (f *referralFact) contribute(m map[string]*funnelCell, sign int64) {
	steps := [5]int{1, f.accepted, f.declined, f.completed, f.cancelled}
	for _, g := range grains {
		p := f.periods[periodIndex(g.unit)]
		id := funnelID(g.grain, p, f.service)
		x := m[id]
		if x == nil {
			x = &funnelCell{grain: g.grain, period: p, service: f.service, toAcceptance: map[int]int64{}, toCompletion: map[int]int64{}}
			m[id] = x
		}
		for i, s := range steps {
			x.n[i] += sign * int64(s)
			x.keys[i] += sign * int64(s*f.rk)
		}
		if f.toAcceptance != nil {
			x.toAcceptance[*f.toAcceptance] += sign
		}
		if f.toCompletion != nil {
			x.toCompletion[*f.toCompletion] += sign
		}
	}
}

// add adds the change d to x.
func (x *funnelCell) add(d *funnelCell) {
	for i := range x.n {
		x.n[i] += d.n[i]
		x.keys[i] += d.keys[i]
	}
	for days, n := range d.toAcceptance {
		x.toAcceptance[days] += n
	}
	for days, n := range d.toCompletion {
		x.toCompletion[days] += n
	}
}

// EncodeDays writes counts per number of days as "days:count" pairs in
// order of days, without the zero counts.
func EncodeDays(m map[int]int64) string {
	var b strings.Builder
	for _, d := range slices.Sorted(maps.Keys(m)) {
		if m[d] == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(d) + ":" + strconv.FormatInt(m[d], 10))
	}
	return b.String()
}

// DecodeDays reads what EncodeDays wrote, adding to m.
func DecodeDays(s string, m map[int]int64) error {
	if s == "" {
		return nil
	}
	for _, pair := range strings.Split(s, ",") {
		d, n, ok := strings.Cut(pair, ":")
		days, err1 := strconv.Atoi(d)
		count, err2 := strconv.ParseInt(n, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("rollup: bad days %q", pair)
		}
		m[days] += count
	}
	return nil
}

// funnelColumns are the columns of funnel_cells.
var funnelColumns = func() []string {
	cols := []string{"id", "grain", "period", "service_id"}
	for _, s := range FunnelSteps {
		cols = append(cols, s, s+"_key")
	}
	return append(cols, "to_acceptance", "to_completion")
}()

func (x *funnelCell) row() []any {
	vals := []any{x.id(), x.grain, x.period, x.service}
	for i := range x.n {
		vals = append(vals, x.n[i], x.keys[i])
	}
	return append(vals, EncodeDays(x.toAcceptance), EncodeDays(x.toCompletion))
}

// readFunnelCells reads the cells a query of funnelColumns selects.
func readFunnelCells(ctx context.Context, c Conn, q string, args []any) (map[string]*funnelCell, error) {
	out := map[string]*funnelCell{}
	err := Each(ctx, c, q, args, func(scan func(...any) error) error {
		x := &funnelCell{toAcceptance: map[int]int64{}, toCompletion: map[int]int64{}}
		var id, acc, comp string
		dst := []any{&id, &x.grain, &x.period, &x.service}
		for i := range x.n {
			dst = append(dst, &x.n[i], &x.keys[i])
		}
		if err := scan(append(dst, &acc, &comp)...); err != nil {
			return err
		}
		if err := DecodeDays(acc, x.toAcceptance); err != nil {
			return err
		}
		if err := DecodeDays(comp, x.toCompletion); err != nil {
			return err
		}
		out[id] = x
		return nil
	})
	return out, err
}

func writeFunnelCells(ctx context.Context, c Conn, postgres bool, cells []*funnelCell, suffix string) error {
	return insertRows(ctx, c, postgres, "funnel_cells", funnelColumns, len(cells), func(i int) []any { return cells[i].row() }, suffix)
}

var upsertFunnel = func() string {
	var sets []string
	for _, col := range funnelColumns[1:] {
		sets = append(sets, col+" = excluded."+col)
	}
	return " ON CONFLICT (id) DO UPDATE SET " + strings.Join(sets, ", ")
}()

// applyFunnel writes the changes d into the stored funnel cells, locked
// first in id order on PostgreSQL (a new one through a placeholder row),
// as apply does for the demand cells; the caller holds the cells' shared
// lock (process).
func applyFunnel(ctx context.Context, c Conn, postgres bool, d map[string]*funnelCell) error {
	ids := slices.Sorted(maps.Keys(d))
	if len(ids) == 0 {
		return nil
	}
	return chunks(ids, 500, func(part []string) error {
		if postgres {
			ph := make([]*funnelCell, len(part))
			for i, id := range part {
				x := d[id]
				ph[i] = &funnelCell{grain: x.grain, period: x.period, service: x.service}
			}
			if err := writeFunnelCells(ctx, c, postgres, ph, " ON CONFLICT (id) DO NOTHING"); err != nil {
				return err
			}
		}
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT " + strings.Join(funnelColumns, ", ") + " FROM funnel_cells WHERE id IN " + sqlbind.In(b, part) + " ORDER BY id"
		if postgres {
			q += " FOR UPDATE"
		}
		stored, err := readFunnelCells(ctx, c, q, b.Args)
		if err != nil {
			return err
		}
		var write []*funnelCell
		var drop []string
		for _, id := range part {
			x := stored[id]
			if x == nil {
				x = &funnelCell{grain: d[id].grain, period: d[id].period, service: d[id].service,
					toAcceptance: map[int]int64{}, toCompletion: map[int]int64{}}
			}
			x.add(d[id])
			if x.n[0] <= 0 {
				if stored[id] != nil {
					drop = append(drop, id)
				}
				continue
			}
			write = append(write, x)
		}
		if len(drop) > 0 {
			b := &sqlbind.Binder{Postgres: postgres}
			q := "DELETE FROM funnel_cells WHERE id IN " + sqlbind.In(b, drop)
			if _, err := c.ExecContext(ctx, q, b.Args...); err != nil {
				return err
			}
		}
		return writeFunnelCells(ctx, c, postgres, write, upsertFunnel)
	})
}

// funnelFromFacts computes every funnel cell from the stored referrals'
// facts, a page at a time.
func funnelFromFacts(ctx context.Context, c Conn, postgres bool) (map[string]*funnelCell, error) {
	out := map[string]*funnelCell{}
	last := -1
	for {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT " + strings.Join(referralColumns, ", ") + " FROM referral_facts WHERE id > " + b.Arg(last) +
			" ORDER BY id LIMIT " + b.Arg(recomputePage)
		n := 0
		err := Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			f := &referralFact{}
			if err := scan(f.scanDest()...); err != nil {
				return err
			}
			f.contribute(out, 1)
			last, n = f.id, n+1
			return nil
		})
		if err != nil {
			return nil, err
		}
		if n < recomputePage {
			return out, nil
		}
	}
}

// rebuildFunnel writes every funnel cell from the referrals' facts, the
// stored cells being gone (Rebuild).
func rebuildFunnel(ctx context.Context, c Conn, postgres bool) error {
	cells, err := funnelFromFacts(ctx, c, postgres)
	if err != nil {
		return err
	}
	list := make([]*funnelCell, 0, len(cells))
	for _, id := range slices.Sorted(maps.Keys(cells)) {
		list = append(list, cells[id])
	}
	return writeFunnelCells(ctx, c, postgres, list, "")
}

// verifyFunnel compares the stored funnel cells with a computation from
// the referrals' facts (Verify).
func verifyFunnel(ctx context.Context, c Conn, postgres bool, rep *VerifyReport) error {
	want, err := funnelFromFacts(ctx, c, postgres)
	if err != nil {
		return err
	}
	got, err := readFunnelCells(ctx, c, "SELECT "+strings.Join(funnelColumns, ", ")+" FROM funnel_cells", nil)
	if err != nil {
		return err
	}
	rep.FunnelCells += len(got)
	ids := map[string]bool{}
	for id := range want {
		ids[id] = true
	}
	for id := range got {
		ids[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		w, g := want[id], got[id]
		switch {
		case g == nil:
			rep.differ("funnel cell", id+": missing")
		case w == nil:
			rep.differ("funnel cell", id+": stored but has no referral")
		case w.n != g.n || w.keys != g.keys:
			rep.differ("funnel cell", fmt.Sprintf("%s: figures %v, expected %v", id, g.n, w.n))
		case EncodeDays(w.toAcceptance) != EncodeDays(g.toAcceptance) || EncodeDays(w.toCompletion) != EncodeDays(g.toCompletion):
			rep.differ("funnel cell", id+": days to the steps differ")
		}
	}
	return nil
}
