package intakeio_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/fiscalcode"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakeio"
	"segretariato/internal/localtime"
	"segretariato/internal/refdata"
	"segretariato/internal/region"
)

// The benchmarks import generated files: rows valid by construction,
// streamed from a goroutine through an io.Pipe, never held in memory.
//
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run='^$' -bench=Import -benchtime=1x -count=3 ./internal/intakeio/
//
// Each reports rows/s, the peak HeapInuse sampled during the import
// (peak-heap-MiB) and the HeapInuse after a collection at the last batch
// (live-heap-MiB); 20k against 100k rows shows whether memory grows with
// the file. -import.heapprofile=FILE writes a heap profile at the last
// batch of each (FILE-BenchmarkName.pprof).

func BenchmarkImportPostgres100k(b *testing.B) { benchImport(b, dialect.Postgres, 100_000) }
func BenchmarkImportPostgres20k(b *testing.B)  { benchImport(b, dialect.Postgres, 20_000) }
func BenchmarkImportSQLite100k(b *testing.B)   { benchImport(b, dialect.SQLite, 100_000) }
func BenchmarkImportSQLite20k(b *testing.B)    { benchImport(b, dialect.SQLite, 20_000) }

// The region benchmarks import the files of cmd/regionbench
// (internal/region, generated into the cache directory when missing): a
// citizen per three or four contacts, so the citizens grow with the file,
// unlike in the generated files above.
//
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run='^$' -bench=RegionLoad -benchtime=1x ./internal/intakeio/ \
//	  -import.heapprofile=/tmp/heap

func BenchmarkRegionLoadPostgres100k(b *testing.B) { benchRegion(b, dialect.Postgres, 100_000) }
func BenchmarkRegionLoadPostgres300k(b *testing.B) { benchRegion(b, dialect.Postgres, 300_000) }
func BenchmarkRegionLoadSQLite100k(b *testing.B)   { benchRegion(b, dialect.SQLite, 100_000) }

func benchRegion(b *testing.B, kind string, n int) {
	dir, err := region.DefaultCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	path, _, err := region.Cached(dir, region.Config{Contacts: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var operators []string
	for _, op := range region.Operators() {
		operators = append(operators, op.Email)
	}
	benchImportFrom(b, kind, n, operators, func(int) io.Reader {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		return f
	})
}

// genCitizens is the size of the generated population: 100k rows name
// about 19,700 distinct citizens, 20k rows about 11,400.
const genCitizens = 20_000

var genOperators = []string{"op1@comune.example.it", "op2@comune.example.it", "op3@comune.example.it", "op4@comune.example.it", "op5@comune.example.it"}

func benchImport(b *testing.B, kind string, rows int) {
	benchImportFrom(b, kind, rows, genOperators, func(i int) io.Reader { return generate(b, rows, uint64(i+1)) })
}

var heapProfile = flag.String("import.heapprofile", "", "write a heap profile at the last batch of each import benchmark to this file (FILE-BenchmarkName.pprof)")

// benchImportFrom imports the rows read from file(i) in run i into a
// fresh database with the operators; the reader is closed after the
// import when it is an io.Closer. Besides rows/s, the peak HeapInuse and
// the CPU times, it reports the HeapInuse after a collection at the last
// batch (live-heap-MiB: what the import keeps, its state still held), where
// -import.heapprofile writes a heap profile.
func benchImportFrom(b *testing.B, kind string, rows int, operators []string, file func(i int) io.Reader) {
	if kind == dialect.Postgres && os.Getenv("TEST_DATABASE_URL") == "" {
		b.Fatal("TEST_DATABASE_URL is not set: this benchmark needs PostgreSQL, e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	var peak, live uint64
	var goCPU, pgCPU time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := dbtest.Open(b, kind, database.Options{})
		mustCreateOperators(b, db.Client, operators)
		r := file(i)
		var probeCPU time.Duration
		lastBatch := func(read int) {
			if read != rows {
				return
			}
			// The probe is neither timed nor counted as the import's CPU
			// (Progress runs on this goroutine).
			b.StopTimer()
			defer b.StartTimer()
			defer func(t0 time.Duration) { probeCPU += processCPU() - t0 }(processCPU())
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			live = max(live, ms.HeapInuse)
			if *heapProfile != "" {
				out, err := os.Create(*heapProfile + "-" + b.Name() + ".pprof")
				if err == nil {
					err = errors.Join(pprof.WriteHeapProfile(out), out.Close())
				}
				if err != nil {
					b.Errorf("heap profile: %v", err)
				}
			}
		}
		runtime.GC()
		stop := sampleHeap(&peak)
		go0, pg0 := processCPU(), backendCPU(db)
		b.StartTimer()
		sum, err := intakeio.Import(sysCtx(), db, r, intakeio.ImportOptions{Progress: lastBatch})
		b.StopTimer()
		goCPU += processCPU() - go0 - probeCPU
		pgCPU += backendCPU(db) - pg0
		stop()
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
		if err != nil {
			b.Fatalf("import: %v", err)
		}
		if sum.Rows != rows || sum.ContactsCreated != rows {
			b.Fatalf("summary %+v, want %d rows created", sum, rows)
		}
		if live == 0 {
			b.Fatalf("the last batch (row %d) was never reported: no live heap measured", rows)
		}
		b.Logf("%s %d rows: %+v", kind, rows, sum)
		db.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
	// CPU time, less sensitive than wall time to other work on the
	// machine: this process (import, generator, GC) and, on a local
	// PostgreSQL, the server processes of the test database.
	b.ReportMetric(goCPU.Seconds()/float64(b.N), "go-cpu-s")
	if kind == dialect.Postgres && pgCPU > 0 {
		b.ReportMetric(pgCPU.Seconds()/float64(b.N), "pg-cpu-s")
	}
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU sums the CPU time of the PostgreSQL server processes serving
// db's database, read from /proc (0 for SQLite, or a server elsewhere).
func backendCPU(db *database.DB) time.Duration {
	if db.Dialect != dialect.Postgres {
		return 0
	}
	rows, err := db.SQL.Query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		return 0
	}
	defer rows.Close()
	var total time.Duration
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			return 0
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0
		}
		// Fields after the command's closing parenthesis: utime and stime
		// are the 14th and 15th of the line, in clock ticks (100 Hz).
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 {
			return 0
		}
		ut, _ := strconv.Atoi(f[11])
		st, _ := strconv.Atoi(f[12])
		total += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return total
}

// sampleHeap records the highest HeapInuse into peak until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for !done.Load() {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > *peak {
				*peak = ms.HeapInuse
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); wg.Wait() }
}

// generate streams n valid rows: about 15% anonymous, the others drawn
// from genCitizens citizens with valid fiscal codes, 1 to 3 needs, mixed
// outcomes and referrals, contacts from 2019 to 2025.
func generate(tb testing.TB, n int, seed uint64) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeGenerated(pw, n, seed))
	}()
	return pr
}

var (
	genSurnames  = []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "El Amrani", "Popescu"}
	genNames     = []string{"Maria", "Giuseppe", "Anna", "Luca", "Giulia", "Marco", "Sara", "Paolo", "Fatima", "Ion", "Elena", "Ahmed"}
	genDistricts = []string{"Centro", "Riva", "Seggiolera", "Molino Vecchio", "Cascina Pelizza", "Villaggio Argentia"}
	genCountries = []string{"IT", "IT", "IT", "IT", "IT", "IT", "MA", "RO", "AL", "UA", "PE", "EG"}
	genChannels  = []string{"IN_PERSON", "IN_PERSON", "IN_PERSON", "PHONE", "PHONE", "EMAIL", "HOME_VISIT", "OTHER"}
	genRequester = []string{"SELF", "SELF", "SELF", "FAMILY_MEMBER", "OTHER_SERVICE", "VOLUNTEER_ORG", "OTHER"}
	genAreas     = []string{"ADULTS", "ADULTS", "ELDERLY", "DISABILITY", "MINORS_FAMILIES"}
	genResponses = []string{"INFORMATION", "ORIENTATION", "MATERIALS", "FORMS"}
	genStatuses  = []string{"", "PROPOSED", "ACCEPTED", "DECLINED", "COMPLETED", "CANCELLED"}
	genExternal  = []string{"SAD", "PASTI", "CPS", "SERD", "CPI", "CAV", "CARITAS", "CAF", "ALER", "CONSULTORIO"}
)

type genCitizen struct {
	code, first, last string
	birth             time.Time
	country, district string
}

func citizenOf(i int) genCitizen {
	// Six letters from i make the code unique; then year, month, day
	// (+40 for women) and a place: Milano, or a foreign country.
	var letters [6]byte
	for k, x := 5, i; k >= 0; k, x = k-1, x/26 {
		letters[k] = byte('A' + x%26)
	}
	year := 1940 + i%60
	month := 1 + (i/60)%12
	day := 1 + (i/720)%28
	female := i%2 == 1
	dd := day
	if female {
		dd += 40
	}
	c := genCitizen{
		first:    genNames[i%len(genNames)],
		last:     genSurnames[(i/7)%len(genSurnames)],
		birth:    time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC),
		country:  genCountries[(i/3)%len(genCountries)],
		district: genDistricts[(i/5)%len(genDistricts)],
	}
	place := "F205"
	if c.country != "IT" {
		place = "Z330"
	}
	first15 := fmt.Sprintf("%s%02d%c%02d%s", letters[:], year%100, "ABCDEHLMPRST"[month-1], dd, place)
	c.code = first15 + string(fiscalcode.CheckLetter(first15))
	return c
}

func writeGenerated(w io.Writer, n int, seed uint64) error {
	rnd := rand.New(rand.NewPCG(seed, 2025))
	cw, err := intakecsv.NewWriter(w, intakecsv.WriterOptions{})
	if err != nil {
		return err
	}
	start := time.Date(2019, 1, 1, 0, 0, 0, 0, localtime.Rome)
	days := int(time.Date(2025, 12, 31, 0, 0, 0, 0, localtime.Rome).Sub(start).Hours() / 24)
	pick := func(xs []string) string { return xs[rnd.IntN(len(xs))] }
	for i := 0; i < n; i++ {
		d := start.AddDate(0, 0, rnd.IntN(days))
		row := &intakecsv.Row{
			ContactRef:    fmt.Sprintf("GEN-%07d", i+1),
			OccurredAt:    time.Date(d.Year(), d.Month(), d.Day(), 8+rnd.IntN(10), 15*rnd.IntN(4), 0, 0, localtime.Rome),
			Channel:       pick(genChannels),
			OperatorEmail: pick(genOperators),
			Requester:     pick(genRequester),
			TargetArea:    pick(genAreas),
		}
		if rnd.IntN(100) < 15 {
			if rnd.IntN(2) == 0 {
				row.Sex = []string{"F", "M"}[rnd.IntN(2)]
			}
			if rnd.IntN(2) == 0 {
				y := 1940 + rnd.IntN(60)
				row.BirthYear = &y
			}
		} else {
			c := citizenOf(rnd.IntN(genCitizens))
			row.FiscalCode, row.FirstName, row.LastName = c.code, c.first, c.last
			if rnd.IntN(2) == 0 {
				row.BirthDate = &c.birth
			}
			row.Citizenship, row.District = c.country, c.district
		}
		for _, k := range rnd.Perm(len(refdata.Needs))[:1+rnd.IntN(3)] {
			row.Needs = append(row.Needs, refdata.Needs[k].Code)
		}
		for _, k := range rnd.Perm(len(genResponses))[:1+rnd.IntN(2)] {
			row.Responses = append(row.Responses, genResponses[k])
		}
		service := ""
		switch p := rnd.IntN(100); {
		case p < 55:
			row.Outcome = "INFORMED"
		case p < 75:
			row.Outcome, service = "REFERRED_INTERNAL", "SSP"
		case p < 87:
			row.Outcome, service = "REFERRED_EXTERNAL", pick(genExternal)
		case p < 95:
			row.Outcome = "FOLLOW_UP"
		case p < 98:
			row.Outcome = "URGENT_INTERVENTION"
		default:
			row.Outcome = "NOT_COMPETENT"
		}
		if service != "" {
			row.Referrals = []intakecsv.Referral{{Service: service, Status: pick(genStatuses)}}
		}
		if rnd.IntN(4) > 0 {
			m := 5 + rnd.IntN(85)
			row.DurationMinutes = &m
		}
		if rnd.IntN(10) < 3 {
			row.Notes = "Colloquio di orientamento; da ricontattare"
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// TestGeneratorValid keeps the benchmarks honest: the generated rows are
// all valid for the reader.
func TestGeneratorValid(t *testing.T) {
	need := map[string]bool{}
	for _, n := range refdata.Needs {
		need[n.Code] = true
	}
	svc := map[string]bool{}
	for _, s := range refdata.Services {
		svc[s.Code] = true
	}
	ops := map[string]bool{}
	for _, e := range genOperators {
		ops[e] = true
	}
	rd, err := intakecsv.NewReaderWithOptions(generate(t, 5000, 7), intakecsv.Options{NeedCodes: need, ServiceCodes: svc, OperatorEmails: ops})
	if err != nil {
		t.Fatal(err)
	}
	rows, anon := 0, 0
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("generated row invalid: %v", err)
		}
		rows++
		if row.FiscalCode == "" {
			anon++
		}
	}
	if rows != 5000 || anon < 600 || anon > 900 {
		t.Errorf("%d rows, %d anonymous", rows, anon)
	}
}
