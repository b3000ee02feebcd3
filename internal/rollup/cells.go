package rollup

import (
	"bytes"
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"

	"segretariato/internal/dimension"
	"segretariato/internal/sqlbind"
)

// Grains of the cells: ISO weeks and months of local dates. Quarters and
// years are unions of months.
const (
	GrainWeek  = "W"
	GrainMonth = "M"
)

// grains are the cells' grains and the index of their period in
// fact.periods.
var grains = []struct {
	grain string
	unit  dimension.PeriodUnit
}{{GrainWeek, dimension.Week}, {GrainMonth, dimension.Month}}

func periodIndex(u dimension.PeriodUnit) int { return slices.Index(dimension.Units, u) }

// cellKey names a cell: grain, dimension ("" for all contacts), period and
// key ("" for all contacts).
type cellKey struct {
	grain, dim, period, key string
}

func (k cellKey) id() string { return k.grain + "|" + k.dim + "|" + k.period + "|" + k.key }

func cmpCell(a, b cellKey) int { return strings.Compare(a.id(), b.id()) }

// sums are a cell's additive figures: also, for the caseload, the open
// referrals and the contacts whose outcome is a promised follow-up.
type sums struct {
	contacts, newCitizens, referrals  int64
	contactsKey, newKey, referralsKey int64
	referralsOpen, followUps          int64
}

func (s *sums) add(o sums, sign int64) {
	s.contacts += sign * o.contacts
	s.newCitizens += sign * o.newCitizens
	s.referrals += sign * o.referrals
	s.contactsKey += sign * o.contactsKey
	s.newKey += sign * o.newKey
	s.referralsKey += sign * o.referralsKey
	s.referralsOpen += sign * o.referralsOpen
	s.followUps += sign * o.followUps
}

func (s sums) zero() bool { return s == sums{} }

// CitizenNumber is a citizen's number in the cells' citizen sets: its id
// within the citizens' id range (ent gives each type a range of 2^32).
func CitizenNumber(id int) uint32 { return uint32(uint64(id) & 0xFFFFFFFF) }

// contributions calls each for every cell f counts in, with what it adds.
func (f *fact) contributions(each func(cellKey, sums)) {
	base := sums{contacts: 1, newCitizens: int64(f.isFirst), referrals: int64(f.refs),
		contactsKey: int64(f.rk), referralsKey: int64(f.refsKey), referralsOpen: int64(f.refsOpen), followUps: f.followUp()}
	if f.ciKey != nil {
		base.newKey = int64(f.isFirst * *f.ciKey)
	}
	for _, g := range grains {
		p := f.periods[periodIndex(g.unit)]
		each(cellKey{g.grain, "", p, ""}, base)
		for i, d := range singles {
			each(cellKey{g.grain, string(d.Dim), p, f.keys[i]}, base)
		}
		for _, d := range multis {
			for _, v := range f.values[d.Dim] {
				s := base
				if d.OwnReferrals {
					s.referrals, s.referralsKey, s.referralsOpen = int64(v.Referrals), int64(v.RefKey), int64(v.Open)
				}
				each(cellKey{g.grain, string(d.Dim), p, v.Key}, s)
			}
		}
	}
}

// delta is what a set of writes changes in the cells: the sums to add and
// the citizens to add to or remove from each cell's set.
type delta struct {
	sums   map[cellKey]*sums
	add    map[cellKey][]uint32
	remove map[cellKey][]uint32
}

func newDelta() *delta {
	return &delta{sums: map[cellKey]*sums{}, add: map[cellKey][]uint32{}, remove: map[cellKey][]uint32{}}
}

func (d *delta) count(k cellKey, s sums, sign int64) {
	p := d.sums[k]
	if p == nil {
		p = &sums{}
		d.sums[k] = p
	}
	p.add(s, sign)
}

// citizenCells is the set of cells the facts fs of one citizen count in.
func citizenCells(fs []*fact) map[cellKey]bool {
	m := map[cellKey]bool{}
	for _, f := range fs {
		f.contributions(func(k cellKey, _ sums) { m[k] = true })
	}
	return m
}

// diff computes the delta between the facts before and after of the same
// contacts, whose citizens' facts are all among them.
func diff(before, after map[int]*fact) *delta {
	d := newDelta()
	byCitizen := func(m map[int]*fact) map[int][]*fact {
		out := map[int][]*fact{}
		for _, f := range m {
			if f.citizenID != nil {
				out[*f.citizenID] = append(out[*f.citizenID], f)
			}
		}
		return out
	}
	for id, f := range before {
		if g := after[id]; g != nil && f.equal(g) {
			continue
		}
		f.contributions(func(k cellKey, s sums) { d.count(k, s, -1) })
	}
	for id, g := range after {
		if f := before[id]; f != nil && f.equal(g) {
			continue
		}
		g.contributions(func(k cellKey, s sums) { d.count(k, s, 1) })
	}
	bc, ac := byCitizen(before), byCitizen(after)
	cits := map[int]bool{}
	for c := range bc {
		cits[c] = true
	}
	for c := range ac {
		cits[c] = true
	}
	for c := range cits {
		b, a := citizenCells(bc[c]), citizenCells(ac[c])
		n := CitizenNumber(c)
		for k := range a {
			if !b[k] {
				d.add[k] = append(d.add[k], n)
			}
		}
		for k := range b {
			if !a[k] {
				d.remove[k] = append(d.remove[k], n)
			}
		}
	}
	d.prune()
	return d
}

// grow is the delta of the changes of the facts ids when none removes a
// citizen from a cell: each is a new fact, or keeps its citizen and its
// cells (a first contact that moves changes sums only). Such a delta needs
// no other fact of the citizens. It is nil otherwise. It leaves out the
// cells of the periods marked, which Refresh computes again anyway.
func grow(ids []int, before, after map[int]*fact, marked map[string]bool) *delta {
	d := newDelta()
	skip := make(map[string]bool, len(grains)) // by grain: the fact's period is marked
	for _, id := range ids {
		f, g := before[id], after[id]
		if f != nil && (g == nil || !eqPtr(f.citizenID, g.citizenID) || !sameCells(f, g)) {
			return nil
		}
		// f and g count in the same periods when both are there.
		h := cmp.Or(g, f)
		all := true
		for _, gr := range grains {
			skip[gr.grain] = marked[gr.grain+"|"+h.periods[periodIndex(gr.unit)]]
			all = all && skip[gr.grain]
		}
		if all {
			continue
		}
		if f != nil {
			f.contributions(func(k cellKey, s sums) {
				if !skip[k.grain] {
					d.count(k, s, -1)
				}
			})
		}
		if g != nil {
			g.contributions(func(k cellKey, s sums) {
				if skip[k.grain] {
					return
				}
				d.count(k, s, 1)
				if f == nil && g.citizenID != nil {
					d.add[k] = append(d.add[k], CitizenNumber(*g.citizenID))
				}
			})
		}
	}
	d.prune()
	return d
}

// without drops from the delta the cells of the periods marked.
func (d *delta) without(marked map[string]bool) {
	if len(marked) == 0 {
		return
	}
	in := func(k cellKey) bool { return marked[k.grain+"|"+k.period] }
	maps.DeleteFunc(d.sums, func(k cellKey, _ *sums) bool { return in(k) })
	maps.DeleteFunc(d.add, func(k cellKey, _ []uint32) bool { return in(k) })
	maps.DeleteFunc(d.remove, func(k cellKey, _ []uint32) bool { return in(k) })
}

// sameCells reports whether two facts count in the same cells.
func sameCells(f, g *fact) bool {
	return maps.Equal(citizenCells([]*fact{f}), citizenCells([]*fact{g}))
}

// cheaperThanRecompute reports whether updating the cells of d one by one
// costs less than computing their months again from the facts: the cells
// it touches against twice the facts a recomputation would read (the
// contacts the stored months count, plus the changed ones). A fact read
// again costs about as much as two cells updated: it counts in some fifty
// cells, each a map update and a citizen added, and is read with its
// multi-valued keys; an updated cell is read, decoded, encoded and
// written.
func cheaperThanRecompute(ctx context.Context, c Conn, postgres bool, d *delta, changed int) (bool, error) {
	// The cells touched are those of the sums and of the citizens added
	// (counted, not listed in order: this runs for every large write).
	touched, months := len(d.sums), map[string]bool{}
	for k := range d.sums {
		if k.grain == GrainMonth {
			months[k.period] = true
		}
	}
	for k := range d.add {
		if d.sums[k] == nil {
			touched++
			if k.grain == GrainMonth {
				months[k.period] = true
			}
		}
	}
	stored := 0
	err := chunks(slices.Collect(maps.Keys(months)), 1000, func(part []string) error {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT COALESCE(SUM(contacts), 0) FROM demand_cells WHERE grain = " + b.Arg(GrainMonth) +
			" AND dim = '' AND period IN " + sqlbind.In(b, part)
		return Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			var n int
			err := scan(&n)
			stored += n
			return err
		})
	})
	return touched <= 2*(stored+changed), err
}

// prune drops the sums that add up to nothing.
func (d *delta) prune() {
	maps.DeleteFunc(d.sums, func(_ cellKey, s *sums) bool { return s.zero() })
}

// touched lists the cells the delta changes, in id order.
func (d *delta) touched() []cellKey {
	set := map[cellKey]bool{}
	for k := range d.sums {
		set[k] = true
	}
	for k := range d.add {
		set[k] = true
	}
	for k := range d.remove {
		set[k] = true
	}
	out := make([]cellKey, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.SortFunc(out, cmpCell)
	return out
}

// cell is a stored cell.
type cell struct {
	k        cellKey
	s        sums
	citizens *roaring.Bitmap
}

func encode(b *roaring.Bitmap) ([]byte, error) {
	b.RunOptimize()
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode reads a cell's citizen set.
func Decode(data []byte) (*roaring.Bitmap, error) {
	b := roaring.New()
	if len(data) == 0 {
		return b, nil
	}
	if _, err := b.FromUnsafeBytes(data); err != nil {
		return nil, err
	}
	return b, nil
}

// readCells reads the cells a query of cellColumns selects.
func readCells(ctx context.Context, c Conn, q string, args []any) (map[cellKey]*cell, error) {
	out := map[cellKey]*cell{}
	err := Each(ctx, c, q, args, func(scan func(...any) error) error {
		var x cell
		var id string
		var data []byte
		if err := scan(&id, &x.k.grain, &x.k.dim, &x.k.period, &x.k.key, &x.s.contacts, &x.s.newCitizens, &x.s.referrals,
			&x.s.contactsKey, &x.s.newKey, &x.s.referralsKey, &x.s.referralsOpen, &x.s.followUps, &data); err != nil {
			return err
		}
		bm, err := Decode(data)
		if err != nil {
			return err
		}
		x.citizens = bm
		out[x.k] = &x
		return nil
	})
	return out, err
}

const cellColumns = "id, grain, dim, period, key, contacts, new_citizens, referrals, contacts_key, new_key, referrals_key," +
	" referrals_open, follow_ups, citizens"

// apply writes the delta into the stored cells. On PostgreSQL the cells
// are locked first (in id order, so two transactions cannot deadlock on
// them), a new one through a placeholder row that a concurrent insert of
// the same cell waits for; the caller holds the cells' shared lock
// (process).
func apply(ctx context.Context, c Conn, postgres bool, d *delta) error {
	keys := d.touched()
	if len(keys) == 0 {
		return nil
	}
	return chunks(keys, 1000, func(part []cellKey) error {
		if postgres {
			if err := writeCells(ctx, c, postgres, placeholders(part), " ON CONFLICT (id) DO NOTHING"); err != nil {
				return err
			}
		}
		ids := make([]string, len(part))
		for i, k := range part {
			ids[i] = k.id()
		}
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT " + cellColumns + " FROM demand_cells WHERE id IN " + sqlbind.In(b, ids) + " ORDER BY id"
		if postgres {
			q += " FOR UPDATE"
		}
		stored, err := readCells(ctx, c, q, b.Args)
		if err != nil {
			return err
		}
		var write []*cell
		var drop []string
		for _, k := range part {
			x := stored[k]
			if x == nil {
				x = &cell{k: k, citizens: roaring.New()}
			}
			if s := d.sums[k]; s != nil {
				x.s.add(*s, 1)
			}
			x.citizens.AddMany(d.add[k])
			for _, n := range d.remove[k] {
				x.citizens.Remove(n)
			}
			if x.s.contacts <= 0 {
				if stored[k] != nil {
					drop = append(drop, k.id())
				}
				continue
			}
			write = append(write, x)
		}
		if len(drop) > 0 {
			b := &sqlbind.Binder{Postgres: postgres}
			q := "DELETE FROM demand_cells WHERE id IN " + sqlbind.In(b, drop)
			if _, err := c.ExecContext(ctx, q, b.Args...); err != nil {
				return err
			}
		}
		return writeCells(ctx, c, postgres, write, upsertCells)
	})
}

const upsertCells = " ON CONFLICT (id) DO UPDATE SET contacts = excluded.contacts, new_citizens = excluded.new_citizens," +
	" referrals = excluded.referrals, contacts_key = excluded.contacts_key, new_key = excluded.new_key," +
	" referrals_key = excluded.referrals_key, referrals_open = excluded.referrals_open, follow_ups = excluded.follow_ups," +
	" citizens = excluded.citizens"

func placeholders(keys []cellKey) []*cell {
	out := make([]*cell, len(keys))
	for i, k := range keys {
		out[i] = &cell{k: k}
	}
	return out
}

// writeCells inserts cells, with suffix (ON CONFLICT …).
func writeCells(ctx context.Context, c Conn, postgres bool, cells []*cell, suffix string) error {
	var encErr error
	cols := strings.Split(cellColumns, ", ")
	err := insertRows(ctx, c, postgres, "demand_cells", cols, len(cells), func(i int) []any {
		x := cells[i]
		data := []byte{}
		if x.citizens != nil {
			var err error
			if data, err = encode(x.citizens); err != nil {
				encErr = err
			}
		}
		return []any{x.k.id(), x.k.grain, x.k.dim, x.k.period, x.k.key, x.s.contacts, x.s.newCitizens, x.s.referrals,
			x.s.contactsKey, x.s.newKey, x.s.referralsKey, x.s.referralsOpen, x.s.followUps, data}
	}, suffix)
	if encErr != nil {
		return encErr
	}
	return err
}

func itoa(n int) string { return strconv.Itoa(n) }
