package main

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/sqlbind"
	"segretariato/internal/wiring"
)

// TestAuditMonthsLeaveTheTrailExportedFirst: `server audit export` writes
// the events before a month to a CSV file whose checksum file matches it,
// and `server audit detach` takes a month out of the trail only when it is
// past the retention and exported with all its events, every month asked
// or none; on SQLite the export works and detaching is refused.
func TestAuditMonthsLeaveTheTrailExportedFirst(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dbURL := freshURL(t, kind)
			if _, _, err := cli(t, dbURL, "migrate", "up"); err != nil {
				t.Fatal(err)
			}
			db, err := wiring.Open(t.Context(), dbURL, database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if kind == dialect.Postgres {
				// December 2021 stays empty: it leaves with the others, with
				// no export needed.
				if _, err := db.SQL.Exec(`SELECT audit_events_partition(d::date) FROM generate_series('2021-12-01'::date, '2022-03-01', '1 month') d`); err != nil {
					t.Fatal(err)
				}
			}
			var ids []int64
			insert := func(at string, detail string) {
				t.Helper()
				var id int64
				b := sqlbind.Binder{Postgres: kind == dialect.Postgres}
				q := `INSERT INTO audit_events (at, action, entity, entity_id, detail, citizens) VALUES (` +
					b.Arg(at) + `, 'READ', 'Citizen', 7, ` + b.Arg(detail) + `, '{7}') RETURNING id`
				if err := db.SQL.QueryRow(q, b.Args...).Scan(&id); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			insert("2022-01-03T10:00:00Z", `a "quoted", comma`)
			insert("2022-01-31T23:59:59.5Z", "b")
			insert("2022-01-10T08:00:00Z", "c")
			insert("2022-02-14T09:00:00Z", "d")
			insert("2022-02-01T00:00:00Z", "e")
			insert("2022-03-01T00:00:00Z", "f: the month kept")
			dir := t.TempDir()

			// The export: the events before March, oldest first, and the
			// file's SHA-256 beside it.
			path := filepath.Join(dir, "trail.csv")
			out, errOut, err := cli(t, dbURL, "audit", "export", "--before", "2022-03", "--out", path)
			if err != nil {
				t.Fatalf("export: %v\n%s%s", err, out, errOut)
			}
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(body)
			sum, err := os.ReadFile(path + ".sha256")
			if want := hex.EncodeToString(h[:]) + "  trail.csv\n"; err != nil || string(sum) != want {
				t.Errorf("trail.csv.sha256: %q, %v; want %q", sum, err, want)
			}
			if !strings.Contains(out, "wrote 5 events of 2 months") || !strings.Contains(out, hex.EncodeToString(h[:])) {
				t.Errorf("export said:\n%s", out)
			}
			recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
			if err != nil || len(recs) != 6 {
				t.Fatalf("%d records, %v:\n%s", len(recs), err, body)
			}
			var got []string
			for _, r := range recs[1:] {
				got = append(got, r[1]+" "+r[10])
			}
			want := []string{"2022-01-03T10:00:00Z a \"quoted\", comma", "2022-01-10T08:00:00Z c", "2022-01-31T23:59:59.5Z b",
				"2022-02-01T00:00:00Z e", "2022-02-14T09:00:00Z d"}
			if !slices.Equal(got, want) || recs[1][0] != strconv.FormatInt(ids[0], 10) || recs[1][12] != "{7}" {
				t.Errorf("exported rows:\n%q\nwant (at, detail)\n%q", recs[1:], want)
			}
			// Never over a file, and not a month still being written.
			if _, _, err := cli(t, dbURL, "audit", "export", "--before", "2022-03", "--out", path); err == nil {
				t.Error("an export over an existing file was not refused")
			}
			if again, _ := os.ReadFile(path); string(again) != string(body) {
				t.Error("a refused export changed the file")
			}
			next := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01")
			if _, _, err := cli(t, dbURL, "audit", "export", "--before", next, "--out", filepath.Join(dir, "next.csv")); err == nil ||
				!strings.Contains(err.Error(), "still being written") {
				t.Errorf("export before %s: %v", next, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "next.csv")); !os.IsNotExist(err) {
				t.Errorf("a refused export left its file: %v", err)
			}
			var exports int
			if err := db.SQL.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'EXPORT' AND entity = 'AuditEvent'`).Scan(&exports); err != nil || exports != 2 {
				t.Errorf("%d EXPORT events of the trail, %v; want one a month", exports, err)
			}

			// The retention: at least 24 months, and only months past it.
			bad := env(map[string]string{"DATABASE_URL": dbURL, "AUDIT_RETENTION_MONTHS": "12"})
			if err := run(t.Context(), []string{"audit", "detach", "--before", "2022-03"}, bad, &strings.Builder{}, &strings.Builder{}); err == nil ||
				!strings.Contains(err.Error(), "at least 24") {
				t.Errorf("a retention of 12 months: %v", err)
			}
			recent := time.Now().UTC().AddDate(0, -23, 0).Format("2006-01")
			if _, _, err := cli(t, dbURL, "audit", "detach", "--before", recent); err == nil || !strings.Contains(err.Error(), "retention") {
				t.Errorf("detach before %s, inside the retention: %v", recent, err)
			}
			if kind == dialect.SQLite {
				if _, _, err := cli(t, dbURL, "audit", "detach", "--before", "2022-03"); err == nil || !strings.Contains(err.Error(), "PostgreSQL only") {
					t.Errorf("detach on SQLite: %v", err)
				}
				return
			}

			// Instances making the same month at once all get it.
			errs := make(chan error, 4)
			for range 4 {
				go func() {
					var name string
					errs <- db.SQL.QueryRow(`SELECT audit_events_partition('2031-07-09')`).Scan(&name)
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Errorf("making a month with other instances: %v", err)
				}
			}
			// An event of a month with no partition is refused.
			if _, err := db.SQL.Exec(`INSERT INTO audit_events (at, action, entity) VALUES ('2040-01-01', 'READ', 'Citizen')`); err == nil {
				t.Error("an event of a month with no partition was taken")
			}

			// A month that gained an event since its export stays, and so
			// does every other month asked.
			insert("2022-02-20T12:00:00Z", "g: after the export")
			attached := func() []string {
				t.Helper()
				return dbtest.Column[string](t, db.SQL, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
					WHERE i.inhparent = 'audit_events'::regclass AND c.relname < 'audit_events_2023' ORDER BY 1`)
			}
			all := []string{"audit_events_202112", "audit_events_202201", "audit_events_202202", "audit_events_202203"}
			if _, _, err := cli(t, dbURL, "audit", "detach", "--before", "2022-03"); err == nil || !strings.Contains(err.Error(), "--file") {
				t.Errorf("detach without the export file: %v", err)
			}
			if _, _, err := cli(t, dbURL, "audit", "detach", "--before", "2022-03", "--file", path); err == nil || !strings.Contains(err.Error(), "2022-02") {
				t.Errorf("detach of a month grown since its export: %v", err)
			}
			if got := attached(); !slices.Equal(got, all) {
				t.Errorf("after a refused detach the trail's partitions are %v, want %v", got, all)
			}
			again := filepath.Join(dir, "again.csv")
			out, _, err = cli(t, dbURL, "audit", "export", "--before", "2022-03", "--out", again)
			if err != nil || !strings.Contains(out, "wrote 6 events") {
				t.Fatalf("export again: %q, %v", out, err)
			}
			// The export's file, not another: a changed copy is refused.
			body, err = os.ReadFile(again)
			if err != nil {
				t.Fatal(err)
			}
			changed := filepath.Join(dir, "changed.csv")
			if err := os.WriteFile(changed, []byte(strings.Replace(string(body), "comma", "COMMA", 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := cli(t, dbURL, "audit", "detach", "--before", "2022-03", "--file", changed); err == nil || !strings.Contains(err.Error(), "no export") {
				t.Errorf("detach with a changed copy of the export: %v", err)
			}
			if got := attached(); !slices.Equal(got, all) {
				t.Errorf("after a refused detach the trail's partitions are %v, want %v", got, all)
			}
			out, errOut, err = cli(t, dbURL, "audit", "detach", "--before", "2022-03", "--file", again)
			if err != nil || !strings.Contains(out, "detached 2021-12 (audit_events_202112, 0 events)") ||
				!strings.Contains(out, "detached 2022-01 (audit_events_202201, 3 events)") || !strings.Contains(out, "detached 2022-02 (audit_events_202202, 3 events)") {
				t.Fatalf("detach: %q, %v\n%s", out, err, errOut)
			}
			if got := attached(); !slices.Equal(got, all[3:]) {
				t.Errorf("after the detach the trail's partitions are %v, want %v", got, all[3:])
			}
			var left, detachEvents int
			db.SQL.QueryRow(`SELECT count(*) FROM audit_events WHERE at < '2022-04-01'`).Scan(&left)
			db.SQL.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'DETACH'`).Scan(&detachEvents)
			if left != 1 || detachEvents != 3 {
				t.Errorf("%d events of early 2022 left in the trail, %d DETACH events; want 1 and 3", left, detachEvents)
			}
			// The detached table keeps its events and still refuses changes.
			var kept int
			if err := db.SQL.QueryRow(`SELECT count(*) FROM audit_events_202202`).Scan(&kept); err != nil || kept != 3 {
				t.Errorf("the detached February holds %d events, %v", kept, err)
			}
			for _, stmt := range []string{"DELETE FROM audit_events_202202", "UPDATE audit_events_202201 SET detail = 'x'", "TRUNCATE audit_events_202201"} {
				if _, err := db.SQL.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s on a detached month: %v", stmt, err)
				}
			}
			out, _, err = cli(t, dbURL, "audit", "months")
			if err != nil || !strings.Contains(out, "audit_events_202203") || strings.Contains(out, "audit_events_202201") {
				t.Errorf("months: %v\n%s", err, out)
			}
		})
	}
}
