package analytics

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"segretariato/internal/cellkey"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/localtime"
)

// TestLocalTimeMatchesTZDB checks the SQL conversion to Europe/Rome local
// time against Go's zone data around every summer-time change from 1996
// (when the EU rule took its present form) to 2037, and at random
// instants, on each database.
func TestLocalTimeMatchesTZDB(t *testing.T) {
	var instants []time.Time
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 1996; y <= 2037; y++ {
		for t0 := time.Date(y, 1, 1, 0, 0, 0, 0, localtime.Rome); t0.Year() == y; {
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
		q := "SELECT " + s.localTime("x") + " FROM (SELECT ? AS x) t"
		if s.postgres {
			q = "SELECT " + s.localTime("x") + " FROM (SELECT CAST($1 AS timestamptz) AS x) t"
		}
		for _, at := range instants {
			var got string
			if err := db.SQL.QueryRowContext(context.Background(), q, at).Scan(&got); err != nil {
				t.Fatal(err)
			}
			want := at.In(localtime.Rome).Format("2006-01-02 15:04:05")
			if got != want {
				t.Errorf("%s UTC: local %s, want %s", at.Format(time.DateTime), got, want)
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

// TestNoiseTable checks the perturbation table over every cell key: each
// noise of -maxNoise..+maxNoise is drawn by a fifth of the keys (so the
// noise has zero mean), and a key outside [0, Size) is reduced modulo
// Size.
func TestNoiseTable(t *testing.T) {
	seen := map[int]int{}
	sum := 0
	for ck := range int64(cellkey.Size) {
		e := noise(ck)
		if e < -maxNoise || e > maxNoise {
			t.Fatalf("noise(%d) = %d, outside ±%d", ck, e, maxNoise)
		}
		if noise(ck+cellkey.Size) != e || noise(ck+7*cellkey.Size) != e || noise(ck-cellkey.Size) != e {
			t.Fatalf("noise(%d) is not a function of the key modulo %d", ck, cellkey.Size)
		}
		seen[e]++
		sum += e
	}
	for e := -maxNoise; e <= maxNoise; e++ {
		if n := seen[e]; n < cellkey.Size/5 || n > cellkey.Size/5+1 {
			t.Errorf("noise %d drawn by %d keys of %d, want a fifth", e, n, cellkey.Size)
		}
	}
	if sum != 0 {
		t.Errorf("the noises of all the keys add up to %d, want 0 (zero mean)", sum)
	}
}
