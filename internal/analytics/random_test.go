package analytics_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
	"segretariato/internal/intakerule"
	"segretariato/internal/localtime"
	"segretariato/internal/refdata"
)

// The random test writes random intake data, computes every answer again
// in Go from what it wrote (the model below, a second reading of the
// counting contract), and compares; then it checks the suppression
// promises on the same answers.

type mCitizen struct {
	id          int
	birth       *time.Time
	sex         string
	citizenship string
	district    string
}

type mNeed struct{ code, macro string }

type mReferral struct {
	id      int
	service string
}

type mContact struct {
	id                                      int
	at                                      time.Time
	citizen                                 *mCitizen
	anonSex                                 string
	anonBirth                               int
	needs                                   []mNeed
	target, channel, requester, outcome, op string
	referrals                               []mReferral
}

type world struct {
	contacts  []*mContact
	first     map[int]int       // citizen id → id of the first contact
	districts map[string]string // key → displayed spelling
}

var (
	randNeeds     = []string{"ECO_INCOME", "ECO_DEBT", "HOU_EVICTION", "CARE_HOME", "HLT_ADDICTION", "HLT_MENTAL", "MIG_DOCUMENTS", "MIG_LANGUAGE", "FAM_PARENTING", "ADM_INFO"}
	randServices  = []string{"SSP", "SAD", "SERD", "CAF", "CARITAS"}
	randDistricts = []string{"Riva", "RIVA", "riva", "Centro", "Centro", "CENTRO", "Cascina  Pelizza", ""}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// writeWorld writes random data and returns its model.
func writeWorld(t *testing.T, db *database.DB, seed uint64, nContacts int) *world {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	f := newFx(t, db)
	macro := map[string]string{}
	for _, n := range refdata.Needs {
		macro[n.Code] = string(n.Macro)
	}
	emails := []string{"a@x.it", "b@x.it", "c@x.it"}
	ops := map[string]int{}
	for _, e := range emails {
		ops[e] = f.operator(e, schematype.RoleSocialWorker)
	}

	var cits []*mCitizen
	var cb []*ent.CitizenCreate
	for range nContacts / 4 {
		c := &mCitizen{}
		if r.IntN(5) > 0 {
			c.birth = date(1930+r.IntN(90), time.Month(1+r.IntN(12)), 1+r.IntN(28))
		}
		c.sex = pick(r, []string{"F", "M", "X", "", "F", "M"})
		c.citizenship = pick(r, []string{"IT", "IT", "MA", "RO", ""})
		c.district = pick(r, randDistricts)
		b := f.c.Citizen.Create().SetNillableBirthDate(c.birth)
		if c.sex != "" {
			b.SetSex(schematype.Sex(c.sex))
		}
		if c.citizenship != "" {
			b.SetCitizenship(c.citizenship)
		}
		if c.district != "" {
			b.SetDistrict(c.district)
		}
		cits = append(cits, c)
		cb = append(cb, b)
	}
	saved, err := f.c.Citizen.CreateBulk(cb...).Save(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range saved {
		cits[i].id = s.ID
	}

	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var cs []*mContact
	var builders []*ent.ContactCreate
	for range nContacts {
		c := &mContact{
			// Any minute of two years: night hours included, so that the
			// local date differs from the UTC one.
			at:        start.Add(time.Duration(r.IntN(2*365*24*60)) * time.Minute),
			target:    pick(r, schematype.TargetArea("").Values()),
			channel:   pick(r, schematype.Channel("").Values()),
			requester: pick(r, schematype.Requester("").Values()),
			outcome:   pick(r, schematype.Outcome("").Values()),
			op:        pick(r, emails),
		}
		if r.IntN(10) < 7 {
			c.citizen = pick(r, cits)
		} else {
			c.anonSex = pick(r, []string{"", "F", "M", "X"})
			if r.IntN(2) == 0 {
				c.anonBirth = 1920 + r.IntN(100)
				if c.anonBirth > c.at.Year() {
					c.anonBirth = c.at.Year()
				}
			}
		}
		perm := r.Perm(len(randNeeds))
		var codes []string
		for _, i := range perm[:1+r.IntN(3)] {
			codes = append(codes, randNeeds[i])
			c.needs = append(c.needs, mNeed{randNeeds[i], macro[randNeeds[i]]})
		}
		spec := contactSpec{at: c.at, operator: ops[c.op], needs: codes,
			target: schematype.TargetArea(c.target), channel: schematype.Channel(c.channel),
			requester: schematype.Requester(c.requester), outcome: schematype.Outcome(c.outcome),
			anonSex: schematype.Sex(c.anonSex), anonBirth: c.anonBirth}
		if c.citizen != nil {
			spec.citizen = c.citizen.id
		}
		cs = append(cs, c)
		builders = append(builders, f.contactBuilder(spec))
	}
	for lo := 0; lo < len(builders); lo += 100 {
		hi := min(lo+100, len(builders))
		saved, err := f.c.Contact.CreateBulk(builders[lo:hi]...).Save(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range saved {
			cs[lo+i].id = s.ID
		}
	}

	var rb []*ent.ReferralCreate
	var owners []*mContact
	var refServices []string
	for _, c := range cs {
		if r.IntN(5) >= 2 {
			continue
		}
		for range 1 + r.IntN(2) {
			svc := pick(r, randServices)
			rb = append(rb, f.referralBuilder(referralSpec{contact: c.id, service: svc,
				status: schematype.ReferralStatus(pick(r, schematype.ReferralStatus("").Values())), proposed: c.at}))
			owners = append(owners, c)
			refServices = append(refServices, svc)
		}
	}
	savedRefs, err := f.c.Referral.CreateBulk(rb...).Save(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range savedRefs {
		owners[i].referrals = append(owners[i].referrals, mReferral{s.ID, refServices[i]})
	}

	w := &world{contacts: cs, first: map[int]int{}, districts: map[string]string{}}
	firstAt := map[int]*mContact{}
	for _, c := range cs {
		if c.citizen == nil {
			continue
		}
		p := firstAt[c.citizen.id]
		if p == nil || c.at.Before(p.at) || (c.at.Equal(p.at) && c.id < p.id) {
			firstAt[c.citizen.id] = c
		}
	}
	for id, c := range firstAt {
		w.first[id] = c.id
	}
	w.districts = bestSpellings(cits)
	return w
}

// bestSpellings maps each district key to the spelling most of the
// citizens have; on a tie one not all capitals, then the first in order.
func bestSpellings(cits []*mCitizen) map[string]string {
	spellings := map[string]map[string]int{}
	for _, c := range cits {
		if d := intakerule.District(c.district); d != "" {
			k := intakerule.DistrictKey(d)
			if spellings[k] == nil {
				spellings[k] = map[string]int{}
			}
			spellings[k][d]++
		}
	}
	out := map[string]string{}
	for k, m := range spellings {
		best := ""
		for s, n := range m {
			caps, bestCaps := s == strings.ToUpper(s), best == strings.ToUpper(best)
			if best == "" || n > m[best] || (n == m[best] && ((!caps && bestCaps) || (caps == bestCaps && s < best))) {
				best = s
			}
		}
		out[k] = best
	}
	return out
}

// keys are the model's keys of a single-valued dimension for a contact.
func (w *world) key(c *mContact, d dimension.Dimension, unit dimension.PeriodUnit) string {
	lt := c.at.In(rome)
	ci := c.citizen
	switch d {
	case dimension.Period:
		switch unit {
		case dimension.Week:
			y, wk := lt.ISOWeek()
			return fmt.Sprintf("%d-W%02d", y, wk)
		case dimension.Quarter:
			return fmt.Sprintf("%d-Q%d", lt.Year(), (int(lt.Month())+2)/3)
		case dimension.Year:
			return lt.Format("2006")
		}
		return lt.Format("2006-01")
	case dimension.TargetArea:
		return c.target
	case dimension.ISTATArea:
		switch {
		case c.target == "ELDERLY":
			return "ANZIANI"
		case c.target == "DISABILITY":
			return "DISABILI"
		case c.target == "MINORS_FAMILIES":
			return "FAMIGLIA_MINORI"
		case c.needs[0].code == "HLT_ADDICTION":
			return "DIPENDENZE"
		case strings.HasPrefix(c.needs[0].code, "MIG_"):
			return "IMMIGRATI"
		}
		return "POVERTA_DISAGIO_ADULTI"
	case dimension.MainNeed:
		return c.needs[0].code
	case dimension.AgeBand:
		age := -1
		switch {
		case ci != nil && ci.birth != nil:
			b := *ci.birth
			age = lt.Year() - b.Year()
			if lt.Month() < b.Month() || (lt.Month() == b.Month() && lt.Day() < b.Day()) {
				age--
			}
		case ci == nil && c.anonBirth != 0:
			age = lt.Year() - c.anonBirth
		}
		for i, limit := range []int{18, 30, 45, 65, 75, 85} {
			if age >= 0 && age < limit {
				return dimension.AgeBands[i]
			}
		}
		if age >= 85 {
			return "85+"
		}
		return "UNKNOWN"
	case dimension.Sex:
		if ci != nil && ci.sex != "" {
			return ci.sex
		}
		if ci == nil && c.anonSex != "" {
			return c.anonSex
		}
		return "UNKNOWN"
	case dimension.Citizenship:
		if ci != nil && ci.citizenship != "" {
			return ci.citizenship
		}
		return "UNKNOWN"
	case dimension.District:
		if ci != nil && intakerule.District(ci.district) != "" {
			return w.districts[intakerule.DistrictKey(ci.district)]
		}
		return "UNKNOWN"
	case dimension.Channel:
		return c.channel
	case dimension.Requester:
		return c.requester
	case dimension.Outcome:
		return c.outcome
	case dimension.Operator:
		return c.op
	case dimension.AccessType:
		switch {
		case ci == nil:
			return "ANONYMOUS"
		case w.first[ci.id] == c.id:
			return "FIRST"
		}
		return "RETURN"
	}
	panic("no single key for " + d)
}

type cellSets struct{ contacts, citizens, newCitizens, referrals map[int]bool }

func (s *cellSets) figures() figures {
	return figures{len(s.contacts), len(s.citizens), len(s.newCitizens), len(s.referrals)}
}

// answer is the model's unsuppressed answer: cells by joined keys, and the
// total.
func (w *world) answer(groupBy []dimension.Dimension, unit dimension.PeriodUnit, from, to *time.Time) (map[string]figures, figures) {
	sets, total := w.answerSets(groupBy, unit, analytics.Filter{From: from, To: to})
	out := map[string]figures{}
	for k, s := range sets {
		out[k] = s.figures()
	}
	return out, total.figures()
}

// answerSets is the model's answer as the records each figure counts: by
// cell (joined keys), and the total. The filter's values may restrict
// single-valued dimensions only.
func (w *world) answerSets(groupBy []dimension.Dimension, unit dimension.PeriodUnit, f analytics.Filter) (map[string]*cellSets, *cellSets) {
	from, to := f.From, f.To
	cells := map[string]*cellSets{}
	total := &cellSets{map[int]bool{}, map[int]bool{}, map[int]bool{}, map[int]bool{}}
	byNeed := slices.ContainsFunc(groupBy, func(d dimension.Dimension) bool { return d == dimension.Need || d == dimension.NeedMacro })
	byService := slices.Contains(groupBy, dimension.ReferralService)
	for _, c := range w.contacts {
		day := localtime.Today(c.at)
		if (from != nil && day.Before(*from)) || (to != nil && !day.Before(*to)) {
			continue
		}
		kept := true
		for d, vals := range f.Values {
			kept = kept && slices.Contains(vals, w.key(c, d, unit))
		}
		if !kept {
			continue
		}
		needs := []mNeed{{}}
		if byNeed {
			needs = c.needs
		}
		refs := []*mReferral{nil}
		if byService && len(c.referrals) > 0 {
			refs = refs[:0]
			for i := range c.referrals {
				refs = append(refs, &c.referrals[i])
			}
		}
		add := func(s *cellSets, ref *mReferral) {
			s.contacts[c.id] = true
			if c.citizen != nil {
				s.citizens[c.citizen.id] = true
				if w.first[c.citizen.id] == c.id {
					s.newCitizens[c.citizen.id] = true
				}
			}
			if byService {
				if ref != nil {
					s.referrals[ref.id] = true
				}
			} else {
				for _, r := range c.referrals {
					s.referrals[r.id] = true
				}
			}
		}
		for _, ref := range refs {
			add(total, ref)
			if len(groupBy) == 0 {
				continue
			}
			for _, n := range needs {
				keys := make([]string, len(groupBy))
				for i, d := range groupBy {
					switch d {
					case dimension.Need:
						keys[i] = n.code
					case dimension.NeedMacro:
						keys[i] = n.macro
					case dimension.ReferralService:
						keys[i] = "NONE"
						if ref != nil {
							keys[i] = ref.service
						}
					default:
						keys[i] = w.key(c, d, unit)
					}
				}
				k := strings.Join(keys, "|")
				if cells[k] == nil {
					cells[k] = &cellSets{map[int]bool{}, map[int]bool{}, map[int]bool{}, map[int]bool{}}
				}
				add(cells[k], ref)
			}
		}
	}
	return cells, total
}

// againstModel asks the engine an exact pivot and returns the difference
// of its cells from the model's (empty when equal), then the totals of the
// engine and of the model.
func againstModel(t *testing.T, eng *analytics.Engine, w *world, groupBy []dimension.Dimension, unit dimension.PeriodUnit, filter analytics.Filter) (diff string, got, want figures) {
	t.Helper()
	wantCells, wantTotal := w.answer(groupBy, unit, filter.From, filter.To)
	rep, err := eng.Demand(context.Background(), groupBy, unit, filter, false)
	if err != nil {
		t.Fatalf("pivot %v %s %+v: %v", groupBy, unit, filter, err)
	}
	gotCells := allFigures(rep)
	if len(groupBy) == 0 {
		gotCells = map[string]figures{}
	}
	return cmp.Diff(wantCells, gotCells), figuresOf(rep.Total), wantTotal
}

// TestRandomPivots compares random pivots over random data with the
// model, on each database.
func TestRandomPivots(t *testing.T) {
	all := dimension.Dimension("").Values()
	units := dimension.PeriodUnit("").Values()
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := writeWorld(t, db, 11, 300)
		eng := newFx(t, db).engine(0)
		r := rand.New(rand.NewPCG(5, 6))
		for i := range 60 {
			var groupBy []dimension.Dimension
			for _, j := range r.Perm(len(all))[:r.IntN(4)] {
				groupBy = append(groupBy, dimension.Dimension(all[j]))
			}
			unit := dimension.PeriodUnit(pick(r, units))
			var filter analytics.Filter
			if r.IntN(3) == 0 {
				filter.From = date(2024, time.Month(1+r.IntN(12)), 1+r.IntN(28))
				filter.To = date(2025, time.Month(1+r.IntN(12)), 1+r.IntN(28))
			}
			diff, got, want := againstModel(t, eng, w, groupBy, unit, filter)
			if diff != "" {
				t.Errorf("pivot %d %v %s: cells (-model +engine):\n%s", i, groupBy, unit, diff)
			}
			if got != want {
				t.Errorf("pivot %d %v: total %+v, model %+v", i, groupBy, got, want)
			}
		}
	})
}
