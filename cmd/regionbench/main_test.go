package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/internal/region"
)

// TestSmallRegion runs the whole benchmark on a small region: generated,
// imported (every row, none refused), served, and every answer's API
// figures equal to the hand-written SQL's, on SQLite and, with
// TEST_DATABASE_URL, on PostgreSQL.
func TestSmallRegion(t *testing.T) {
	const n = 3000
	kinds := []string{dialect.SQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		kinds = append(kinds, dialect.Postgres)
	}
	cache := t.TempDir()
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			o := options{N: n, Seed: 7, Rounds: 1, Warmup: 0, DB: kind, Cache: cache,
				SQLite: t.TempDir() + "/region.db",
				PG:     os.Getenv("TEST_DATABASE_URL"),
				DBName: fmt.Sprintf("region_bench_test_%d_%d", os.Getpid(), time.Now().UnixNano())}
			if kind == dialect.Postgres {
				o.AuditEvents = 2000 // answer w over a filled trail
			}
			var out bytes.Buffer
			res, err := run(context.Background(), o, &out, io.Discard)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if kind == dialect.Postgres && !strings.Contains(out.String(), "filled to 2000 synthetic read events") {
				t.Errorf("the trail was not filled:\n%s", out.String())
			}
			if len(res.Mismatches) > 0 {
				t.Errorf("API and SQL differ in %v:\n%s", res.Mismatches, out.String())
			}
			want := []string{"a", "b", "c", "d", "e", "f", "h", "i", "w"}
			if !slices.Equal(res.Compared, want) {
				t.Errorf("compared %v, want %v", res.Compared, want)
			}
			if res.Contacts != n || res.Anonymous < n*15/100 || res.Anonymous > n*20/100 ||
				res.Citizens < n*26/100 || res.Citizens > n*34/100 || res.Referrals < n*22/100 {
				t.Errorf("loaded %+v", res)
			}
			for _, l := range res.Lines {
				if len(l.API) != 1 || l.Cells == 0 || l.Statements == 0 || (l.SQLNote == "" && len(l.SQL) != 1) {
					t.Errorf("answer %s measured %+v", l.Name, l)
				}
			}
			if _, err := os.Stat(region.CachePath(cache, region.Config{Contacts: n, Seed: 7})); err != nil {
				t.Errorf("no cached file: %v", err)
			}
		})
	}
}

// TestOnlyAndReuse: --only picks answers, and --reuse finds the loaded
// database and skips the load.
func TestOnlyAndReuse(t *testing.T) {
	cache := t.TempDir()
	o := options{N: 500, Seed: 2, Rounds: 1, DB: dialect.SQLite, Cache: cache, SQLite: t.TempDir() + "/r.db", Reuse: true, Only: []string{"b", "h"}}
	for i, want := range []string{"loaded: 500 rows", "reusing the loaded"} {
		var out bytes.Buffer
		res, err := run(context.Background(), o, &out, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(out.Bytes(), []byte(want)) || len(res.Lines) != 2 || len(res.Mismatches) > 0 {
			t.Errorf("run %d: want %q, %d answers, mismatches %v:\n%s", i, want, len(res.Lines), res.Mismatches, out.String())
		}
	}
	if _, err := selectAnswers([]string{"z"}); err == nil {
		t.Error("--only z accepted")
	}
}
