package server

import (
	"math"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/graph/generated"
	"segretariato/internal/analytics"
	"segretariato/internal/dimension"
	"segretariato/internal/refdata"
)

// openRangeYears is how many years a demand query without a date range
// is priced for: its PERIOD dimension then counts the periods of the five
// years up to now.
const openRangeYears = 5

// dimensionKeys is how many keys each dimension can have, UNKNOWN (or
// NONE) included: the enumerations' sizes, the shipped need taxonomy and
// service catalogue, ISO 3166-1's 249 countries; for the district and the
// operator, whose keys are the data's own, a large municipality's count.
var dimensionKeys = map[dimension.Dimension]int{
	dimension.TargetArea:      len(schematype.TargetArea("").Values()) + 1,
	dimension.ISTATArea:       7,
	dimension.Need:            len(refdata.Needs) + 1,
	dimension.MainNeed:        len(refdata.Needs) + 1,
	dimension.NeedMacro:       len(schematype.MacroArea("").Values()) + 1,
	dimension.AgeBand:         len(dimension.AgeBands),
	dimension.Sex:             len(schematype.Sex("").Values()) + 1,
	dimension.Citizenship:     250,
	dimension.District:        50,
	dimension.Channel:         len(schematype.Channel("").Values()) + 1,
	dimension.Requester:       len(schematype.Requester("").Values()) + 1,
	dimension.Outcome:         len(schematype.Outcome("").Values()) + 1,
	dimension.Operator:        50,
	dimension.ReferralService: len(refdata.Services) + 1,
	dimension.AccessType:      3,
}

// demandCells is how many cells a demand answer can have: the product of
// its dimensions' key counts (a filter listing keys of a dimension
// narrows it to those), the PERIOD dimension counting the periods of the
// filter's range. It saturates at math.MaxInt32.
func demandCells(groupBy []dimension.Dimension, period *dimension.PeriodUnit, f *analytics.FilterInput, now time.Time) int {
	cells := 1
	for _, d := range groupBy {
		n := dimensionKeys[d]
		if d == dimension.Period {
			n = periods(period, f, now)
		}
		if f != nil {
			for _, v := range f.Values {
				if v.Dimension == d && len(v.Keys) > 0 && len(v.Keys) < n {
					n = len(v.Keys)
				}
			}
		}
		cells = saturatingMul(cells, max(n, 1))
	}
	return cells
}

// periods counts the periods of a unit (MONTH when nil) between the
// filter's dates; an open end is now, an open start openRangeYears before
// the end.
func periods(unit *dimension.PeriodUnit, f *analytics.FilterInput, now time.Time) int {
	to := now
	if f != nil && f.To != nil {
		to = *f.To
	}
	from := to.AddDate(-openRangeYears, 0, 0)
	if f != nil && f.From != nil {
		from = *f.From
	}
	if !to.After(from) {
		return 1
	}
	days := to.Sub(from).Hours() / 24
	per := 365.25 / 12 // MONTH
	if unit != nil {
		switch *unit {
		case dimension.Week:
			per = 7
		case dimension.Quarter:
			per = 365.25 / 4
		case dimension.Year:
			per = 365.25
		}
	}
	// +1: a range rarely starts on a period's first day.
	return int(math.Min(math.Ceil(days/per)+1, math.MaxInt32))
}

func saturatingMul(a, b int) int {
	if a > 0 && b > math.MaxInt32/a {
		return math.MaxInt32
	}
	return a * b
}

// analyticsComplexity prices a demand answer by the cells it can produce,
// and a referral funnel by its rows (one per period and service): each
// cell or row costs 1 (its figures are one row of the same SQL answer),
// besides the fields selected.
func analyticsComplexity(root *generated.ComplexityRoot) {
	root.Query.Demand = func(child int, groupBy []dimension.Dimension, period *dimension.PeriodUnit, filter *analytics.FilterInput) int {
		return saturatingAdd(1+child, demandCells(groupBy, period, filter, time.Now()))
	}
	root.Query.ReferralFunnel = func(child int, period *dimension.PeriodUnit, filter *analytics.FilterInput) int {
		rows := demandCells([]dimension.Dimension{dimension.Period, dimension.ReferralService}, period, filter, time.Now())
		return saturatingAdd(1+child, rows)
	}
}

func saturatingAdd(a, b int) int {
	if b > math.MaxInt32-a {
		return math.MaxInt32
	}
	return a + b
}
