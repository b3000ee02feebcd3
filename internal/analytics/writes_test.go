package analytics_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/operator"
	"segretariato/ent/referral"
	"segretariato/ent/referralevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/demo"
	"segretariato/internal/dimension"
	"segretariato/internal/dsr"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakeio"
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
	// A district is shown as most citizens spell it, those without
	// contacts included.
	var list []*mCitizen
	for _, ci := range f.c.Citizen.Query().AllX(f.ctx) {
		if ci.District != nil {
			list = append(list, &mCitizen{district: *ci.District})
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
		services := randServices
		erased := false
		var imported []string // contact refs written by the imports
		// A busy month, into which a day's cards are imported: their cells
		// are fewer than the contacts the month counts.
		busy := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
		var busyRefs []string
		importCards(t, f, r, &busyRefs, 400, emails(f), busy, 31*24*60)
		rolluptest.Check(t, db, "import a month's cards")
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
				// One without a fiscal code, which fixes the birth date and sex.
				id := pick(r, f.c.Citizen.Query().Where(citizen.PseudonymisedAtIsNil(), citizen.FiscalCodeIsNil()).IDsX(f.ctx))
				f.c.Citizen.UpdateOneID(id).SetBirthDate(*date(1930+r.IntN(80), 3, 1+r.IntN(28))).
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
					id := pick(r, ids)
					tx, err := f.c.Tx(f.ctx)
					if err != nil {
						t.Fatal(err)
					}
					tx.ReferralEvent.Delete().Where(referralevent.HasReferralWith(referral.ID(id))).ExecX(f.ctx)
					tx.Referral.DeleteOneID(id).ExecX(f.ctx)
					if err := tx.Commit(); err != nil {
						t.Fatal(err)
					}
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
			// More rows than a refresh updates cell by cell: the bulk path,
			// whose first contacts are decided by index probes. One day's
			// new cards update the cells they touch; cards that move
			// earlier ones have their periods computed again.
			{"import a day's cards", func() {
				day := busy.AddDate(0, 0, r.IntN(31))
				var refs *[]string // new cards only, or some moving cards of the month
				if r.IntN(2) == 0 {
					refs = &busyRefs
				}
				importCards(t, f, r, refs, pick(r, []int{55, 80}), emails(f), day, 10*60)
			}},
			{"import cards of three years", func() {
				importCards(t, f, r, &imported, pick(r, []int{55, 80}), emails(f), busy, 3*365*24*60)
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
		for i := range 48 {
			n := len(steps) - 1 // erasures in the last steps only
			if i >= 38 {
				n++
			}
			s := steps[r.IntN(n)]
			for erased && strings.HasPrefix(s.name, "import") {
				s = steps[r.IntN(n)] // an import refuses the cards of an erased citizen's contacts
			}
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

func emails(f *fx) []string { return f.c.Operator.Query().Select(operator.FieldEmail).StringsX(f.ctx) }

// importCards imports n intake cards through intakeio.Import: with refs,
// a third update contacts of refs (an earlier import's); the others create
// contacts, of twelve citizens known by their fiscal codes or anonymous,
// dated in the minutes from from.
func importCards(t *testing.T, f *fx, r *rand.Rand, refs *[]string, n int, ops []string, from time.Time, minutes int) {
	t.Helper()
	var buf bytes.Buffer
	w, err := intakecsv.NewWriter(&buf, intakecsv.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for i := range n {
		ref := fmt.Sprintf("IMP-%d-%d", r.Uint64(), i)
		fresh := true
		if refs != nil {
			if old := pick(r, append(*refs, ref)); r.IntN(3) == 0 && old != ref && !used[old] {
				ref, fresh = old, false // a file names a contact once
			} else {
				*refs = append(*refs, ref)
			}
		}
		used[ref] = true
		row := &intakecsv.Row{ContactRef: ref,
			OccurredAt: from.Add(time.Duration(r.IntN(minutes)) * time.Minute),
			Channel:    "IN_PERSON", Requester: "SELF", Outcome: string(schematype.OutcomeInformed),
			TargetArea:    pick(r, schematype.TargetArea("").Values()),
			OperatorEmail: pick(r, ops), Needs: []string{pick(r, randNeeds)}, Responses: []string{"INFORMATION"}}
		if fresh && r.IntN(3) == 0 {
			// A new contact referred on (an update's row lists none, which
			// deletes the contact's referrals: never a backward move).
			row.Outcome = string(schematype.OutcomeReferredInternal)
			row.Referrals = []intakecsv.Referral{{Service: pick(r, randServices), Status: pick(r, []string{"PROPOSED", "ACCEPTED"})}}
		}
		if k := r.IntN(14); k < 12 {
			birth := time.Date(1950+k, time.Month(1+k), 1+k, 0, 0, 0, 0, time.UTC)
			code, err := demo.FiscalCode("Rossi", fmt.Sprintf("Nome%c", 'A'+k), birth, schematype.SexM, "F205")
			if err != nil {
				t.Fatal(err)
			}
			row.FiscalCode, row.LastName, row.FirstName = code, "Rossi", fmt.Sprintf("Nome%c", 'A'+k)
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// Batches of a few rows, the figures following a few batches at a
	// time or only at the commit: every way a large import takes.
	opt := intakeio.ImportOptions{BatchSize: 1 + r.IntN(20), FiguresEvery: pick(r, []int{0, 1, 15, 40})}
	if _, err := intakeio.Import(f.ctx, f.db, &buf, opt); err != nil {
		t.Fatalf("import: %v", err)
	}
}
