package analytics_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/apperr"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
)

// town is a small fixture where every rule of the counting contract shows:
//
//	c1 F IT "Molino Vecchio", born 15/06/1980: k9 (2024, her first), k1 (the
//	   day before her 45th birthday), k2 (her birthday, referred to SERD)
//	c2 M MA "MOLINO VECCHIO" (written first), born 01/03/1950: k3 (aged 74,
//	   referred to SAD and PASTI, his first), k4 (aged 75, follow-up)
//	c3 no sex, no citizenship, "Molino  Vecchio ", born 01/01/2010: k5
//	c4 sex X, no birth date, no district: k6
//	anonymous: k7 (F, born 1940, by phone), k8 (nothing known)
func town(t *testing.T, db *database.DB) *fx {
	f := newFx(t, db)
	a := f.operator("a@example.it", schematype.RoleSocialWorker)
	b := f.operator("b@example.it", schematype.RoleSocialWorker)
	c2 := f.citizen(citizenSpec{birth: date(1950, 3, 1), sex: "M", citizenship: "MA", district: "MOLINO VECCHIO"})
	c1 := f.citizen(citizenSpec{birth: date(1980, 6, 15), sex: "F", citizenship: "IT", district: "Molino Vecchio"})
	c3 := f.citizen(citizenSpec{birth: date(2010, 1, 1), district: "Molino  Vecchio "})
	c4 := f.citizen(citizenSpec{sex: "X"})
	f.contact(contactSpec{at: local(2024, 12, 1, 10, 0), operator: a, citizen: c1}) // k9
	f.contact(contactSpec{at: local(2025, 6, 14, 10, 0), operator: a, citizen: c1, needs: []string{"ECO_INCOME", "HOU_EVICTION", "ECO_DEBT"}})
	k2 := f.contact(contactSpec{at: local(2025, 6, 15, 10, 0), operator: a, citizen: c1, needs: []string{"HLT_ADDICTION"}, outcome: schematype.OutcomeReferredExternal})
	k3 := f.contact(contactSpec{at: local(2025, 2, 28, 10, 0), operator: a, citizen: c2, target: schematype.TargetAreaElderly, outcome: schematype.OutcomeReferredExternal})
	f.contact(contactSpec{at: local(2025, 3, 1, 10, 0), operator: a, citizen: c2, target: schematype.TargetAreaElderly, outcome: schematype.OutcomeFollowUp})
	f.contact(contactSpec{at: local(2025, 5, 1, 10, 0), operator: b, citizen: c3, target: schematype.TargetAreaMinorsFamilies, needs: []string{"FAM_PARENTING"}, requester: schematype.RequesterFamilyMember})
	f.contact(contactSpec{at: local(2025, 5, 2, 10, 0), operator: b, citizen: c4, target: schematype.TargetAreaDisability, needs: []string{"DIS_SUPPORT"}})
	f.contact(contactSpec{at: local(2025, 7, 1, 10, 0), operator: b, anonSex: "F", anonBirth: 1940, needs: []string{"MIG_DOCUMENTS"}, channel: schematype.ChannelPhone})
	f.contact(contactSpec{at: local(2025, 7, 2, 10, 0), operator: b, needs: []string{"MIG_LANGUAGE"}})
	f.referral(referralSpec{contact: k2, service: "SERD", status: schematype.ReferralStatusAccepted, proposed: local(2025, 6, 15, 10, 0), accepted: ptr(local(2025, 6, 20, 10, 0))})
	f.referral(referralSpec{contact: k3, service: "SAD", proposed: local(2025, 2, 28, 10, 0)})
	f.referral(referralSpec{contact: k3, service: "PASTI", proposed: local(2025, 2, 28, 10, 0)})
	return f
}

var year2025 = analytics.Filter{From: date(2025, 1, 1), To: date(2026, 1, 1)}

// TestDimensions checks every dimension's cells, in display order, on the
// town fixture: keys, order and the four figures.
func TestDimensions(t *testing.T) {
	type cell struct {
		key string
		figures
	}
	cases := []struct {
		dim   dimension.Dimension
		cells []cell
	}{
		{dimension.TargetArea, []cell{
			{"ADULTS", figures{4, 1, 0, 1}}, {"ELDERLY", figures{2, 1, 1, 2}},
			{"DISABILITY", figures{1, 1, 1, 0}}, {"MINORS_FAMILIES", figures{1, 1, 1, 0}}}},
		{dimension.ISTATArea, []cell{
			{"FAMIGLIA_MINORI", figures{1, 1, 1, 0}}, {"DISABILI", figures{1, 1, 1, 0}},
			{"DIPENDENZE", figures{1, 1, 0, 1}}, {"ANZIANI", figures{2, 1, 1, 2}},
			{"IMMIGRATI", figures{2, 0, 0, 0}}, {"POVERTA_DISAGIO_ADULTI", figures{1, 1, 0, 0}}}},
		{dimension.Need, []cell{
			{"ECO_INCOME", figures{1, 1, 0, 0}}, {"ECO_DEBT", figures{1, 1, 0, 0}}, {"HOU_EVICTION", figures{1, 1, 0, 0}},
			{"HLT_ADDICTION", figures{1, 1, 0, 1}}, {"DIS_SUPPORT", figures{1, 1, 1, 0}}, {"FAM_PARENTING", figures{1, 1, 1, 0}},
			{"MIG_DOCUMENTS", figures{1, 0, 0, 0}}, {"MIG_LANGUAGE", figures{1, 0, 0, 0}}, {"ADM_INFO", figures{2, 1, 1, 2}}}},
		{dimension.MainNeed, []cell{
			{"ECO_INCOME", figures{1, 1, 0, 0}}, {"HLT_ADDICTION", figures{1, 1, 0, 1}}, {"DIS_SUPPORT", figures{1, 1, 1, 0}},
			{"FAM_PARENTING", figures{1, 1, 1, 0}}, {"MIG_DOCUMENTS", figures{1, 0, 0, 0}}, {"MIG_LANGUAGE", figures{1, 0, 0, 0}},
			{"ADM_INFO", figures{2, 1, 1, 2}}}},
		{dimension.NeedMacro, []cell{
			{"ECONOMIC", figures{1, 1, 0, 0}}, {"HOUSING", figures{1, 1, 0, 0}}, {"HEALTH", figures{1, 1, 0, 1}},
			{"DISABILITY", figures{1, 1, 1, 0}}, {"FAMILY", figures{1, 1, 1, 0}}, {"MIGRATION", figures{2, 0, 0, 0}},
			{"ADMIN", figures{2, 1, 1, 2}}}},
		{dimension.AgeBand, []cell{
			{"0-17", figures{1, 1, 1, 0}}, {"30-44", figures{1, 1, 0, 0}}, {"45-64", figures{1, 1, 0, 1}},
			{"65-74", figures{1, 1, 1, 2}}, {"75-84", figures{1, 1, 0, 0}}, {"85+", figures{1, 0, 0, 0}},
			{"UNKNOWN", figures{2, 1, 1, 0}}}},
		{dimension.Sex, []cell{
			{"F", figures{3, 1, 0, 1}}, {"M", figures{2, 1, 1, 2}}, {"X", figures{1, 1, 1, 0}}, {"UNKNOWN", figures{2, 1, 1, 0}}}},
		{dimension.Citizenship, []cell{
			{"IT", figures{2, 1, 0, 1}}, {"MA", figures{2, 1, 1, 2}}, {"UNKNOWN", figures{4, 2, 2, 0}}}},
		{dimension.District, []cell{
			{"Molino Vecchio", figures{5, 3, 2, 3}}, {"UNKNOWN", figures{3, 1, 1, 0}}}},
		{dimension.Channel, []cell{
			{"IN_PERSON", figures{7, 4, 3, 3}}, {"PHONE", figures{1, 0, 0, 0}}}},
		{dimension.Requester, []cell{
			{"SELF", figures{7, 3, 2, 3}}, {"FAMILY_MEMBER", figures{1, 1, 1, 0}}}},
		{dimension.Outcome, []cell{
			{"INFORMED", figures{5, 3, 2, 0}}, {"REFERRED_EXTERNAL", figures{2, 2, 1, 3}}, {"FOLLOW_UP", figures{1, 1, 0, 0}}}},
		{dimension.Operator, []cell{
			{"a@example.it", figures{4, 2, 1, 3}}, {"b@example.it", figures{4, 2, 2, 0}}}},
		{dimension.ReferralService, []cell{
			{"PASTI", figures{1, 1, 1, 1}}, {"SAD", figures{1, 1, 1, 1}}, {"SERD", figures{1, 1, 0, 1}},
			{"NONE", figures{6, 4, 2, 0}}}},
		{dimension.AccessType, []cell{
			{"FIRST", figures{3, 3, 3, 2}}, {"RETURN", figures{3, 2, 0, 1}}, {"ANONYMOUS", figures{2, 0, 0, 0}}}},
		{dimension.Period, []cell{
			{"2025-02", figures{1, 1, 1, 2}}, {"2025-03", figures{1, 1, 0, 0}}, {"2025-05", figures{2, 2, 2, 0}},
			{"2025-06", figures{2, 1, 0, 1}}, {"2025-07", figures{2, 0, 0, 0}}}},
	}
	covered := map[dimension.Dimension]bool{}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		eng := town(t, db).engine(0)
		for _, c := range cases {
			covered[c.dim] = true
			rep, err := eng.Demand(context.Background(), []dimension.Dimension{c.dim}, dimension.Month, year2025, false)
			if err != nil {
				t.Fatalf("%s: %v", c.dim, err)
			}
			var got []cell
			for _, x := range rep.Cells {
				got = append(got, cell{x.Keys[0], figuresOf(x)})
			}
			if diff := cmp.Diff(c.cells, got, cmp.AllowUnexported(cell{})); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.dim, diff)
			}
			if tot := figuresOf(rep.Total); tot != (figures{8, 4, 3, 3}) {
				t.Errorf("%s: total %+v", c.dim, tot)
			}
		}
	})
	for _, d := range dimension.Dimension("").Values() {
		if !covered[dimension.Dimension(d)] {
			t.Errorf("dimension %s is not tested", d)
		}
	}
}

// TestFilterValues checks the filter on single- and multi-valued
// dimensions, and the refusal of bad requests.
func TestFilterValues(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		eng := town(t, db).engine(0)
		ctx := context.Background()
		with := func(d dimension.Dimension, keys ...string) analytics.Filter {
			f := year2025
			f.Values = map[dimension.Dimension][]string{d: keys}
			return f
		}
		for _, c := range []struct {
			name    string
			groupBy []dimension.Dimension
			filter  analytics.Filter
			total   figures
			cells   map[string]figures
		}{
			{"one target area", nil, with("TARGET_AREA", "ELDERLY"), figures{2, 1, 1, 2}, nil},
			{"needs, grouped: only the allowed needs are cells", dims("NEED"), with("NEED", "ECO_DEBT", "ADM_INFO"), figures{3, 2, 1, 2},
				map[string]figures{"ECO_DEBT": {1, 1, 0, 0}, "ADM_INFO": {2, 1, 1, 2}}},
			{"needs, not grouped: contacts with one of them", dims("TARGET_AREA"), with("NEED_MACRO", "ECONOMIC", "HEALTH"), figures{2, 1, 0, 1},
				map[string]figures{"ADULTS": {2, 1, 0, 1}}},
			{"macro areas of the contacts with a need", dims("NEED_MACRO"), with("NEED", "ECO_DEBT"), figures{1, 1, 0, 0},
				map[string]figures{"ECONOMIC": {1, 1, 0, 0}, "HOUSING": {1, 1, 0, 0}}},
			{"needs of a macro area", dims("NEED"), with("NEED_MACRO", "ECONOMIC"), figures{1, 1, 0, 0},
				map[string]figures{"ECO_INCOME": {1, 1, 0, 0}, "ECO_DEBT": {1, 1, 0, 0}}},
			{"a service and no referral, grouped", dims("REFERRAL_SERVICE"), with("REFERRAL_SERVICE", "SAD", "NONE"), figures{7, 4, 3, 1},
				map[string]figures{"SAD": {1, 1, 1, 1}, "NONE": {6, 4, 2, 0}}},
			{"a service and no referral, by target area", dims("TARGET_AREA"), with("REFERRAL_SERVICE", "SAD", "NONE"), figures{7, 4, 3, 1},
				map[string]figures{"ADULTS": {3, 1, 0, 0}, "ELDERLY": {2, 1, 1, 1}, "DISABILITY": {1, 1, 1, 0}, "MINORS_FAMILIES": {1, 1, 1, 0}}},
			{"contacts without referral", nil, with("REFERRAL_SERVICE", "NONE"), figures{6, 4, 2, 0}, nil},
			{"one service counts only its referrals", nil, with("REFERRAL_SERVICE", "SAD"), figures{1, 1, 1, 1}, nil},
			{"district by its displayed name", nil, with("DISTRICT", "Molino Vecchio"), figures{5, 3, 2, 3}, nil},
			{"district in another spelling", nil, with("DISTRICT", "MOLINO VECCHIO"), figures{5, 3, 2, 3}, nil},
			{"unknown district", nil, with("DISTRICT", "UNKNOWN"), figures{3, 1, 1, 0}, nil},
			{"unknown sex", nil, with("SEX", "UNKNOWN"), figures{2, 1, 1, 0}, nil},
			{"age band", nil, with("AGE_BAND", "85+", "0-17"), figures{2, 1, 1, 0}, nil},
			{"anonymous contacts", nil, with("ACCESS_TYPE", "ANONYMOUS"), figures{2, 0, 0, 0}, nil},
			{"period key", nil, with("PERIOD", "2025-06"), figures{2, 1, 0, 1}, nil},
			{"operator", nil, with("OPERATOR", "b@example.it"), figures{4, 2, 2, 0}, nil},
			{"empty list does not restrict", nil, with("CHANNEL"), figures{8, 4, 3, 3}, nil},
			{"all time: c1's first contact is in 2024", nil, analytics.Filter{}, figures{9, 4, 4, 3}, nil},
		} {
			rep, err := eng.Demand(ctx, c.groupBy, dimension.Month, c.filter, false)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := figuresOf(rep.Total); got != c.total {
				t.Errorf("%s: total %+v, want %+v", c.name, got, c.total)
			}
			if c.cells != nil {
				if diff := cmp.Diff(c.cells, allFigures(rep)); diff != "" {
					t.Errorf("%s: cells (-want +got):\n%s", c.name, diff)
				}
			}
		}
		for _, c := range []struct {
			name    string
			groupBy []dimension.Dimension
			period  dimension.PeriodUnit
			filter  analytics.Filter
		}{
			{"unknown key of a closed dimension", nil, "", with("TARGET_AREA", "FOO")},
			{"unknown dimension in the filter", nil, "", with("COLOUR", "RED")},
			{"unknown dimension", dims("COLOUR"), "", analytics.Filter{}},
			{"a dimension twice", dims("SEX", "SEX"), "", analytics.Filter{}},
			{"five dimensions", dims("SEX", "CHANNEL", "OUTCOME", "REQUESTER", "TARGET_AREA"), "", analytics.Filter{}},
			{"unknown period unit", dims("PERIOD"), "DAY", analytics.Filter{}},
			{"to before from", nil, "", analytics.Filter{From: date(2025, 2, 1), To: date(2025, 1, 1)}},
		} {
			_, err := eng.Demand(ctx, c.groupBy, c.period, c.filter, false)
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s: error %v, want INVALID", c.name, err)
			}
		}
	})
}

// TestLabels checks the Italian display names of the town's answer.
func TestLabels(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		eng := town(t, db).engine(0)
		got := map[string]string{}
		for _, g := range [][]dimension.Dimension{dims("ISTAT_AREA", "NEED"), dims("REFERRAL_SERVICE", "PERIOD"), dims("AGE_BAND", "SEX"), dims("OPERATOR", "CITIZENSHIP", "ACCESS_TYPE", "NEED_MACRO")} {
			rep, err := eng.Demand(context.Background(), g, dimension.Month, year2025, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range rep.Cells {
				for i, k := range c.Keys {
					got[string(g[i])+"/"+k] = c.Labels[i]
				}
			}
		}
		for key, want := range map[string]string{
			"ISTAT_AREA/POVERTA_DISAGIO_ADULTI": "Povertà, disagio adulti e senza dimora",
			"ISTAT_AREA/DIPENDENZE":             "Dipendenze",
			"NEED/HOU_EVICTION":                 "Sfratto, perdita dell'alloggio",
			"REFERRAL_SERVICE/NONE":             "Nessun invio",
			"REFERRAL_SERVICE/SERD":             "Servizio dipendenze",
			"PERIOD/2025-06":                    "giugno 2025",
			"AGE_BAND/85+":                      "85 anni e oltre",
			"AGE_BAND/UNKNOWN":                  "Età non nota",
			"SEX/F":                             "Femmine",
			"OPERATOR/a@example.it":             "Op a@example.it",
			"CITIZENSHIP/MA":                    "Marocco",
			"CITIZENSHIP/UNKNOWN":               "Non nota",
			"ACCESS_TYPE/FIRST":                 "Primo accesso",
			"NEED_MACRO/ECONOMIC":               "Difficoltà economiche",
		} {
			if got[key] != want {
				t.Errorf("label of %s = %q, want %q", key, got[key], want)
			}
		}
	})
}

// TestPeriodLabels checks the display names of period keys.
func TestPeriodLabels(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		f := newFx(t, db)
		f.contact(contactSpec{at: local(2025, 12, 29, 10, 0), operator: f.operator("a@example.it", schematype.RoleSocialWorker)})
		eng := f.engine(0)
		for u, want := range map[dimension.PeriodUnit]string{
			dimension.Week:    "settimana 1 del 2026 (29/12/2025 - 04/01/2026)",
			dimension.Month:   "dicembre 2025",
			dimension.Quarter: "4° trimestre 2025",
			dimension.Year:    "2025",
		} {
			rep, err := eng.Demand(context.Background(), dims("PERIOD"), u, analytics.Filter{}, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Cells[0].Labels[0]; got != want {
				t.Errorf("%s label %q, want %q", u, got, want)
			}
		}
	})
}
