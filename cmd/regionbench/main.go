// Command regionbench measures the service at regional scale: it
// generates a synthetic region (internal/region: by default 1,000,000
// intake cards over 2021-2025), loads it into a fresh database with the
// project's own import, starts the real HTTP handler on a loopback port
// and times the coordinator's dashboard answers and a social worker's case
// list through POST /graphql, each against the same figures computed by
// hand-written SQL over the raw tables (checked equal on the first round).
//
//	go run ./cmd/regionbench --db postgres --pg postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//	go run ./cmd/regionbench --db sqlite --n 200000 --rounds 5
//
// The generated file is cached (--cache, default
// $XDG_CACHE_HOME/segretariato), and --reuse keeps the loaded database for
// the next run, which then skips the load.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"segretariato/internal/database"
)

func main() {
	var o options
	var only string
	flag.IntVar(&o.N, "n", 1_000_000, "contacts of the region")
	flag.Uint64Var(&o.Seed, "seed", 1, "seed of the generator")
	flag.IntVar(&o.Rounds, "rounds", 5, "measured rounds")
	flag.IntVar(&o.Warmup, "warmup", 1, "rounds run before measuring")
	flag.StringVar(&o.DB, "db", "postgres", "postgres or sqlite")
	flag.StringVar(&o.PG, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server: the benchmark creates a database region_bench_<n> on it")
	flag.StringVar(&o.DBName, "dbname", "", "PostgreSQL database to load or reuse (default region_bench_<n>, with _s<seed> unless the seed is 1)")
	flag.StringVar(&o.SQLite, "sqlite", "", "SQLite file (default: a temporary file)")
	flag.StringVar(&o.Cache, "cache", "", "directory of the generated files (default $XDG_CACHE_HOME/segretariato)")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the load and the rounds to this file")
	flag.StringVar(&o.MemProfile, "memprofile", "", "write a profile of the allocations of the load and the rounds to this file")
	flag.BoolVar(&o.Reuse, "reuse", false, "use the database loaded by an earlier run when it holds the region, and keep it")
	flag.BoolVar(&o.Keep, "keep", false, "keep the database after the run")
	flag.StringVar(&o.Peer, "peer", "", "also compare the case list under load with this server over the same database: postgraphile (installed from npm into the cache folder when first asked)")
	flag.IntVar(&o.Clients, "clients", 16, "clients of the comparison with --peer")
	flag.DurationVar(&o.Duration, "duration", 30*time.Second, "how long each side of the comparison runs")
	flag.IntVar(&o.Reps, "reps", 2, "repetitions of the comparison")
	flag.IntVar(&o.StatementCache, "statement-cache", database.DefaultStatementCache, "statements each PostgreSQL connection keeps prepared, as DB_STATEMENT_CACHE (0 none)")
	flag.IntVar(&o.AuditEvents, "audit-events", 0, "fill the audit trail with synthetic read events up to this many, over 24 months, before the rounds (PostgreSQL; answer w reads it)")
	flag.StringVar(&only, "only", "", "answers to run, e.g. a,b,h (default all: "+strings.Join(answerNames(), ",")+")")
	flag.Parse()
	if only != "" {
		o.Only = strings.Split(only, ",")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, o, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "regionbench:", err)
		os.Exit(1)
	}
	if len(res.Mismatches) > 0 {
		fmt.Fprintf(os.Stderr, "regionbench: MISMATCH between the API and the SQL in %s\n", strings.Join(res.Mismatches, ", "))
		os.Exit(2)
	}
}
