package intakeio_test

import (
	"bytes"
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
