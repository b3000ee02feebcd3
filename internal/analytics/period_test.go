package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
)

// periodCases are instants and the period keys of their Europe/Rome local
// date. Summer time (+2h) runs from 01:00 UTC on the last Sunday of March
// to 01:00 UTC on the last Sunday of October: an instant at 22:30 UTC is
// the next local day in summer and the same day in winter, which is where
// a wrong offset shows.
var periodCases = []struct {
	name                        string
	at                          time.Time
	week, month, quarter, year_ string
}{
	{"ISO week-year: Monday 29 December 2025 is 2026-W01", local(2025, 12, 29, 10, 0), "2026-W01", "2025-12", "2025-Q4", "2025"},
	{"Sunday 28 December 2025 late evening is 2025-W52", local(2025, 12, 28, 23, 30), "2025-W52", "2025-12", "2025-Q4", "2025"},
	{"Sunday 3 January 2021 is in 2020-W53", local(2021, 1, 3, 11, 0), "2020-W53", "2021-01", "2021-Q1", "2021"},
	{"Monday 30 December 2024 is 2025-W01", local(2024, 12, 30, 9, 30), "2025-W01", "2024-12", "2024-Q4", "2024"},
	{"Friday 1 January 2016 is 2015-W53", local(2016, 1, 1, 9, 30), "2015-W53", "2016-01", "2016-Q1", "2016"},
	{"00:30 local on 1 January 2026 is 2026 (UTC still 2025)", utc(2025, 12, 31, 23, 30), "2026-W01", "2026-01", "2026-Q1", "2026"},
	{"00:30 local on 1 April 2025 is April (summer time, UTC 31 March)", utc(2025, 3, 31, 22, 30), "2025-W14", "2025-04", "2025-Q2", "2025"},
	{"00:30 local on Monday 1 April 2024, the day after the spring change", utc(2024, 3, 31, 22, 30), "2024-W14", "2024-04", "2024-Q2", "2024"},
	{"23:30 local on Saturday 30 March 2024, before the spring change", utc(2024, 3, 30, 22, 30), "2024-W13", "2024-03", "2024-Q1", "2024"},
	{"spring change instant 2024-03-31 01:00 UTC is 03:00 local", utc(2024, 3, 31, 1, 0), "2024-W13", "2024-03", "2024-Q1", "2024"},
	{"00:30 local on 1 October 2025 is October (summer time, UTC 30 September)", utc(2025, 9, 30, 22, 30), "2025-W40", "2025-10", "2025-Q4", "2025"},
	{"23:30 local on 31 October 2025 is October (winter time)", utc(2025, 10, 31, 22, 30), "2025-W44", "2025-10", "2025-Q4", "2025"},
	{"autumn change day 2021-10-31: 22:30 UTC is 23:30 local, still October", utc(2021, 10, 31, 22, 30), "2021-W43", "2021-10", "2021-Q4", "2021"},
	{"autumn change day 2021-10-31: 00:30 UTC is 02:30 summer time", utc(2021, 10, 31, 0, 30), "2021-W43", "2021-10", "2021-Q4", "2021"},
	{"the night before the autumn change: 22:30 UTC on 30 October 2021 is 31 October", utc(2021, 10, 30, 22, 30), "2021-W43", "2021-10", "2021-Q4", "2021"},
	{"00:30 local on 1 July 2024 is Q3", utc(2024, 6, 30, 22, 30), "2024-W27", "2024-07", "2024-Q3", "2024"},
}

// TestPeriodKeys buckets one contact per case (each with its own operator,
// so the OPERATOR key tells them apart) and checks every unit's key, and
// that Go's own conversion agrees with the table.
func TestPeriodKeys(t *testing.T) {
	now := time.Now()
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		f := newFx(t, db)
		want := map[dimension.PeriodUnit]map[string]string{}
		for i, c := range periodCases {
			if c.at.After(now) {
				continue // contacts cannot be in the future
			}
			lt := c.at.In(rome)
			y, w := lt.ISOWeek()
			goKeys := [4]string{fmt.Sprintf("%d-W%02d", y, w), lt.Format("2006-01"), fmt.Sprintf("%d-Q%d", lt.Year(), (int(lt.Month())+2)/3), lt.Format("2006")}
			if goKeys != [4]string{c.week, c.month, c.quarter, c.year_} {
				t.Fatalf("%s: the table disagrees with Go's time zone data: %v", c.name, goKeys)
			}
			email := fmt.Sprintf("case%02d@example.it", i)
			f.contact(contactSpec{at: c.at, operator: f.operator(email, schematype.RoleSocialWorker)})
			for u, k := range map[dimension.PeriodUnit]string{dimension.Week: c.week, dimension.Month: c.month, dimension.Quarter: c.quarter, dimension.Year: c.year_} {
				if want[u] == nil {
					want[u] = map[string]string{}
				}
				want[u][email] = k
			}
		}
		eng := f.engine(0)
		for _, u := range []dimension.PeriodUnit{dimension.Week, dimension.Month, dimension.Quarter, dimension.Year} {
			rep, err := eng.Demand(context.Background(), dims("OPERATOR", "PERIOD"), u, analytics.Filter{}, false)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, c := range rep.Cells {
				got[c.Keys[0]] = c.Keys[1]
			}
			if diff := cmp.Diff(want[u], got); diff != "" {
				t.Errorf("%s keys (-want +got):\n%s", u, diff)
			}
		}
	})
}

// TestDateFilter checks that From and To are local calendar dates: From
// inclusive, To exclusive, midnight in Europe/Rome whatever the time's own
// location and across summer time.
func TestDateFilter(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		f := newFx(t, db)
		op := f.operator("a@example.it", schematype.RoleSocialWorker)
		for _, at := range []time.Time{
			utc(2025, 3, 31, 21, 59), // 23:59 local on 31 March: out
			utc(2025, 3, 31, 22, 0),  // 00:00 local on 1 April: in
			utc(2025, 3, 31, 22, 30), // 00:30 local on 1 April: in
			utc(2025, 4, 30, 21, 59), // 23:59 local on 30 April: in
			utc(2025, 4, 30, 22, 0),  // 00:00 local on 1 May: out
			utc(2025, 1, 31, 23, 30), // 00:30 local on 1 February (winter): out
		} {
			f.contact(contactSpec{at: at, operator: op})
		}
		eng := f.engine(0)
		for _, c := range []struct {
			name     string
			from, to *time.Time
			want     int
		}{
			{"April as UTC dates", date(2025, 4, 1), date(2025, 5, 1), 3},
			{"April as dates in another zone", ptr(time.Date(2025, 4, 1, 0, 0, 0, 0, time.FixedZone("X", -10*3600))), ptr(time.Date(2025, 5, 1, 23, 0, 0, 0, time.FixedZone("Y", 9*3600))), 3},
			{"from only", date(2025, 4, 1), nil, 4},
			{"to only", nil, date(2025, 4, 1), 2},
			{"February", date(2025, 2, 1), date(2025, 3, 1), 1},
		} {
			rep, err := eng.Demand(context.Background(), nil, "", analytics.Filter{From: c.from, To: c.to}, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := val(rep.Total.Contacts); got != c.want {
				t.Errorf("%s: %d contacts, want %d", c.name, got, c.want)
			}
		}
		_, err := eng.Demand(context.Background(), nil, "", analytics.Filter{From: date(2025, 5, 1), To: date(2025, 5, 1)}, false)
		if err == nil {
			t.Error("an empty range was accepted")
		}
	})
}
