// Package rollup keeps the demand figures as the data changes: each
// contact's fact (its keys in every dimension of internal/dimension,
// computed once, when the contact or anything it points to is written)
// and the cells (per ISO week and per month, per dimension and key: the
// counts and record-key sums, which add up over periods, and the set of
// distinct citizens as a roaring bitmap, which unions over periods).
//
// Every write path is covered by one mechanism: triggers on the tables
// the figures read (contacts, citizens, contact_needs, referrals, and the
// renames of need areas and operators' e-mails) list what changed in
// analytics_pending, and Refresh, run in the same transaction before it
// commits, brings the facts and cells up to date and empties the list.
// The ent driver of the service (Driver) runs it at every commit; the
// import's PostgreSQL path calls Batch and Refresh itself. On PostgreSQL a
// deferred constraint trigger refuses any commit that leaves the list
// non-empty, so a path that forgot would fail loudly instead of lagging.
//
// Exactness: a refresh reads every contact of every citizen it touches, so
// "first contact of the citizen" and the citizen sets stay exact; cells
// change by the difference between the facts before and after. A write
// that changes more contacts than maxIncremental (a large import) marks
// their periods instead, which Refresh computes again from the facts at
// the end of the transaction. Verify compares everything with a
// recomputation from the raw rows; Rebuild recomputes everything.
//
// Concurrency (PostgreSQL): a refresh locks the citizens it touches, then
// the cells, each in id order; a recomputation of periods holds an
// exclusive advisory lock that every refresh shares, so it sees every
// committed write and no refresh changes its cells meanwhile.
package rollup

import (
	"cmp"
	"maps"
	"segretariato/internal/sqlbind"

	"context"
	"database/sql"
	"slices"
)

// maxIncremental is the number of changed contacts above which their
// periods are computed again from the facts at the end of the transaction
// instead of their cells updated one by one (a contact counts in about 50
// cells).
const maxIncremental = 50

// pendingChunk is the number of pending rows one step takes: more than a
// bulk writer lists between two calls of Batch (intakeio's 10,000 rows
// list about 23,000: the contacts, then each again for its needs and for
// its referrals).
const pendingChunk = 25000

// lockKey is the advisory lock of the cells (PostgreSQL).
const lockKey = 7_400_202_611

// A Batcher brings the facts up to date with the writes so far of the
// transaction it is given, and the cells as well unless the writes touch
// too many (their periods are then left for Refresh). Bulk writers call
// Batch after each batch so that the pending list stays small.
//
// It remembers the last pending row it took: the rows it deleted stay in
// the index, dead, until the transaction ends, and reading past them again
// at every batch would make a large import quadratic. Rows it skips are
// left for Refresh, which reads the whole list. It also remembers what its
// batches leave for the end (tally): the periods marked, and the funnel
// cells' changes, which Finish writes once instead of at every batch.
type Batcher struct {
	c        Conn
	postgres bool
	after    int
	t        tally
}

// A tally is what the steps of one transaction's refresh remember: the
// periods already marked for Refresh (their cells are computed again from
// the facts, so no step needs to update them), and, when funnel is not
// nil, the funnel cells' changes not yet written. Both are bounded by the
// number of cells, not by the rows written.
type tally struct {
	marked map[string]bool        // "grain|key"
	funnel map[string]*funnelCell // nil: each step writes its own
}

// NewBatcher returns a Batcher for the transaction c.
func NewBatcher(c Conn, postgres bool) *Batcher {
	return &Batcher{c: c, postgres: postgres, t: tally{marked: map[string]bool{}, funnel: map[string]*funnelCell{}}}
}

// Batch takes up the pending rows written since the last call.
func (b *Batcher) Batch(ctx context.Context) error {
	return drain(ctx, b.c, b.postgres, nil, &b.after, &b.t)
}

// Finish writes the funnel cells' changes of the batches, then runs
// Refresh: call it, instead of Refresh, before the commit.
func (b *Batcher) Finish(ctx context.Context) error {
	if len(b.t.funnel) > 0 {
		if err := lockCells(ctx, b.c, b.postgres, false); err != nil {
			return err
		}
		if err := applyFunnel(ctx, b.c, b.postgres, b.t.funnel); err != nil {
			return err
		}
		b.t.funnel = map[string]*funnelCell{}
	}
	return Refresh(ctx, b.c, b.postgres)
}

// Refresh brings the facts and the cells up to date with every write of
// the transaction c, and empties analytics_pending: run it before the
// commit. With nothing pending it costs one statement. It returns the
// database's error.
func Refresh(ctx context.Context, c Conn, postgres bool) error {
	periods := map[string]bool{}
	if err := drain(ctx, c, postgres, periods, new(int), &tally{marked: periods}); err != nil || len(periods) == 0 {
		return err
	}
	if err := lockCells(ctx, c, postgres, true); err != nil {
		return err
	}
	return recompute(ctx, c, postgres, parsePeriods(keysOf(periods)), writeSink{})
}

// drain takes the pending rows a chunk at a time (taking and deleting
// them is one statement), and brings up to date the facts of the contacts
// and citizens they name (the cells too, or their periods are marked).
// With periods nil it leaves the marked periods' rows in place (Batch);
// otherwise it takes those too and adds their periods to the set, for the
// caller to compute. It takes only rows after the id *after, and moves
// it. A chunk holds what a bulk writer lists between two calls (its
// contacts, then each again for its needs and its referrals), so each
// contact is processed once. t is the transaction's tally.
func drain(ctx context.Context, c Conn, postgres bool, periods map[string]bool, after *int, t *tally) error {
	for {
		var contacts, citizens, touched []int
		filter := ""
		if periods == nil {
			filter = " AND period IS NULL"
		}
		// The chunk's last id, then the rows up to it, each statement a
		// range of the primary key whatever the planner's statistics say
		// (an IN over a subquery was planned as a join of the whole list
		// with itself). A row another transaction commits into the range
		// meanwhile is deleted and returned too, so it is taken up.
		b := &sqlbind.Binder{Postgres: postgres}
		var hi sql.NullInt64
		q := "SELECT MAX(id) FROM (SELECT id FROM analytics_pending WHERE id > " + b.Arg(*after) + filter +
			" ORDER BY id LIMIT " + b.Arg(pendingChunk) + ") x"
		if err := Each(ctx, c, q, b.Args, func(scan func(...any) error) error { return scan(&hi) }); err != nil || !hi.Valid {
			return err
		}
		b = &sqlbind.Binder{Postgres: postgres}
		n := 0
		q = "DELETE FROM analytics_pending WHERE id > " + b.Arg(*after) + " AND id <= " + b.Arg(hi.Int64) + filter +
			" RETURNING contact_id, citizen_id, period"
		err := Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			var contact, citizen sql.NullInt64
			var period sql.NullString
			if err := scan(&contact, &citizen, &period); err != nil {
				return err
			}
			n++
			switch {
			case period.Valid:
				periods[period.String] = true
			case contact.Valid:
				contacts = append(contacts, int(contact.Int64))
				if citizen.Valid {
					touched = append(touched, int(citizen.Int64))
				}
			case citizen.Valid:
				citizens = append(citizens, int(citizen.Int64))
			}
			return nil
		})
		*after = int(hi.Int64)
		if err != nil || n == 0 {
			return err
		}
		if len(contacts)+len(citizens) > 0 {
			if err := process(ctx, c, postgres, uniq(contacts), uniq(citizens), uniq(touched), t); err != nil {
				return err
			}
		}
	}
}

func lockCells(ctx context.Context, c Conn, postgres, exclusive bool) error {
	if !postgres {
		return nil
	}
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	_, err := c.ExecContext(ctx, "SELECT "+fn+"($1)", int64(lockKey))
	return err
}

// process brings up to date the facts of the contacts, of every contact
// of the citizens (whose own record changed), and the first contacts of
// the contacts' citizens (touched, and those the contacts had and have),
// then the cells by difference, or marks their periods.
//
// A small write reads every contact of every citizen involved: the cells'
// citizen sets need them all. A large one (more than maxIncremental
// contacts) reads in full only the contacts it changes and the contacts
// whose "first" flag changes (firstContacts), then updates the cells or
// marks their periods (updateCells).
func process(ctx context.Context, c Conn, postgres bool, contacts, citizens, touched []int, t *tally) error {
	// The cells it may update, demand and funnel: shared with every other
	// refresh, exclusive of a recomputation.
	if err := lockCells(ctx, c, postgres, false); err != nil {
		return err
	}
	if err := refreshReferrals(ctx, c, postgres, contacts, t.funnel); err != nil {
		return err
	}
	light := len(contacts) > maxIncremental
	cits := map[int]bool{}
	for _, id := range touched {
		cits[id] = true
	}
	// The contacts' citizens, before (facts) and after (contacts).
	for _, table := range []string{"contacts", "contact_facts"} {
		if err := chunks(contacts, 1000, func(part []int) error {
			b := &sqlbind.Binder{Postgres: postgres}
			q := "SELECT citizen_id FROM " + table + " WHERE citizen_id IS NOT NULL AND id IN " + sqlbind.In(b, part)
			return Each(ctx, c, q, b.Args,
				func(scan func(...any) error) error {
					var id int
					if err := scan(&id); err != nil {
						return err
					}
					cits[id] = true
					return nil
				})
		}); err != nil {
			return err
		}
	}
	full := map[int]bool{} // citizens whose every contact is read
	for _, id := range citizens {
		full[id] = true
	}
	if !light {
		for id := range cits {
			full[id] = true
		}
	}
	locked := maps.Clone(cits)
	maps.Copy(locked, full)
	if postgres {
		// The citizens' contacts are read after the lock: a concurrent
		// write of one of them has committed by then.
		if err := chunks(keysOf(locked), 1000, func(part []int) error {
			b := &sqlbind.Binder{Postgres: postgres}
			q := "SELECT id FROM citizens WHERE id IN " + sqlbind.In(b, part) + " ORDER BY id FOR UPDATE"
			_, err := c.ExecContext(ctx, q, b.Args...)
			return err
		}); err != nil {
			return err
		}
	}
	fullIDs := keysOf(full)
	raw, err := loadRaw(ctx, c, postgres, contacts, fullIDs)
	if err != nil {
		return err
	}
	all := map[int]bool{}
	for _, id := range contacts {
		all[id] = true
	}
	if light {
		extra, err := moveFirsts(ctx, c, postgres, cits, full, raw)
		if err != nil {
			return err
		}
		for _, id := range extra {
			all[id] = true
		}
	}
	for id := range raw {
		all[id] = true
	}
	if err := chunks(fullIDs, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT id FROM contact_facts WHERE citizen_id IN " + sqlbind.In(b, part)
		return Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			var id int
			if err := scan(&id); err != nil {
				return err
			}
			all[id] = true
			return nil
		})
	}); err != nil {
		return err
	}
	ids := keysOf(all)
	before, err := loadFacts(ctx, c, postgres, ids)
	if err != nil {
		return err
	}
	after := make(map[int]*fact, len(raw))
	for id, r := range raw {
		after[id] = derive(&r.c, r.operatorID, r.recordKey, r.ciKey, r.openRefs)
	}
	var changed []int
	for _, id := range ids {
		f, g := before[id], after[id]
		if f == nil && g == nil || f != nil && g != nil && f.equal(g) {
			continue
		}
		changed = append(changed, id)
	}
	if len(changed) == 0 {
		return nil
	}
	if err := writeFacts(ctx, c, postgres, changed, before, after); err != nil {
		return err
	}
	return updateCells(ctx, c, postgres, light || len(changed) > maxIncremental, changed, before, after, t.marked)
}

// moveFirsts sets, for the contacts raw of the citizens cits not read in
// full, whether each is its citizen's first, and reads into raw the other
// contacts whose flag changes (both, where a citizen's first contact now
// is not the one its facts say); it returns those.
func moveFirsts(ctx context.Context, c Conn, postgres bool, cits, full map[int]bool, raw map[int]*rawContact) ([]int, error) {
	var partial []int
	for id := range cits {
		if !full[id] {
			partial = append(partial, id)
		}
	}
	slices.Sort(partial)
	now, stored, err := firstContacts(ctx, c, postgres, partial)
	if err != nil {
		return nil, err
	}
	isFirst := map[int]bool{}
	var extra []int
	for _, cit := range partial {
		first := now[cit]
		isFirst[first] = true
		if first == stored[cit] {
			continue
		}
		for _, id := range []int{first, stored[cit]} {
			if id != 0 && raw[id] == nil {
				extra = append(extra, id)
			}
		}
	}
	extra = uniq(extra)
	more, err := loadRaw(ctx, c, postgres, extra, nil)
	if err != nil {
		return nil, err
	}
	for id, r := range more {
		raw[id] = r
	}
	for id, r := range raw {
		if ci := r.c.Citizen; ci != nil && !full[ci.ID] {
			r.c.First = isFirst[id]
		}
	}
	return extra, nil
}

// updateCells brings the cells up to date with the facts changed from
// before to after: by their difference when every fact of their citizens
// is among them (not bulk); otherwise, when the changes only add citizens
// to cells (new contacts, a first contact that moves) and that costs less
// than computing their periods again, by that growth; otherwise it marks
// the periods, before and after, which Refresh computes again at the end
// of the transaction. The cells of the periods already marked are left to
// that computation.
func updateCells(ctx context.Context, c Conn, postgres, bulk bool, changed []int, before, after map[int]*fact, marked map[string]bool) error {
	var d *delta
	if !bulk {
		d = diff(before, after)
		d.without(marked)
	} else if d = grow(changed, before, after, marked); d != nil {
		cheap, err := cheaperThanRecompute(ctx, c, postgres, d, len(changed))
		if err != nil {
			return err
		}
		if !cheap {
			d = nil
		}
	}
	if d != nil {
		return apply(ctx, c, postgres, d)
	}
	set := map[string]bool{}
	for _, id := range changed {
		for _, f := range []*fact{before[id], after[id]} {
			if f != nil {
				for _, g := range grains {
					if p := g.grain + "|" + f.periods[periodIndex(g.unit)]; !marked[p] {
						set[p] = true
					}
				}
			}
		}
	}
	if err := markPeriods(ctx, c, postgres, set); err != nil {
		return err
	}
	maps.Copy(marked, set)
	return nil
}

// firstContacts are, for each of the citizens, the id of its first
// contact (earliest occurred_at, then lowest id) and of the contact whose
// stored fact says first (absent when none does): two index probes per
// citizen, however many contacts it has.
func firstContacts(ctx context.Context, c Conn, postgres bool, citizens []int) (now, stored map[int]int, err error) {
	now, stored = map[int]int{}, map[int]int{}
	pairs := func(q string, b *sqlbind.Binder, into map[int]int) error {
		return Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			var cit int
			var id sql.NullInt64
			if err := scan(&cit, &id); err != nil {
				return err
			}
			if id.Valid {
				into[cit] = int(id.Int64)
			}
			return nil
		})
	}
	err = chunks(citizens, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		if err := pairs("SELECT ci.id, (SELECT k.id FROM contacts k WHERE k.citizen_id = ci.id ORDER BY k.occurred_at, k.id LIMIT 1)"+
			" FROM citizens ci WHERE ci.id IN "+sqlbind.In(b, part), b, now); err != nil {
			return err
		}
		b = &sqlbind.Binder{Postgres: postgres}
		return pairs("SELECT citizen_id, id FROM contact_facts WHERE is_first = 1 AND citizen_id IN "+sqlbind.In(b, part), b, stored)
	})
	return now, stored, err
}

// markPeriods leaves the periods ("grain|key") for Refresh.
func markPeriods(ctx context.Context, c Conn, postgres bool, set map[string]bool) error {
	return chunks(keysOf(set), 1000, func(part []string) error {
		b := &sqlbind.Binder{Postgres: postgres}
		ts := make([]string, len(part))
		for i, p := range part {
			ts[i] = "(" + b.Arg(p) + ")"
		}
		_, err := c.ExecContext(ctx, "INSERT INTO analytics_pending (period) VALUES "+join(ts), b.Args...)
		return err
	})
}

func uniq(xs []int) []int {
	slices.Sort(xs)
	return slices.Compact(xs)
}

// keysOf lists the keys of a set, in order.
func keysOf[K cmp.Ordered](m map[K]bool) []K { return slices.Sorted(maps.Keys(m)) }
