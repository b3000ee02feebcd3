package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/sample"
	"segretariato/internal/wiring"
)

// TestAnalyticsCommands: verify passes on an imported sample, reports a
// cell, a value row or a fact changed behind the service's back (and
// exits with an error), and rebuild repairs it.
func TestAnalyticsCommands(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dbURL := freshURL(t, kind)
			if _, _, err := cli(t, dbURL, "operator", "add", "--email", "c@comune.example.it", "--name", "C", "--role", "COORDINATOR"); err != nil {
				t.Fatal(err)
			}
			db, err := wiring.Open(context.Background(), dbURL, database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sample.CreateOperators(t, db.Client)
			db.Close()
			if _, _, err := cli(t, dbURL, "import", filepath.Join(sample.Dir(), "intake-sample.csv")); err != nil {
				t.Fatal(err)
			}
			ok := regexp.MustCompile(`^(\d+) contacts and (\d+) cells checked, 0 pending, 0 differences\n$`)
			out, _, err := cli(t, dbURL, "analytics", "verify")
			if m := ok.FindStringSubmatch(out); err != nil || m == nil || m[1] == "0" || m[2] == "0" {
				t.Fatalf("verify on the sample: %q, %v", out, err)
			}

			// Changes behind the service's back: a cell, and a value row
			// (the answers' SQL reads the multi-valued keys from their own
			// rows), each reported by verify and repaired by rebuild.
			for _, bad := range []struct{ change, reported string }{
				{"UPDATE demand_cells SET contacts = contacts + 1 WHERE dim = 'MAIN_NEED'", "MAIN_NEED"},
				{"UPDATE contact_fact_values SET key = 'HOU_EVICTION' WHERE dim = 'NEED' AND key = 'ECO_INCOME'", "stored values differ"},
				// Facts whose contact or referral is not there.
				{"UPDATE contact_facts SET id = id + 1000000 WHERE id = (SELECT MIN(id) FROM contact_facts)", "which is gone"},
				{"UPDATE referral_facts SET contact_id = contact_id + 1000000 WHERE id = (SELECT MIN(id) FROM referral_facts)", "which is gone"},
			} {
				db, err := wiring.Open(context.Background(), dbURL, database.Options{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = db.SQL.Exec(bad.change)
				db.Close()
				if err != nil {
					t.Fatal(err)
				}
				out, _, err = cli(t, dbURL, "analytics", "verify")
				if err == nil || !strings.Contains(out, bad.reported) || ok.MatchString(out) {
					t.Fatalf("verify after %s: %q, %v", bad.change, out, err)
				}
				if out, _, err := cli(t, dbURL, "analytics", "rebuild"); err != nil || !strings.HasPrefix(out, "figures rebuilt in ") {
					t.Fatalf("rebuild: %q, %v", out, err)
				}
				if out, _, err := cli(t, dbURL, "analytics", "verify"); err != nil || !ok.MatchString(out) {
					t.Fatalf("verify after rebuild: %q, %v", out, err)
				}
			}
		})
	}
}
