package analytics_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
)

// The analysts' figures under the cell-key method. What the tests hold the
// engine to (the README's "Disclosure control"):
//
//  1. Every figure an analyst gets is 0 for no record, withheld (nil) for
//     a true count of 1 to K-1, and otherwise withheld or within ±2 of the
//     truth and at least K: no count of 1 to K-1 is ever shown.
//  2. The noise is a function of the records the figure counts: the same
//     records, asked twice or through another grouping or filter, give
//     the same figure (so repeating a question and averaging gains
//     nothing).
//  3. Differencing: for two answers whose records differ by a small group
//     of s (1 to K-1) records (Jan–Mar minus Jan–Feb; the total minus
//     "all values but one"), the difference of the published figures is
//     s only when the two noises happen to be equal (one case in five),
//     and the same difference arises from other true values, so the
//     attacker cannot tell s. Exact (coordinator) figures always give s.
//
// The true counts, record sets and key sums come from the model of the
// random data (random_test.go) and the keys read back with plain SQL, not
// from the engine.

// recordKeys are the stored record keys, by id.
type recordKeys struct{ contacts, citizens, referrals map[int]int64 }

func readKeys(t *testing.T, db *database.DB) recordKeys {
	t.Helper()
	k := recordKeys{map[int]int64{}, map[int]int64{}, map[int]int64{}}
	for table, m := range map[string]map[int]int64{"contacts": k.contacts, "citizens": k.citizens, "referrals": k.referrals} {
		rows, err := db.SQL.QueryContext(context.Background(), "SELECT id, record_key FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int
			var key int64
			if err := rows.Scan(&id, &key); err != nil {
				t.Fatal(err)
			}
			m[id] = key
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// rekey draws new random record keys for every record, in SQL.
func rekey(t *testing.T, db *database.DB) {
	t.Helper()
	expr := "abs(random()) % 4096"
	if db.Dialect == dialect.Postgres {
		expr = "floor(random() * 4096)"
	}
	for _, table := range []string{"contacts", "citizens", "referrals"} {
		if _, err := db.SQL.ExecContext(context.Background(), "UPDATE "+table+" SET record_key = "+expr); err != nil {
			t.Fatal(err)
		}
	}
	refreshFigures(t, db)
}

var measures = []string{"contacts", "citizens", "newCitizens", "referrals"}

// records are a figure's records: their kind (citizens and newCitizens
// both count citizens), ids and key sum.
func (s *cellSets) records(m string, keys recordKeys) (kind string, ids []int, sum int64) {
	set, from := s.contacts, keys.contacts
	kind = "contacts"
	switch m {
	case "citizens":
		set, from, kind = s.citizens, keys.citizens, "citizens"
	case "newCitizens":
		set, from, kind = s.newCitizens, keys.citizens, "citizens"
	case "referrals":
		set, from, kind = s.referrals, keys.referrals, "referrals"
	}
	ids = slices.Sorted(maps.Keys(set))
	for _, id := range ids {
		sum += from[id]
	}
	return kind, ids, sum
}

func show(p *int) string {
	if p == nil {
		return "withheld"
	}
	return strconv.Itoa(*p)
}

// randomFilter is a whole-month range, sometimes, and one or two values of
// a single-valued dimension, sometimes.
func randomFilter(r *rand.Rand, w *world) analytics.Filter {
	var f analytics.Filter
	if r.IntN(2) == 0 {
		m := r.IntN(20)
		f.From = date(2024, time.Month(1+m), 1)
		f.To = date(2024, time.Month(1+m+1+r.IntN(6)), 1)
	}
	if r.IntN(2) == 0 {
		d := pick(r, []dimension.Dimension{dimension.TargetArea, dimension.Channel, dimension.Sex, dimension.Citizenship, dimension.District, dimension.Outcome})
		var vals []string
		for range 1 + r.IntN(2) {
			vals = append(vals, w.key(pick(r, w.contacts), d, dimension.Month))
		}
		f.Values = map[dimension.Dimension][]string{d: vals}
	}
	return f
}

// expectedFigure is the published rule of the analysts' figures, written
// here again from the README (not by calling the engine): a true count n
// whose records' keys add up to keySum shows 0 when it is 0, nothing when
// it is 1 to k-1, and otherwise n plus the noise its cell key (keySum
// modulo 4096) picks from five equal bands, -2 to +2, nothing when that
// falls below k.
func expectedFigure(n int, keySum int64, k int) *int {
	if n == 0 {
		return &n
	}
	if n < k {
		return nil
	}
	ck := ((keySum % 4096) + 4096) % 4096
	noise := 2
	for i, bound := range []int64{819, 1638, 2458, 3277} {
		if ck < bound {
			noise = i - 2
			break
		}
	}
	v := n + noise
	if v < k {
		return nil
	}
	return &v
}

// TestCellKeyProperty asks random pivots with random filters of random
// data as an analyst and checks promises 1 and 2 on every figure.
func TestCellKeyProperty(t *testing.T) {
	all := []dimension.Dimension{dimension.Period, dimension.TargetArea, dimension.Need, dimension.NeedMacro,
		dimension.Sex, dimension.Citizenship, dimension.District, dimension.Channel, dimension.AccessType,
		dimension.ReferralService, dimension.AgeBand, dimension.Outcome}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := writeWorld(t, db, 23, 300)
		keys := readKeys(t, db)
		// The citizens' key sum counts on the citizens' ids sharing one
		// range of 2^32 (demandMeasures).
		ranges := map[int]bool{}
		for id := range keys.citizens {
			ranges[id>>32] = true
		}
		if len(ranges) != 1 {
			t.Fatalf("the citizens' ids are in %d ranges of 2^32", len(ranges))
		}
		r := rand.New(rand.NewPCG(7, 8))
		seen := map[string]string{} // k, kind and records → the figure shown
		perturbed, withheld, repeated := 0, 0, 0
		for i := range 120 {
			k := pick(r, []int{3, 4, 5, 7})
			eng := newFx(t, db).engine(k)
			var groupBy []dimension.Dimension
			for _, j := range r.Perm(len(all))[:r.IntN(3)] {
				groupBy = append(groupBy, all[j])
			}
			unit := pick(r, []dimension.PeriodUnit{dimension.Month, dimension.Quarter, dimension.Year})
			f := randomFilter(r, w)
			rep, err := eng.Demand(context.Background(), groupBy, unit, f, true)
			if err != nil {
				t.Fatalf("pivot %d %v %+v: %v", i, groupBy, f, err)
			}
			wantCells, wantTotal := w.answerSets(groupBy, unit, f)
			got := byKey(rep)
			if len(groupBy) == 0 {
				got = map[string]analytics.Cell{}
			}
			if len(got) != len(wantCells) {
				t.Fatalf("pivot %d %v: %d cells, the model has %d", i, groupBy, len(got), len(wantCells))
			}
			got["TOTAL"], wantCells["TOTAL"] = rep.Total, wantTotal
			for key, sets := range wantCells {
				cell, ok := got[key]
				if !ok {
					t.Fatalf("pivot %d %v: no cell %s", i, groupBy, key)
				}
				anyHidden := false
				for _, m := range measures {
					kind, ids, sum := sets.records(m, keys)
					truth, shown := len(ids), measure(cell, m)
					where := fmt.Sprintf("pivot %d %v %s k=%d %s %s", i, groupBy, unit, k, key, m)
					switch {
					case truth == 0 && (shown == nil || *shown != 0):
						t.Errorf("%s: no record, shows %s", where, show(shown))
					case truth > 0 && truth < k && shown != nil:
						t.Errorf("%s: small count %d shows %d", where, truth, *shown)
					case truth > 0 && shown != nil && (*shown < k || *shown < truth-2 || *shown > truth+2):
						t.Errorf("%s: %d records shows %d: not within ±2 and at least %d", where, truth, *shown, k)
					}
					if want := expectedFigure(truth, sum, k); show(want) != show(shown) {
						t.Errorf("%s: shows %s, the cell key of its %d records gives %s", where, show(shown), truth, show(want))
					}
					sig := fmt.Sprint(k, kind, ids)
					if prev, ok := seen[sig]; ok {
						repeated++
						if prev != show(shown) {
							t.Errorf("%s: the same %d records shown as %s and as %s", where, truth, prev, show(shown))
						}
					}
					seen[sig] = show(shown)
					if shown == nil {
						anyHidden = true
						withheld++
					} else if *shown != truth {
						perturbed++
					}
				}
				if cell.Suppressed != anyHidden {
					t.Errorf("pivot %d %s: suppressed = %v, withheld figures %v", i, key, cell.Suppressed, anyHidden)
				}
			}
		}
		t.Logf("%d figures perturbed, %d withheld, %d record sets met again", perturbed, withheld, repeated)
		if perturbed < 100 || withheld < 100 || repeated < 100 {
			t.Errorf("the random pivots did not exercise the method: %d perturbed, %d withheld, %d repeated", perturbed, withheld, repeated)
		}
	})
}

// attack is one differencing attack: the true size of the small group and
// the difference of the two published figures.
type attack struct{ truth, diff int }

// judge checks promise 3 over a set of attacks and returns the share of
// exact recoveries.
func judge(t *testing.T, name string, attacks []attack, min int) float64 {
	t.Helper()
	if len(attacks) < min {
		t.Fatalf("%s: only %d attacks with both figures published, want %d", name, len(attacks), min)
	}
	hits := 0
	offsets := map[int]bool{}
	truths := map[int]map[int]bool{} // difference → the true values that gave it
	for _, a := range attacks {
		if a.diff == a.truth {
			hits++
		}
		offsets[a.diff-a.truth] = true
		if truths[a.diff] == nil {
			truths[a.diff] = map[int]bool{}
		}
		truths[a.diff][a.truth] = true
	}
	share := float64(hits) / float64(len(attacks))
	t.Logf("%s: %d attacks, the difference is the true count in %d (%.0f%%), off by %v", name, len(attacks), hits, 100*share, slices.Sorted(maps.Keys(offsets)))
	if share > 0.4 {
		t.Errorf("%s: %d of %d attacks recover the small count exactly (expected about 1 in 5)", name, hits, len(attacks))
	}
	if len(offsets) < 3 {
		t.Errorf("%s: the difference is off by %v only: the noise does not hide the count", name, slices.Sorted(maps.Keys(offsets)))
	}
	return share
}

// TestDifferencingAttacks mounts the two attacks from random filters on
// random data: a month range and the same range one month shorter; the
// total and the total of every value of a dimension but one. The small
// group between the two answers has 1 to K-1 contacts (or referrals).
func TestDifferencingAttacks(t *testing.T) {
	const k = 5
	dims := []dimension.Dimension{dimension.TargetArea, dimension.Channel, dimension.Sex, dimension.Citizenship,
		dimension.District, dimension.Outcome, dimension.Requester}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		w := writeWorld(t, db, 31, 400)
		eng := newFx(t, db).engine(k)
		r := rand.New(rand.NewPCG(9, 10))
		var attacks []attack
		ambiguous := map[int]map[int]bool{}
		for range 800 {
			var a, b analytics.Filter
			m := "contacts"
			if r.IntN(3) == 0 {
				m = "referrals"
			}
			if r.IntN(2) == 0 {
				// Jan–Mar minus Jan–Feb, with one value of a dimension or two.
				m1 := r.IntN(18)
				n := 1 + r.IntN(5)
				a.From, a.To = date(2024, time.Month(1+m1), 1), date(2024, time.Month(1+m1+n+1), 1)
				b.From, b.To = a.From, date(2024, time.Month(1+m1+n), 1)
				a.Values = map[dimension.Dimension][]string{}
				for range 1 + r.IntN(2) {
					d := pick(r, dims)
					a.Values[d] = []string{w.key(pick(r, w.contacts), d, dimension.Month)}
				}
				b.Values = a.Values
			} else {
				// The total minus every value but one.
				d := pick(r, dims)
				values := map[string]bool{}
				for _, c := range w.contacts {
					values[w.key(c, d, dimension.Month)] = true
				}
				one := w.key(pick(r, w.contacts), d, dimension.Month)
				var others []string
				for v := range values {
					if v != one {
						others = append(others, v)
					}
				}
				if len(others) == 0 {
					continue
				}
				if r.IntN(2) == 0 {
					m1 := r.IntN(12)
					a.From, a.To = date(2024, time.Month(1+m1), 1), date(2024, time.Month(1+m1+1+r.IntN(12)), 1)
					b.From, b.To = a.From, a.To
				}
				b.Values = map[dimension.Dimension][]string{d: others}
			}
			_, ta := w.answerSets(nil, dimension.Month, a)
			_, tb := w.answerSets(nil, dimension.Month, b)
			truth := ta.figures().Contacts - tb.figures().Contacts
			if m == "referrals" {
				truth = ta.figures().Referrals - tb.figures().Referrals
			}
			if truth < 1 || truth >= k {
				continue
			}
			var shown [2]*int
			for i, f := range []analytics.Filter{a, b} {
				exact, err := eng.Demand(context.Background(), nil, "", f, false)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := eng.Demand(context.Background(), nil, "", f, true)
				if err != nil {
					t.Fatal(err)
				}
				if want := []int{ta.figures().Contacts, tb.figures().Contacts}[i]; m == "contacts" && *exact.Total.Contacts != want {
					t.Fatalf("exact total %d, the model has %d", *exact.Total.Contacts, want)
				}
				shown[i] = measure(rep.Total, m)
			}
			if shown[0] == nil || shown[1] == nil {
				continue // withheld: nothing to subtract
			}
			at := attack{truth, *shown[0] - *shown[1]}
			attacks = append(attacks, at)
			if ambiguous[at.diff] == nil {
				ambiguous[at.diff] = map[int]bool{}
			}
			ambiguous[at.diff][truth] = true
		}
		judge(t, "random attacks", attacks, 100)
		shared := 0
		for _, truths := range ambiguous {
			if len(truths) > 1 {
				shared++
			}
		}
		if shared == 0 {
			t.Errorf("no difference arose from two different true counts: %v", ambiguous)
		}
	})
}

// TestCanonicalAttacks mounts the two attacks of the README on a town
// where they recover a person-sized group from exact figures — March in
// one target area and district (4 contacts: Jan–Mar 20 minus Jan–Feb 16)
// and the referrals of the one CN citizen (2: total 16 minus every
// citizenship but CN 14) — and redraws every record key many times: the
// attacker recovers the group only when the two noises happen to be equal,
// about one draw in five. Within a draw, the same figure asked again, or
// as a cell of a pivot, is the same.
func TestCanonicalAttacks(t *testing.T) {
	const k = 5
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		f := newFx(t, db)
		op := f.operator("a@example.it", schematype.RoleSocialWorker)
		day := func(m time.Month, i int) time.Time { return local(2025, m, 1+i%27, 10, 0) }
		for i := range 20 {
			m := time.Month(1 + i%2)
			if i >= 16 {
				m = time.March
			}
			c := f.citizen(citizenSpec{citizenship: pick(rand.New(rand.NewPCG(uint64(i), 1)), []string{"IT", "MA", "RO"}), district: "Riva"})
			id := f.contact(contactSpec{at: day(m, i), operator: op, citizen: c, target: schematype.TargetAreaElderly})
			if i%3 == 0 {
				f.referral(referralSpec{contact: id, service: "SSP", proposed: day(m, i)})
				f.referral(referralSpec{contact: id, service: "SAD", proposed: day(m, i)})
			}
		}
		// Elsewhere: other areas and districts, and the CN citizen.
		for i := range 10 {
			f.contact(contactSpec{at: day(time.Month(1+i%3), i), operator: op, target: schematype.TargetAreaAdults})
		}
		cn := f.citizen(citizenSpec{citizenship: "CN", district: "Centro"})
		id := f.contact(contactSpec{at: day(time.April, 3), operator: op, citizen: cn, target: schematype.TargetAreaAdults})
		f.referral(referralSpec{contact: id, service: "CAF", proposed: day(time.April, 3)})
		f.referral(referralSpec{contact: id, service: "SSP", proposed: day(time.April, 3)})
		eng := f.engine(k)
		area := map[dimension.Dimension][]string{dimension.TargetArea: {"ELDERLY"}, dimension.District: {"Riva"}}
		janMar := analytics.Filter{From: date(2025, 1, 1), To: date(2025, 4, 1), Values: area}
		janFeb := analytics.Filter{From: date(2025, 1, 1), To: date(2025, 3, 1), Values: area}
		year := analytics.Filter{From: date(2025, 1, 1), To: date(2026, 1, 1)}
		notCN := analytics.Filter{From: year.From, To: year.To, Values: map[dimension.Dimension][]string{
			dimension.Citizenship: {"IT", "MA", "RO", "UNKNOWN"}}}
		total := func(f analytics.Filter, suppress bool, m string) *int {
			t.Helper()
			rep, err := eng.Demand(context.Background(), nil, "", f, suppress)
			if err != nil {
				t.Fatal(err)
			}
			return measure(rep.Total, m)
		}
		if d := val(total(janMar, false, "contacts")) - val(total(janFeb, false, "contacts")); d != 4 {
			t.Fatalf("exact Jan–Mar minus Jan–Feb = %d, want 4", d)
		}
		if d := val(total(year, false, "referrals")) - val(total(notCN, false, "referrals")); d != 2 {
			t.Fatalf("exact referrals minus all but CN = %d, want 2", d)
		}
		var march, cnRefs []attack
		for range 150 {
			rekey(t, db)
			a, b := total(janMar, true, "contacts"), total(janFeb, true, "contacts")
			if again := total(janMar, true, "contacts"); show(again) != show(a) {
				t.Fatalf("Jan–Mar asked twice: %s, then %s", show(a), show(again))
			}
			rep, err := eng.Demand(context.Background(), dims("TARGET_AREA"), "", analytics.Filter{
				From: janMar.From, To: janMar.To, Values: map[dimension.Dimension][]string{dimension.District: {"Riva"}}}, true)
			if err != nil {
				t.Fatal(err)
			}
			if cell := byKey(rep)["ELDERLY"]; show(cell.Contacts) != show(a) {
				t.Fatalf("Jan–Mar as a filter %s, as a cell %s", show(a), show(cell.Contacts))
			}
			if a != nil && b != nil {
				march = append(march, attack{4, *a - *b})
			}
			a, b = total(year, true, "referrals"), total(notCN, true, "referrals")
			if a != nil && b != nil {
				cnRefs = append(cnRefs, attack{2, *a - *b})
			}
		}
		judge(t, "Jan–Mar minus Jan–Feb", march, 100)
		judge(t, "referrals minus all but CN", cnRefs, 100)
	})
}
