package intakeio_test

import (
	"bytes"
	"encoding/csv"
	"maps"
	"strings"
	"testing"

	"segretariato/internal/cellkey"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/intakeio"
)

// TestImportDrawsRecordKeys imports the sample (through ent on SQLite,
// through COPY on PostgreSQL) and checks that every contact, citizen and
// referral got its own random record key, and that the export does not
// carry them.
func TestImportDrawsRecordKeys(t *testing.T) {
	sample := dataFile(t, "intake-sample.csv")
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		mustCreateOperators(t, db.Client, sampleOperators(t))
		mustImport(t, db, sample, intakeio.ImportOptions{})
		for _, table := range []string{"contacts", "citizens", "referrals"} {
			var n, distinct, lo, hi int
			var mean float64
			err := db.SQL.QueryRowContext(sysCtx(), "SELECT COUNT(*), COUNT(DISTINCT record_key), MIN(record_key), MAX(record_key), AVG(record_key) FROM "+table).
				Scan(&n, &distinct, &lo, &hi, &mean)
			if err != nil {
				t.Fatal(err)
			}
			// n uniform draws from 4096 keys: about n - n²/8192 distinct
			// ones (558 of 600); the mean of n draws is 2047.5 ± 1182/√n.
			if n < 100 || lo < 0 || hi >= cellkey.Size || distinct < n*3/4 || mean < 1500 || mean > 2600 {
				t.Errorf("%s: %d rows, %d distinct keys in [%d, %d], mean %.0f: not random keys in [0, %d)", table, n, distinct, lo, hi, mean, cellkey.Size)
			}
		}
		var buf bytes.Buffer
		if _, err := intakeio.Export(sysCtx(), db.Client, &buf, intakeio.ExportOptions{Notes: true}); err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(buf.String(), "\n")
		if strings.Contains(strings.ToLower(header), "key") {
			t.Errorf("the export carries a record key: %s", header)
		}
	})
}

// TestReimportKeepsRecordKeys imports the sample, then again with every
// card's notes and first name changed (so contacts and citizens are
// updated in place): the record keys stay as they were, or the same cells
// would get new noises.
func TestReimportKeepsRecordKeys(t *testing.T) {
	sample := dataFile(t, "intake-sample.csv")
	rows, err := csv.NewReader(bytes.NewReader(sample)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		r[col["notes"]] += " (rivisto)"
		if r[col["first_name"]] != "" {
			r[col["first_name"]] += "a"
		}
	}
	var changed bytes.Buffer
	w := csv.NewWriter(&changed)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		mustCreateOperators(t, db.Client, sampleOperators(t))
		mustImport(t, db, sample, intakeio.ImportOptions{})
		keys := func(table string) map[int]int {
			m := map[int]int{}
			rs, err := db.SQL.QueryContext(sysCtx(), "SELECT id, record_key FROM "+table)
			if err != nil {
				t.Fatal(err)
			}
			defer rs.Close()
			for rs.Next() {
				var id, k int
				if err := rs.Scan(&id, &k); err != nil {
					t.Fatal(err)
				}
				m[id] = k
			}
			return m
		}
		before := map[string]map[int]int{"contacts": keys("contacts"), "citizens": keys("citizens")}
		if sum := mustImport(t, db, changed.Bytes(), intakeio.ImportOptions{}); sum.ContactsUpdated == 0 {
			t.Fatalf("the second import updated no contact: %+v", sum)
		}
		for table, was := range before {
			if now := keys(table); !maps.Equal(was, now) {
				t.Errorf("%s: the update changed record keys", table)
			}
		}
	})
}
