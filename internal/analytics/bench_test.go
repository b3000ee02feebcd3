package analytics_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/demo"
	"segretariato/internal/dimension"
)

// BenchmarkAnalytics loads a demo year of ANALYTICS_BENCH_CONTACTS
// contacts (default 30000) on each database and times the answers a
// dashboard asks for: an analyst's (perturbed), and some of them exact, as
// the coordinator gets them. Run with
//
//	go test ./internal/analytics/ -run '^$' -bench Analytics -benchtime 20x
func BenchmarkAnalytics(b *testing.B) {
	n := 30000
	if s := os.Getenv("ANALYTICS_BENCH_CONTACTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	year := time.Now().Year() - 1
	yearFilter := analytics.Filter{From: date(year, 1, 1), To: date(year+1, 1, 1)}
	quarter := analytics.Filter{From: date(year, 4, 1), To: date(year, 7, 1)}
	for _, kind := range dbtest.Kinds(b) {
		b.Run(kind, func(b *testing.B) {
			db := dbtest.Open(b, kind, database.Options{})
			if _, err := demo.Load(context.Background(), db.Client, demo.Options{Year: year, Contacts: n}); err != nil {
				b.Fatal(err)
			}
			eng, err := analytics.New(db, 0)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for _, c := range []struct {
				name string
				run  func() error
			}{
				{"total", func() error { _, err := eng.Demand(ctx, nil, "", yearFilter, true); return err }},
				{"by-month", func() error { _, err := eng.Demand(ctx, dims("PERIOD"), dimension.Month, yearFilter, true); return err }},
				{"by-week-need", func() error {
					_, err := eng.Demand(ctx, dims("PERIOD", "NEED"), dimension.Week, yearFilter, true)
					return err
				}},
				{"by-age-sex-district", func() error {
					_, err := eng.Demand(ctx, dims("AGE_BAND", "SEX", "DISTRICT"), "", yearFilter, true)
					return err
				}},
				{"quarter-by-istat-service", func() error {
					_, err := eng.Demand(ctx, dims("ISTAT_AREA", "REFERRAL_SERVICE"), "", quarter, true)
					return err
				}},
				// The coordinator's exact answers, without the key sums.
				{"total-exact", func() error { _, err := eng.Demand(ctx, nil, "", yearFilter, false); return err }},
				{"by-week-need-exact", func() error {
					_, err := eng.Demand(ctx, dims("PERIOD", "NEED"), dimension.Week, yearFilter, false)
					return err
				}},
				{"by-age-sex-district-exact", func() error {
					_, err := eng.Demand(ctx, dims("AGE_BAND", "SEX", "DISTRICT"), "", yearFilter, false)
					return err
				}},
				{"funnel-exact", func() error { _, err := eng.Funnel(ctx, dimension.Quarter, yearFilter, false); return err }},
				{"funnel", func() error { _, err := eng.Funnel(ctx, dimension.Quarter, yearFilter, true); return err }},
				{"caseload-quarter", func() error { _, err := eng.Caseload(ctx, quarter); return err }},
				{"quality", func() error { _, err := eng.Quality(ctx, year); return err }},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if err := c.run(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
