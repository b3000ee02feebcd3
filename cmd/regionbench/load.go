package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/lib/pq" // the scratch database is created over database/sql

	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/auth"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakeio"
	"segretariato/internal/refdata"
	"segretariato/internal/region"
)

// options are the command's flags.
type options struct {
	N              int
	Seed           uint64
	Rounds, Warmup int
	DB             string // dialect.Postgres or dialect.SQLite
	PG             string // the PostgreSQL server's URL
	SQLite         string
	Cache          string
	Reuse, Keep    bool
	Only           []string
	// DBName overrides the scratch PostgreSQL database's name.
	DBName string
	// CPUProfile, when set, is the file of a CPU profile of the run;
	// MemProfile of its allocations (a heap profile written at the end).
	CPUProfile, MemProfile string
	// Peer, when set (postgraphile), compares the case list under load
	// with that server over the same database: Clients clients for
	// Duration on each side, Reps times (peer.go).
	Peer     string
	Clients  int
	Duration time.Duration
	Reps     int
	// AuditEvents, when set, fills the audit trail with synthetic read
	// events up to that many before the rounds (trail.go).
	AuditEvents int
	// StatementCache is the statements each PostgreSQL connection keeps
	// prepared, as DB_STATEMENT_CACHE has it (0 none).
	StatementCache int
}

// scratch is the benchmark's database: where it is and how to drop it.
type scratch struct {
	url  string
	drop func() error
}

// pgDatabaseURL returns serverURL with its database set to name.
func pgDatabaseURL(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("--pg: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// prepare returns the database to load: on PostgreSQL the database
// region_bench_<n> on the server of o.PG, created afresh unless reuse
// finds it; on SQLite o.SQLite or a temporary file.
func prepare(ctx context.Context, o options) (scratch, error) {
	if o.DB == dialect.SQLite {
		path := o.SQLite
		if path == "" {
			path = filepath.Join(os.TempDir(), fmt.Sprintf("region-bench-%d-%d.db", o.N, o.Seed))
		}
		if !o.Reuse {
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					return scratch{}, err
				}
			}
		}
		return scratch{url: "sqlite:" + path, drop: func() error {
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				_ = os.Remove(p)
			}
			return nil
		}}, nil
	}
	if o.DB != dialect.Postgres {
		return scratch{}, fmt.Errorf("--db must be postgres or sqlite")
	}
	name := o.DBName
	if name == "" {
		name = fmt.Sprintf("region_bench_%d", o.N)
		if o.Seed != 1 {
			name += fmt.Sprintf("_s%d", o.Seed)
		}
	}
	admin, err := sql.Open("postgres", o.PG)
	if err != nil {
		return scratch{}, err
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return scratch{}, fmt.Errorf("PostgreSQL server: %w", err)
	}
	quoted := `"` + name + `"`
	if exists && !o.Reuse {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+quoted+" WITH (FORCE)"); err != nil {
			return scratch{}, err
		}
		exists = false
	}
	if !exists {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+quoted); err != nil {
			return scratch{}, err
		}
	}
	dbURL, err := pgDatabaseURL(o.PG, name)
	if err != nil {
		return scratch{}, err
	}
	return scratch{url: dbURL, drop: func() error {
		a, err := sql.Open("postgres", o.PG)
		if err != nil {
			return err
		}
		defer a.Close()
		_, err = a.Exec("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)")
		return err
	}}, nil
}

// loaded reports whether db already holds the region's n contacts.
func loaded(ctx context.Context, db *database.DB, n int) (bool, error) {
	var count int
	if err := db.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM contacts").Scan(&count); err != nil {
		return false, err
	}
	return count == n, nil
}

// load writes the reference data and the region's operators, then
// imports the file with intakeio.Import, printing its progress on
// progress every few seconds.
func load(ctx context.Context, db *database.DB, path string, out, progress io.Writer) error {
	sys := access.System(ctx)
	if _, err := refdata.Load(sys, db.Client); err != nil {
		return err
	}
	for _, op := range region.Operators() {
		if _, _, err := auth.CreateOperator(sys, db.Client, op.Email, op.Name, schematype.RoleSocialWorker); err != nil {
			return fmt.Errorf("creating operator %s: %w", op.Email, err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read, _ := f.Seek(0, io.SeekCurrent) // how far the import has read
				fmt.Fprintf(progress, "importing: %5.1f%% of %d MiB read, %s, %s\n",
					100*float64(read)/float64(max(info.Size(), 1)), info.Size()>>20, time.Since(start).Round(time.Second), rss())
			}
		}
	}()
	sum, err := intakeio.Import(sys, db, f, intakeio.ImportOptions{})
	close(done)
	if err != nil {
		var refused *intakeio.Refused
		if errors.As(err, &refused) {
			return fmt.Errorf("the import refused the file: %s", firstLines(refused.Error(), 5))
		}
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(out, "loaded: %d rows (%d contacts, %d citizens created) in %s: %.0f rows/s; process %s\n",
		sum.Rows, sum.ContactsCreated, sum.CitizensCreated, took.Round(time.Millisecond), float64(sum.Rows)/took.Seconds(), rss())
	return nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "; ")
}

// rss is this process's resident memory and its peak.
func rss() string {
	cur, peak := memoryOf("self")
	if cur == "" {
		return "RSS unknown"
	}
	return "RSS " + cur + " (peak " + peak + ")"
}

// memoryOf is a process's resident memory and its peak ("12345 kB"), from
// /proc/<pid>/status ("" where there is no /proc).
func memoryOf(pid string) (rss, peak string) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return "", ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			peak = strings.TrimSpace(v)
		}
	}
	return rss, peak
}

// dbOptions are the options the benchmark opens its database with: the
// counter's driver, and the statement cache asked for.
func (o options) dbOptions(counter *dbtest.Counter) database.Options {
	return database.Options{Driver: counter.Counting, StatementCache: database.StatementsKept(o.StatementCache)}
}
