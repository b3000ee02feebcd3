package rollup

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"segretariato/internal/dimension"
	"segretariato/internal/sqlbind"
)

// The referral funnel's facts: one row of referral_facts per referral,
// with its contact's local day and periods, the steps it reached and the
// calendar days (Europe/Rome) from the contact to its acceptance and
// completion. They depend on the referral's row and its contact's date
// only, so a refresh brings up to date those of the contacts it is given
// (a referral's insert, delete and change of status, record key or step
// dates list its contact), before anything else (refreshReferrals).

// referralFact is one referral as the funnel counts it.
type referralFact struct {
	id, contact, service int
	day                  string
	periods              []string // per dimension.Units
	accepted, declined   int
	completed, cancelled int
	toAcceptance         *int
	toCompletion         *int
	rk                   int
}

// referralColumns are the columns of referral_facts, in the order of
// referralFact's fields.
var referralColumns = func() []string {
	cols := []string{"id", "contact_id", "service_id", "day"}
	for _, u := range dimension.Units {
		cols = append(cols, u.Column())
	}
	return append(cols, "accepted", "declined", "completed", "cancelled", "days_to_acceptance", "days_to_completion", "record_key")
}()

func (f *referralFact) row() []any {
	vals := []any{f.id, f.contact, f.service, f.day}
	for _, p := range f.periods {
		vals = append(vals, p)
	}
	opt := func(p *int) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return append(vals, f.accepted, f.declined, f.completed, f.cancelled, opt(f.toAcceptance), opt(f.toCompletion), f.rk)
}

func (f *referralFact) scanDest() []any {
	f.periods = make([]string, len(dimension.Units))
	dst := []any{&f.id, &f.contact, &f.service, &f.day}
	for i := range f.periods {
		dst = append(dst, &f.periods[i])
	}
	return append(dst, &f.accepted, &f.declined, &f.completed, &f.cancelled, &f.toAcceptance, &f.toCompletion, &f.rk)
}

func (f *referralFact) equal(g *referralFact) bool {
	return f.id == g.id && f.contact == g.contact && f.service == g.service && f.day == g.day &&
		slices.Equal(f.periods, g.periods) && f.accepted == g.accepted && f.declined == g.declined &&
		f.completed == g.completed && f.cancelled == g.cancelled && eqPtr(f.toAcceptance, g.toAcceptance) &&
		eqPtr(f.toCompletion, g.toCompletion) && f.rk == g.rk
}

// rawReferral is a referral's row as the funnel reads it.
type rawReferral struct {
	id, contact, service, recordKey          int
	status                                   string
	contactAt                                time.Time
	accepted, declined, completed, cancelled sql.NullTime
}

// reached is 1 when a step's date is recorded or the status implies it.
func reached(at sql.NullTime, status string, implied ...string) int {
	if at.Valid || slices.Contains(implied, status) {
		return 1
	}
	return 0
}

// deriveReferral computes the fact of a referral.
func deriveReferral(r *rawReferral) *referralFact {
	day := dimension.Day(r.contactAt)
	f := &referralFact{id: r.id, contact: r.contact, service: r.service, day: dimension.DayKey(day), rk: r.recordKey,
		accepted:  reached(r.accepted, r.status, "ACCEPTED", "COMPLETED"),
		declined:  reached(r.declined, r.status, "DECLINED"),
		completed: reached(r.completed, r.status, "COMPLETED"),
		cancelled: reached(r.cancelled, r.status, "CANCELLED")}
	for _, u := range dimension.Units {
		f.periods = append(f.periods, dimension.PeriodKey(u, day))
	}
	days := func(at sql.NullTime) *int {
		if !at.Valid {
			return nil
		}
		n := int(dimension.Day(at.Time).Sub(day) / (24 * time.Hour))
		return &n
	}
	f.toAcceptance, f.toCompletion = days(r.accepted), days(r.completed)
	return f
}

// loadReferrals reads the referrals of the contacts from the raw rows and
// derives their facts, by referral id.
func loadReferrals(ctx context.Context, c Conn, postgres bool, contacts []int) (map[int]*referralFact, error) {
	out := map[int]*referralFact{}
	err := chunks(contacts, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		// The contact's date by a probe per referral, not a join: inside a
		// large import the planner's statistics lag, and a join it plans
		// on them can scan every contact for each chunk.
		q := "SELECT r.id, r.contact_id, r.service_id, r.record_key, r.status," +
			" (SELECT c.occurred_at FROM contacts c WHERE c.id = r.contact_id)," +
			" r.accepted_at, r.declined_at, r.completed_at, r.cancelled_at" +
			" FROM referrals r WHERE r.contact_id IN " + sqlbind.In(b, part)
		return Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			var r rawReferral
			if err := scan(&r.id, &r.contact, &r.service, &r.recordKey, &r.status, &r.contactAt,
				&r.accepted, &r.declined, &r.completed, &r.cancelled); err != nil {
				return err
			}
			out[r.id] = deriveReferral(&r)
			return nil
		})
	})
	return out, err
}

// storedReferrals reads the stored facts of the contacts' referrals, by
// referral id.
func storedReferrals(ctx context.Context, c Conn, postgres bool, contacts []int) (map[int]*referralFact, error) {
	out := map[int]*referralFact{}
	err := chunks(contacts, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "SELECT " + strings.Join(referralColumns, ", ") + " FROM referral_facts WHERE contact_id IN " + sqlbind.In(b, part)
		return Each(ctx, c, q, b.Args, func(scan func(...any) error) error {
			f := &referralFact{}
			if err := scan(f.scanDest()...); err != nil {
				return err
			}
			out[f.id] = f
			return nil
		})
	})
	return out, err
}

// referralsOf reads the stored facts of the contacts' referrals (before)
// and derives them from the raw rows (after).
func referralsOf(ctx context.Context, c Conn, postgres bool, contacts []int) (before, after map[int]*referralFact, err error) {
	if after, err = loadReferrals(ctx, c, postgres, contacts); err != nil {
		return nil, nil, err
	}
	before, err = storedReferrals(ctx, c, postgres, contacts)
	return before, after, err
}

// compareReferrals calls differ for every referral whose stored fact
// (before) is not the derived one (after), in id order.
func compareReferrals(before, after map[int]*referralFact, differ func(id int, f, g *referralFact)) {
	ids := make([]int, 0, len(before)+len(after))
	for id := range before {
		ids = append(ids, id)
	}
	for id := range after {
		if before[id] == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		f, g := before[id], after[id]
		if f == nil || g == nil || !f.equal(g) {
			differ(id, f, g)
		}
	}
}

// refreshReferrals brings up to date the funnel's facts of the referrals
// of the contacts, writing only those that changed, and the funnel cells
// by their difference: into the stored cells, or, when later is not nil,
// added to it for the caller to write (Batcher.Finish).
func refreshReferrals(ctx context.Context, c Conn, postgres bool, contacts []int, later map[string]*funnelCell) error {
	before, after, err := referralsOf(ctx, c, postgres, contacts)
	if err != nil {
		return err
	}
	var drop []int
	var write []*referralFact
	cells := map[string]*funnelCell{}
	compareReferrals(before, after, func(id int, f, g *referralFact) {
		if f != nil {
			drop = append(drop, id)
			f.contribute(cells, -1)
		}
		if g != nil {
			write = append(write, g)
			g.contribute(cells, 1)
		}
	})
	if err := chunks(drop, 1000, func(part []int) error {
		b := &sqlbind.Binder{Postgres: postgres}
		q := "DELETE FROM referral_facts WHERE id IN " + sqlbind.In(b, part)
		_, err := c.ExecContext(ctx, q, b.Args...)
		return err
	}); err != nil {
		return err
	}
	if err := insertReferrals(ctx, c, postgres, write); err != nil {
		return err
	}
	if later == nil {
		return applyFunnel(ctx, c, postgres, cells)
	}
	for id, d := range cells {
		if x := later[id]; x != nil {
			x.add(d)
		} else {
			later[id] = d
		}
	}
	return nil
}

func insertReferrals(ctx context.Context, c Conn, postgres bool, rows []*referralFact) error {
	return insertRows(ctx, c, postgres, "referral_facts", referralColumns, len(rows), func(i int) []any { return rows[i].row() }, "")
}

// rebuildReferrals writes the facts of the referrals of the contacts,
// whose facts are gone (Rebuild).
func rebuildReferrals(ctx context.Context, c Conn, postgres bool, contacts []int) error {
	after, err := loadReferrals(ctx, c, postgres, contacts)
	if err != nil {
		return err
	}
	rows := make([]*referralFact, 0, len(after))
	for _, f := range after {
		rows = append(rows, f)
	}
	slices.SortFunc(rows, func(a, b *referralFact) int { return a.id - b.id })
	return insertReferrals(ctx, c, postgres, rows)
}

// verifyReferrals reports the referrals of the contacts whose stored fact
// differs from a recomputation (Verify).
func verifyReferrals(ctx context.Context, c Conn, postgres bool, contacts []int, rep *VerifyReport) error {
	before, after, err := referralsOf(ctx, c, postgres, contacts)
	if err != nil {
		return err
	}
	rep.Referrals += len(after)
	compareReferrals(before, after, func(id int, f, g *referralFact) {
		switch {
		case f == nil:
			rep.differ("referral", fmt.Sprintf("referral %d has no fact", id))
		case g == nil:
			rep.differ("referral", fmt.Sprintf("fact of referral %d, which is gone or of another contact", id))
		default:
			rep.differ("referral", fmt.Sprintf("referral %d: stored fact differs", id))
		}
	})
	return nil
}

// verifyOrphanReferrals reports the stored facts of referrals, or of
// contacts, that are gone (Verify).
func verifyOrphanReferrals(ctx context.Context, c Conn, rep *VerifyReport) error {
	// NOT EXISTS, an anti-join: NOT IN over a subquery too large to hash
	// in work_mem is planned as a scan of the subquery per row.
	q := "SELECT f.id FROM referral_facts f WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.id = f.id AND r.contact_id = f.contact_id)"
	return Each(ctx, c, q, nil, func(scan func(...any) error) error {
		var id int
		if err := scan(&id); err != nil {
			return err
		}
		rep.differ("referral", fmt.Sprintf("fact of referral %d, which is gone", id))
		return nil
	})
}
