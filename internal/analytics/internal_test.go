package analytics

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// TestLocalTimeMatchesTZDB checks the SQL conversion to Europe/Rome local
// time against Go's zone data around every summer-time change from 1996
// (when the EU rule took its present form) to 2037, and at random
// instants, on each database.
func TestLocalTimeMatchesTZDB(t *testing.T) {
	var instants []time.Time
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 1996; y <= 2037; y++ {
		for t0 := time.Date(y, 1, 1, 0, 0, 0, 0, rome); t0.Year() == y; {
			_, end := t0.ZoneBounds()
			if end.IsZero() || end.Year() != y {
				break
			}
			for _, d := range []time.Duration{-time.Hour - time.Second, -time.Second, 0, time.Second, time.Hour} {
				instants = append(instants, end.Add(d).UTC())
			}
			// 22:30 and 23:30 UTC on the days around the change: the local
			// date depends on the offset.
			for dd := -1; dd <= 1; dd++ {
				day := end.UTC().AddDate(0, 0, dd)
				for _, h := range []int{22, 23} {
					instants = append(instants, time.Date(day.Year(), day.Month(), day.Day(), h, 30, 0, 0, time.UTC))
				}
			}
			t0 = end
		}
		for range 5 {
			instants = append(instants, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(365*24*3600))*time.Second))
		}
	}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		e := &Engine{DB: db}
		s := e.sqlFor()
		// localTimeUTC takes the zone data for 2000-2030 and the rule
		// for the other years.
		q := "SELECT " + s.localTime("x") + ", " + s.localTimeUTC("x", 2000, 2030) + " FROM (SELECT ? AS x) t"
		if s.postgres {
			q = "SELECT " + s.localTime("x") + ", " + s.localTimeUTC("x", 2000, 2030) + " FROM (SELECT CAST($1 AS timestamptz) AS x) t"
		}
		for _, at := range instants {
			var got, gotUTC string
			if err := db.SQL.QueryRowContext(context.Background(), q, at).Scan(&got, &gotUTC); err != nil {
				t.Fatal(err)
			}
			want := at.In(rome).Format("2006-01-02 15:04:05")
			if got != want || gotUTC != want {
				t.Errorf("%s UTC: local %s and %s, want %s", at.Format(time.DateTime), got, gotUTC, want)
			}
		}
		// Text in another offset (as other columns may hold it on SQLite)
		// converts the same through localTime.
		if !s.postgres {
			var got string
			at := "2025-03-31 00:30:00+02:00" // 2025-03-30 22:30 UTC
			if err := db.SQL.QueryRowContext(context.Background(), "SELECT "+s.localTime("x")+" FROM (SELECT ? AS x) t", at).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != "2025-03-31 00:30:00" {
				t.Errorf("offset text: local %s", got)
			}
		}
	})
}

// TestProtectProperty runs the suppression rule on random margins and
// checks what it promises: no visible figure of 1..k-1, and in every
// group whose margin is visible, hidden cells at least two adding up to
// at least k+n-1, unless every non-zero cell of the group is hidden.
func TestProtectProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := range 20000 {
		k := 3 + rng.IntN(5)
		rows, cols := 1+rng.IntN(4), 1+rng.IntN(5)
		dims := 1
		if rows > 1 {
			dims = 2
		}
		var keys [][]string
		var vals []int
		total := 0
		for r := range rows {
			for c := range cols {
				if rng.IntN(6) == 0 {
					continue // an empty cell is not in the answer
				}
				v := rng.IntN(3 * k)
				if rng.IntN(3) == 0 {
					v = rng.IntN(k)
				}
				keys = append(keys, []string{string(rune('a' + r)), string(rune('A' + c))})
				vals = append(vals, v)
				total += v
			}
		}
		if dims == 1 {
			for i := range keys {
				keys[i] = keys[i][1:]
			}
		}
		groups := marginGroups(keys, dims)
		hidden, totalHidden := protect(vals, total, groups, k)
		for i, v := range vals {
			if !hidden[i] && v >= 1 && v < k {
				t.Fatalf("iter %d: visible small cell %d", iter, v)
			}
			if hidden[i] && v == 0 {
				t.Fatalf("iter %d: hidden zero", iter)
			}
		}
		if !totalHidden && total >= 1 && total < k {
			t.Fatalf("iter %d: visible small total", iter)
		}
		for gi, g := range groups {
			if gi == 0 && totalHidden {
				continue
			}
			n, sum, visibleNonZero := 0, 0, 0
			for _, i := range g {
				if hidden[i] {
					n++
					sum += vals[i]
				} else if vals[i] > 0 {
					visibleNonZero++
				}
			}
			if n == 0 || (n >= 2 && sum >= k+n-1) {
				continue
			}
			if gi == 0 || visibleNonZero > 0 {
				t.Fatalf("iter %d: group %d (total hidden %v) exposes %d hidden cells adding to %d (k=%d): %v %v",
					iter, gi, totalHidden, n, sum, k, vals, hidden)
			}
		}
	}
}
