package intakeio_test

import (
	"flag"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakeio"
	"segretariato/internal/region"
)

// The region benchmarks import the files of cmd/regionbench (internal/region,
// generated into the cache directory when missing): one citizen per three or
// four contacts, so the number of citizens grows with the file, unlike in
// the generated files above.
//
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run='^$' -bench=ImportRegion -benchtime=1x ./internal/intakeio/ \
//	  -import.heapprofile=/tmp/heap
//
// They report the peak HeapInuse (peak-heap-MiB) and the live heap after a
// collection at the last batch (live-heap-MiB), where -import.heapprofile
// writes a heap profile (FILE-N.pprof).

var heapProfile = flag.String("import.heapprofile", "", "write a heap profile at the last batch of the region imports to this file (name-N.pprof)")

func BenchmarkImportRegionPostgres100k(b *testing.B) { benchRegion(b, dialect.Postgres, 100_000) }
func BenchmarkImportRegionPostgres300k(b *testing.B) { benchRegion(b, dialect.Postgres, 300_000) }
func BenchmarkImportRegionSQLite100k(b *testing.B)   { benchRegion(b, dialect.SQLite, 100_000) }

func benchRegion(b *testing.B, kind string, n int) {
	if kind == dialect.Postgres && os.Getenv("TEST_DATABASE_URL") == "" {
		b.Fatal("TEST_DATABASE_URL is not set: this benchmark needs PostgreSQL, e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	dir, err := region.DefaultCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	path, _, err := region.Cached(dir, region.Config{Contacts: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var peak, live uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := dbtest.Open(b, kind, database.Options{})
		ops := region.Operators()
		emails := make([]string, len(ops))
		for k, op := range ops {
			emails[k] = op.Email
		}
		mustCreateOperators(b, db.Client, emails)
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		stop := sampleHeap(&peak)
		done := false
		last := func(rows int) {
			if done || rows != n {
				return
			}
			done = true
			// The importer's state is still held: what stays after a
			// collection is what the import keeps.
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			live = max(live, ms.HeapInuse)
			if *heapProfile != "" {
				out, err := os.Create(*heapProfile + "-" + kind + "-" + strconv.Itoa(n) + ".pprof")
				if err == nil {
					pprof.WriteHeapProfile(out)
					out.Close()
				}
			}
		}
		b.StartTimer()
		sum, err := intakeio.Import(sysCtx(), db, f, intakeio.ImportOptions{Progress: last})
		b.StopTimer()
		stop()
		f.Close()
		if err != nil {
			b.Fatalf("import: %v", err)
		}
		if sum.Rows != n || sum.ContactsCreated != n {
			b.Fatalf("summary %+v, want %d rows created", sum, n)
		}
		b.Logf("%s %d rows: %+v", kind, n, sum)
		db.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
}
