package dimension_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"segretariato/internal/dimension"
	"segretariato/internal/localtime"
)

func ptr[T any](v T) *T { return &v }

// base is a contact of a citizen born on 10 March 1980, at 00:30 local
// time on 1 April 2025 (still 31 March in UTC).
func base() *dimension.Contact {
	return &dimension.Contact{
		ID:         7,
		OccurredAt: time.Date(2025, 4, 1, 0, 30, 0, 0, localtime.Rome),
		Citizen: &dimension.Citizen{ID: 3, BirthDate: ptr(time.Date(1980, 3, 10, 0, 0, 0, 0, time.UTC)),
			Sex: "F", Citizenship: "MA", DistrictKey: "riva"},
		TargetArea: "ADULTS", Channel: "PHONE", Requester: "SELF", Outcome: "INFORMED",
		MainNeed:      dimension.NeedCategory{Code: "MIG_DOCUMENTS", Macro: "MIGRATION"},
		Needs:         []dimension.NeedCategory{{Code: "MIG_DOCUMENTS", Macro: "MIGRATION"}, {Code: "ECO_INCOME", Macro: "ECONOMIC"}, {Code: "ECO_DEBT", Macro: "ECONOMIC"}},
		OperatorEmail: "a@x.it",
		Referrals:     []dimension.Referral{{Service: "SAD", Open: true, RecordKey: 5}, {Service: "CAF", RecordKey: 7}, {Service: "SAD", RecordKey: 11}},
		First:         true,
	}
}

// TestKeys derives every dimension's key of a few contacts: one row per
// dimension and case. A new dimension adds its rows here.
func TestKeys(t *testing.T) {
	anon := func(c *dimension.Contact) { c.Citizen, c.AnonymousSex, c.AnonymousBirthYear = nil, "M", ptr(1950) }
	erased := func(c *dimension.Contact) {
		c.Citizen = &dimension.Citizen{ID: 3, Sex: "F"}
		c.ErasedAgeBand, c.ErasedCitizenship, c.ErasedDistrictKey = "30-44", "RO", "centro"
	}
	cases := []struct {
		dim  dimension.Dimension
		edit func(*dimension.Contact)
		want string
	}{
		{dimension.TargetArea, nil, "ADULTS"},
		{dimension.ISTATArea, nil, dimension.ISTATImmigrants},
		{dimension.ISTATArea, func(c *dimension.Contact) { c.TargetArea = "ELDERLY" }, dimension.ISTATElderly},
		{dimension.ISTATArea, func(c *dimension.Contact) { c.MainNeed.Code = "HLT_ADDICTION" }, dimension.ISTATAddiction},
		{dimension.ISTATArea, func(c *dimension.Contact) { c.MainNeed.Code = "ECO_INCOME" }, dimension.ISTATPovertyAdult},
		{dimension.MainNeed, nil, "MIG_DOCUMENTS"},
		{dimension.AgeBand, nil, "45-64"}, // 45 on its local date
		{dimension.AgeBand, func(c *dimension.Contact) { c.Citizen.BirthDate = ptr(time.Date(1980, 4, 2, 0, 0, 0, 0, time.UTC)) }, "30-44"},
		{dimension.AgeBand, func(c *dimension.Contact) { c.Citizen.BirthDate = nil; c.AnonymousBirthYear = ptr(1950) }, dimension.Unknown},
		{dimension.AgeBand, anon, "75-84"},
		{dimension.AgeBand, erased, "30-44"},
		{dimension.Sex, nil, "F"},
		{dimension.Sex, anon, "M"},
		{dimension.Sex, func(c *dimension.Contact) { c.Citizen.Sex = "" }, dimension.Unknown},
		{dimension.Citizenship, nil, "MA"},
		{dimension.Citizenship, erased, "RO"},
		{dimension.District, nil, "riva"},
		{dimension.District, erased, "centro"},
		{dimension.District, anon, dimension.Unknown},
		{dimension.Channel, nil, "PHONE"},
		{dimension.Requester, nil, "SELF"},
		{dimension.Outcome, nil, "INFORMED"},
		{dimension.Operator, nil, "a@x.it"},
		{dimension.AccessType, nil, dimension.AccessFirst},
		{dimension.AccessType, func(c *dimension.Contact) { c.First = false }, dimension.AccessReturn},
		{dimension.AccessType, anon, dimension.AccessAnonymous},
	}
	covered := map[dimension.Dimension]bool{}
	for _, tc := range cases {
		c := base()
		if tc.edit != nil {
			tc.edit(c)
		}
		if got := dimension.Of(tc.dim).Key(c); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.dim, got, tc.want)
		}
		covered[tc.dim] = true
	}
	for _, d := range dimension.Single() {
		if !covered[d.Dim] {
			t.Errorf("%s has no case in TestKeys", d.Dim)
		}
	}
}

// TestValues derives the keys of the multi-valued dimensions.
func TestValues(t *testing.T) {
	c := base()
	want := map[dimension.Dimension][]dimension.Value{
		dimension.Need:            {{Key: "ECO_DEBT", Parent: "ECONOMIC"}, {Key: "ECO_INCOME", Parent: "ECONOMIC"}, {Key: "MIG_DOCUMENTS", Parent: "MIGRATION"}},
		dimension.NeedMacro:       {{Key: "ECONOMIC"}, {Key: "MIGRATION"}},
		dimension.ReferralService: {{Key: "CAF", Referrals: 1, RefKey: 7}, {Key: "SAD", Referrals: 2, Open: 1, RefKey: 16}},
	}
	none := &dimension.Contact{}
	wantNone := map[dimension.Dimension][]dimension.Value{
		dimension.Need:            {{Key: dimension.Unknown, Parent: dimension.Unknown}},
		dimension.NeedMacro:       {{Key: dimension.Unknown}},
		dimension.ReferralService: {{Key: dimension.NoReferral}},
	}
	for _, d := range dimension.MultiValued() {
		if diff := cmp.Diff(want[d.Dim], d.Values(c)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", d.Dim, diff)
		}
		if diff := cmp.Diff(wantNone[d.Dim], d.Values(none)); diff != "" {
			t.Errorf("%s of a contact with none (-want +got):\n%s", d.Dim, diff)
		}
	}
}

// TestDeclarations checks what every entry must say.
func TestDeclarations(t *testing.T) {
	for _, d := range dimension.All {
		if d.Dim == dimension.Period {
			continue
		}
		if (d.Key == nil) == (d.Values == nil) {
			t.Errorf("%s: exactly one of Key and Values", d.Dim)
		}
		for _, k := range d.Closed {
			if _, ok := d.Labels[k]; !ok && k != dimension.Unknown && d.Lookup == dimension.NoLookup {
				t.Errorf("%s: key %s has no label", d.Dim, k)
			}
		}
		if d.Parent != "" && dimension.Of(d.Parent) == nil {
			t.Errorf("%s: unknown parent %s", d.Dim, d.Parent)
		}
	}
	// The API's dimensions, in the order clients see them: a change here is
	// a change of the published schema.
	want := []string{"PERIOD", "TARGET_AREA", "ISTAT_AREA", "NEED", "MAIN_NEED", "NEED_MACRO", "AGE_BAND", "SEX",
		"CITIZENSHIP", "DISTRICT", "CHANNEL", "REQUESTER", "OUTCOME", "OPERATOR", "REFERRAL_SERVICE", "ACCESS_TYPE"}
	if got := dimension.Dimension("").Values(); !slices.Equal(got, want) {
		t.Errorf("Values = %v, want %v", got, want)
	}
}

// TestPeriods checks the keys and bounds of the period units.
func TestPeriods(t *testing.T) {
	day := dimension.Day(time.Date(2025, 12, 28, 23, 30, 0, 0, time.UTC)) // 00:30 on 29 December, local
	for _, tc := range []struct {
		unit     dimension.PeriodUnit
		key      string
		from, to string
	}{
		{dimension.Week, "2026-W01", "2025-12-29", "2026-01-05"},
		{dimension.Month, "2025-12", "2025-12-01", "2026-01-01"},
		{dimension.Quarter, "2025-Q4", "2025-10-01", "2026-01-01"},
		{dimension.Year, "2025", "2025-01-01", "2026-01-01"},
	} {
		if got := dimension.PeriodKey(tc.unit, day); got != tc.key {
			t.Errorf("%s key %s, want %s", tc.unit, got, tc.key)
		}
		from, to, ok := dimension.PeriodBounds(tc.unit, tc.key)
		if !ok || dimension.DayKey(from) != tc.from || dimension.DayKey(to) != tc.to {
			t.Errorf("%s bounds of %s: %v %v %v", tc.unit, tc.key, from, to, ok)
		}
	}
}
