package analytics_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/referral"
	"segretariato/ent/referralevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
	"segretariato/internal/dsr"
	"segretariato/internal/rollup/rolluptest"
)

// The property test of the kept figures (internal/rollup): random
// sequences of writes on every path that changes them, and after each
// write every aggregate compared with a recomputation from the raw rows
// (rollup.Verify), and random pivots, standard (read from the cells) and
// ad hoc (from the facts), compared with the model of random_test.go,
// rebuilt from the rows as ent reads them: a reading independent of the
// code under test.

// worldFromDB reads the model's world back from the database.
func worldFromDB(t *testing.T, f *fx) *world {
	t.Helper()
	cs, err := f.c.Contact.Query().WithCitizen().WithMainNeed().WithNeeds().WithOperator().
		WithReferrals(func(q *ent.ReferralQuery) { q.WithService() }).Order(contact.ByID()).All(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{first: map[int]int{}, districts: map[string]string{}}
	cits := map[int]*mCitizen{}
	firstAt := map[int]*mContact{}
	for _, c := range cs {
		m := &mContact{id: c.ID, at: c.OccurredAt, target: string(c.TargetArea), channel: string(c.Channel),
			requester: string(c.Requester), outcome: string(c.Outcome), op: c.Edges.Operator.Email}
		if ci := c.Edges.Citizen; ci != nil {
			mc := cits[ci.ID]
			if mc == nil {
				mc = &mCitizen{id: ci.ID, birth: ci.BirthDate}
				if ci.Sex != nil {
					mc.sex = string(*ci.Sex)
				}
				if ci.Citizenship != nil {
					mc.citizenship = *ci.Citizenship
				}
				if ci.District != nil {
					mc.district = *ci.District
				}
				cits[ci.ID] = mc
			}
			m.citizen = mc
			if p := firstAt[ci.ID]; p == nil || m.at.Before(p.at) || (m.at.Equal(p.at) && m.id < p.id) {
				firstAt[ci.ID] = m
			}
		} else {
			if c.AnonymousSex != nil {
				m.anonSex = string(*c.AnonymousSex)
			}
			if c.AnonymousBirthYear != nil {
				m.anonBirth = *c.AnonymousBirthYear
			}
		}
		mn := c.Edges.MainNeed
		m.needs = []mNeed{{mn.Code, string(mn.MacroArea)}}
		for _, n := range c.Edges.Needs {
			if n.ID != mn.ID {
				m.needs = append(m.needs, mNeed{n.Code, string(n.MacroArea)})
			}
		}
		for _, r := range c.Edges.Referrals {
			m.referrals = append(m.referrals, mReferral{r.ID, r.Edges.Service.Code})
		}
		w.contacts = append(w.contacts, m)
	}
	for id, c := range firstAt {
		w.first[id] = c.id
	}
	// The districts are spelled as most citizens spell them, those
	// without contacts too.
	all, err := f.c.Citizen.Query().All(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	list := make([]*mCitizen, 0, len(all))
	for _, ci := range all {
		if ci.District != nil {
			list = append(list, &mCitizen{id: ci.ID, district: *ci.District})
		}
	}
	w.districts = bestSpellings(list)
	return w
}

// TestRandomWrites applies random writes and checks the figures after
// each.
func TestRandomWrites(t *testing.T) {
	all := dimension.Dimension("").Values()
	units := dimension.PeriodUnit("").Values()
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		writeWorld(t, db, 21, 160)
		f := newFx(t, db)
		eng := f.engine(0)
		r := rand.New(rand.NewPCG(8, 9))
		ops := f.c.Operator.Query().IDsX(f.ctx)
		services := []string{"SSP", "SAD", "SERD", "CAF", "CARITAS"}
		erased := false
		// Erased citizens and their contacts cannot be changed.
		contactIDs := func() []int {
			return f.c.Contact.Query().Where(contact.Or(contact.CitizenIDIsNil(),
				contact.HasCitizenWith(citizen.PseudonymisedAtIsNil()))).IDsX(f.ctx)
		}
		citizenIDs := func() []int { return f.c.Citizen.Query().Where(citizen.PseudonymisedAtIsNil()).IDsX(f.ctx) }
		anyDate := func() time.Time {
			return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(2*365*24*60)) * time.Minute)
		}
		steps := []struct {
			name string
			do   func()
		}{
			{"create a contact", func() {
				spec := contactSpec{at: anyDate(), operator: pick(r, ops), needs: []string{pick(r, randNeeds)}}
				if r.IntN(3) > 0 {
					spec.citizen = pick(r, citizenIDs())
				}
				f.contact(spec)
			}},
			{"move a contact in time", func() {
				f.c.Contact.UpdateOneID(pick(r, contactIDs())).SetOccurredAt(anyDate()).ExecX(f.ctx)
			}},
			{"change a contact's needs", func() {
				id := pick(r, contactIDs())
				main, other := pick(r, randNeeds), pick(r, randNeeds)
				tx, err := f.c.Tx(f.ctx)
				if err != nil {
					t.Fatal(err)
				}
				tx.Contact.UpdateOneID(id).ClearNeeds().SetMainNeedID(f.needs[main]).AddNeedIDs(f.needs[main], f.needs[other]).ExecX(f.ctx)
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			}},
			{"change a contact's area and operator", func() {
				f.c.Contact.UpdateOneID(pick(r, contactIDs())).
					SetTargetArea(schematype.TargetArea(pick(r, schematype.TargetArea("").Values()))).
					SetOperatorID(pick(r, ops)).ExecX(f.ctx)
			}},
			{"give a contact another citizen", func() {
				u := f.c.Contact.UpdateOneID(pick(r, contactIDs()))
				if r.IntN(4) == 0 {
					u.ClearCitizen()
				} else {
					u.SetCitizenID(pick(r, citizenIDs()))
				}
				u.ExecX(f.ctx)
			}},
			{"change a citizen", func() {
				f.c.Citizen.UpdateOneID(pick(r, citizenIDs())).SetBirthDate(*date(1930+r.IntN(80), 3, 1+r.IntN(28))).
					SetSex(schematype.Sex(pick(r, []string{"F", "M", "X"}))).SetDistrict(pick(r, randDistricts[:6])).ExecX(f.ctx)
			}},
			{"refer a contact", func() {
				f.referral(referralSpec{contact: pick(r, contactIDs()), service: pick(r, services),
					status: schematype.ReferralStatusProposed, proposed: anyDate()})
			}},
			{"move a referral on", func() {
				// A status and some step dates, as the desk records them,
				// or a step's date alone.
				ids := f.c.Referral.Query().Where(referral.ContactIDIn(contactIDs()...)).IDsX(f.ctx)
				if len(ids) == 0 {
					return
				}
				u := f.c.Referral.UpdateOneID(pick(r, ids))
				switch r.IntN(3) {
				case 0:
					u.SetStatus(schematype.ReferralStatus(pick(r, schematype.ReferralStatus("").Values()))).
						SetAcceptedAt(anyDate()).ClearDeclinedAt()
					if r.IntN(2) == 0 {
						u.SetCompletedAt(anyDate())
					}
				case 1:
					u.SetCompletedAt(anyDate())
				default:
					u.ClearAcceptedAt().SetCancelledAt(anyDate()).SetDeclinedAt(anyDate())
				}
				u.ExecX(f.ctx)
			}},
			{"delete a referral", func() {
				if ids := f.c.Referral.Query().IDsX(f.ctx); len(ids) > 0 {
					f.c.Referral.DeleteOneID(pick(r, ids)).ExecX(f.ctx)
				}
			}},
			{"delete a contact", func() {
				id := pick(r, contactIDs())
				tx, err := f.c.Tx(f.ctx)
				if err != nil {
					t.Fatal(err)
				}
				refs := tx.Referral.Query().Where(referral.ContactID(id)).IDsX(f.ctx)
				tx.ReferralEvent.Delete().Where(referralevent.HasReferralWith(referral.IDIn(refs...))).ExecX(f.ctx)
				tx.Referral.Delete().Where(referral.IDIn(refs...)).ExecX(f.ctx)
				tx.Contact.DeleteOneID(id).ExecX(f.ctx)
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			}},
			{"erase a citizen", func() {
				tx, err := f.c.Tx(f.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := dsr.Erase(f.ctx, tx.Client(), pick(r, citizenIDs()), time.Now()); err != nil {
					t.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				erased = true
			}},
		}
		for i := range 40 {
			n := len(steps) - 1 // erasures in the last steps only
			if i >= 30 {
				n++
			}
			s := steps[r.IntN(n)]
			s.do()
			rolluptest.Check(t, db, s.name)
			if erased {
				continue // the model does not know erasures; Verify does
			}
			// The funnel: from the cells (dates alone) or the facts (a
			// service filter), by month or week.
			unit := pick(r, []dimension.PeriodUnit{dimension.Month, dimension.Week})
			var ff analytics.Filter
			if r.IntN(2) == 0 {
				ff.From, ff.To = date(2024, time.Month(1+r.IntN(12)), 1+r.IntN(28)), date(2025, time.Month(1+r.IntN(12)), 1+r.IntN(28))
			}
			if r.IntN(3) == 0 {
				ff.Values = map[dimension.Dimension][]string{dimension.ReferralService: {pick(r, services), pick(r, services)}}
			}
			checkFunnel(t, f, eng, unit, ff, s.name)
			w := worldFromDB(t, f)
			for range 3 {
				var groupBy []dimension.Dimension
				n := r.IntN(4)
				if r.IntN(2) == 0 {
					groupBy = append(groupBy, dimension.Period) // a standard pivot when n <= 1
				}
				for _, j := range r.Perm(len(all))[:n] {
					if d := dimension.Dimension(all[j]); d != dimension.Period {
						groupBy = append(groupBy, d)
					}
				}
				unit := dimension.PeriodUnit(pick(r, units))
				var filter analytics.Filter
				if r.IntN(2) == 0 {
					filter.From = date(2024, time.Month(1+r.IntN(12)), 1+r.IntN(28))
					filter.To = date(2025, time.Month(1+r.IntN(12)), 1+r.IntN(28))
				}
				diff, got, want := againstModel(t, eng, w, groupBy, unit, filter)
				if diff != "" {
					t.Fatalf("step %d (%s), pivot %v %s: cells (-model +engine):\n%s", i, s.name, groupBy, unit, diff)
				}
				if got != want {
					t.Fatalf("step %d (%s), pivot %v: total %+v, model %+v", i, s.name, groupBy, got, want)
				}
			}
		}
	})
}
