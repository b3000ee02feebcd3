package rollup

import (
	"segretariato/internal/sqlbind"

	"context"
	"fmt"
	"slices"
)

// Progress is told, now and then, how many contacts of total are done.
type Progress func(done, total int)

// Rebuild recomputes every fact and cell from the raw rows, in the
// transaction c (for upgrades and repairs): facts a chunk of citizens at a
// time, then the cells one period at a time, so memory does not grow with
// the data. On PostgreSQL it holds the cells' exclusive lock: writes wait
// until it commits. It returns the database's error.
func Rebuild(ctx context.Context, c Conn, postgres bool, progress Progress) error {
	if err := lockCells(ctx, c, postgres, true); err != nil {
		return err
	}
	for _, t := range []string{"contact_fact_values", "contact_facts", "referral_facts", "funnel_cells", "demand_cells", "analytics_pending"} {
		if _, err := c.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	total, err := countContacts(ctx, c)
	if err != nil {
		return err
	}
	done := 0
	err = eachChunk(ctx, c, postgres, func(contacts, citizens []int) error {
		raw, err := loadRaw(ctx, c, postgres, contacts, citizens)
		if err != nil {
			return err
		}
		facts := make([]*fact, 0, len(raw))
		for _, r := range raw {
			facts = append(facts, derive(&r.c, r.operatorID, r.recordKey, r.ciKey, r.openRefs))
		}
		slices.SortFunc(facts, func(a, b *fact) int { return a.id - b.id })
		if err := insertFacts(ctx, c, postgres, facts); err != nil {
			return err
		}
		ids := make([]int, len(facts))
		for i, f := range facts {
			ids[i] = f.id
		}
		if err := rebuildReferrals(ctx, c, postgres, ids); err != nil {
			return err
		}
		done += len(facts)
		if progress != nil {
			progress(done, total)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := rebuildFunnel(ctx, c, postgres); err != nil {
		return err
	}
	periods, err := factPeriods(ctx, c)
	if err != nil {
		return err
	}
	return recompute(ctx, c, postgres, periods, writeSink{})
}

func countContacts(ctx context.Context, c Conn) (int, error) {
	var n int
	err := Each(ctx, c, "SELECT COUNT(*) FROM contacts", nil, func(scan func(...any) error) error { return scan(&n) })
	return n, err
}

// eachChunk calls f with every citizen that has contacts, a chunk at a
// time, then with every anonymous contact, a chunk at a time.
func eachChunk(ctx context.Context, c Conn, postgres bool, f func(contacts, citizens []int) error) error {
	for _, q := range []struct {
		sql      string
		citizens bool
	}{
		{"SELECT DISTINCT citizen_id FROM contacts WHERE citizen_id > %s ORDER BY citizen_id LIMIT %d", true},
		{"SELECT id FROM contacts WHERE citizen_id IS NULL AND id > %s ORDER BY id LIMIT %d", false},
	} {
		last := -1
		for {
			b := &sqlbind.Binder{Postgres: postgres}
			var ids []int
			query := fmt.Sprintf(q.sql, b.Arg(last), pendingChunk)
			err := Each(ctx, c, query, b.Args, func(scan func(...any) error) error {
				var id int
				if err := scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
				return nil
			})
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				break
			}
			last = ids[len(ids)-1]
			if q.citizens {
				err = f(nil, ids)
			} else {
				err = f(ids, nil)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// factPeriods are the cell periods of the stored facts and cells.
func factPeriods(ctx context.Context, c Conn) ([]period, error) {
	var ps []string
	for _, q := range []string{
		"SELECT DISTINCT '" + GrainWeek + "|' || p_week FROM contact_facts",
		"SELECT DISTINCT '" + GrainMonth + "|' || p_month FROM contact_facts",
		"SELECT DISTINCT grain || '|' || period FROM demand_cells",
	} {
		if err := Each(ctx, c, q, nil, func(scan func(...any) error) error {
			var p string
			if err := scan(&p); err != nil {
				return err
			}
			ps = append(ps, p)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	slices.Sort(ps)
	return parsePeriods(slices.Compact(ps)), nil
}

// Difference is one difference Verify found: a contact's fact or a cell,
// named by ids and codes only (never personal data).
type Difference struct {
	What   string `json:"what"`
	Detail string `json:"detail"`
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	Contacts    int          `json:"contacts"`
	Referrals   int          `json:"referrals"`
	FunnelCells int          `json:"funnelCells"`
	Cells       int          `json:"cells"`
	Pending     int          `json:"pending"`
	Differences int          `json:"differences"`
	Examples    []Difference `json:"examples"` // the first 20
}

func (r *VerifyReport) differ(what, detail string) {
	r.Differences++
	if len(r.Examples) < 20 {
		r.Examples = append(r.Examples, Difference{what, detail})
	}
}

// Verify compares every stored fact and cell with a recomputation from
// the raw rows, in bounded memory, and reports the differences (none on a
// healthy database); it writes nothing. c must be a transaction (on
// PostgreSQL a read-only repeatable-read one reads one consistent picture).
// It returns the database's error.
func Verify(ctx context.Context, c Conn, postgres bool, progress Progress) (*VerifyReport, error) {
	rep := &VerifyReport{}
	if err := Each(ctx, c, "SELECT COUNT(*) FROM analytics_pending", nil, func(scan func(...any) error) error {
		return scan(&rep.Pending)
	}); err != nil {
		return nil, err
	}
	total, err := countContacts(ctx, c)
	if err != nil {
		return nil, err
	}
	err = eachChunk(ctx, c, postgres, func(contacts, citizens []int) error {
		raw, err := loadRaw(ctx, c, postgres, contacts, citizens)
		if err != nil {
			return err
		}
		ids := make([]int, 0, len(raw))
		for id := range raw {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		stored, err := loadFacts(ctx, c, postgres, ids)
		if err != nil {
			return err
		}
		// The answers' SQL reads the multi-valued keys from their rows.
		rows, err := valueRows(ctx, c, postgres, ids)
		if err != nil {
			return err
		}
		for id, f := range stored {
			if !sameValues(rows[id], f.values) {
				rep.differ("contact", fmt.Sprintf("contact %d: stored values differ from its fact", id))
			}
		}
		for _, id := range ids {
			r := raw[id]
			f := derive(&r.c, r.operatorID, r.recordKey, r.ciKey, r.openRefs)
			switch g := stored[id]; {
			case g == nil:
				rep.differ("contact", fmt.Sprintf("contact %d has no fact", id))
			case !g.equal(f):
				rep.differ("contact", fmt.Sprintf("contact %d: stored fact differs", id))
			}
		}
		if err := verifyReferrals(ctx, c, postgres, ids, rep); err != nil {
			return err
		}
		rep.Contacts += len(ids)
		if progress != nil {
			progress(rep.Contacts, total)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := Each(ctx, c, "SELECT f.id FROM contact_facts f WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = f.id)", nil, func(scan func(...any) error) error {
		var id int
		if err := scan(&id); err != nil {
			return err
		}
		rep.differ("contact", fmt.Sprintf("fact of contact %d, which is gone", id))
		return nil
	}); err != nil {
		return nil, err
	}
	if err := verifyOrphanReferrals(ctx, c, rep); err != nil {
		return nil, err
	}
	if err := verifyFunnel(ctx, c, postgres, rep); err != nil {
		return nil, err
	}
	periods, err := factPeriods(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := recompute(ctx, c, postgres, periods, &compareSink{rep: rep}); err != nil {
		return nil, err
	}
	return rep, nil
}

// compareSink compares a period's computed cells with the stored ones.
type compareSink struct{ rep *VerifyReport }

func (s *compareSink) period(ctx context.Context, c Conn, postgres bool, p period, cells map[cellKey]*cell) error {
	b := &sqlbind.Binder{Postgres: postgres}
	q := "SELECT " + cellColumns + " FROM demand_cells WHERE grain = " + b.Arg(p.grain) + " AND period = " + b.Arg(p.key)
	stored, err := readCells(ctx, c, q, b.Args)
	if err != nil {
		return err
	}
	s.rep.Cells += len(stored)
	keys := map[cellKey]bool{}
	for k := range stored {
		keys[k] = true
	}
	for k := range cells {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		want, got := cells[k], stored[k]
		switch {
		case want == nil:
			names = append(names, k.id()+": stored but has no contact")
		case got == nil:
			names = append(names, k.id()+": missing")
		case want.s != got.s:
			names = append(names, fmt.Sprintf("%s: figures %v, expected %v", k.id(), got.s, want.s))
		case !got.citizens.Equals(want.citizens):
			names = append(names, fmt.Sprintf("%s: %d citizens, expected %d", k.id(), got.citizens.GetCardinality(), want.citizens.GetCardinality()))
		}
	}
	slices.Sort(names)
	for _, n := range names {
		s.rep.differ("cell", n)
	}
	return nil
}
