package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"segretariato/ent/citizen"
	"segretariato/internal/access"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/sample"
	"segretariato/internal/server/apitest"
	"segretariato/internal/wiring"
)

// TestRetentionCommandErasesAndKeepsTheFigures runs `server retention` on
// the sample: the long-silent citizens keep nothing but their sex and say
// they are erased, and every demand figure stays as it was.
func TestRetentionCommandErasesAndKeepsTheFigures(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dbURL := freshURL(t, kind)
			// The command line prepares the database (schema, reference data).
			token, _, err := cli(t, dbURL, "operator", "add", "--email", "coordinatrice@comune.example.it", "--name", "Coordinatrice", "--role", "COORDINATOR")
			if err != nil {
				t.Fatal(err)
			}
			coord := strings.TrimSpace(token)
			db, err := wiring.Open(context.Background(), dbURL, database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			sample.CreateOperators(t, db.Client)
			api := apitest.New(t, db)
			r := api.Upload(t, coord, `mutation($file: Upload!) { importIntakeCards(file: $file) { accepted headerError errors { line column reason } } }`, nil, "file", "schede.csv", sample.File(t, "intake-sample.csv"))
			if !strings.Contains(string(r.Data), `"accepted":true`) {
				t.Fatalf("import: %s", r.Body)
			}
			before := api.Figures(t, coord)

			out, _, err := cli(t, dbURL, "retention", "--years", "2")
			m := regexp.MustCompile(`^(\d+) citizens with no contact for 2 years pseudonymised\n$`).FindStringSubmatch(out)
			if err != nil || m == nil || m[1] == "0" {
				t.Fatalf("retention: %q, %v", out, err)
			}
			sys := access.System(t.Context())
			erased := db.Client.Citizen.Query().Where(citizen.PseudonymisedAtNotNil()).AllX(sys)
			if n := len(erased); m[1] != strconv.Itoa(n) || n == db.Client.Citizen.Query().CountX(sys) {
				t.Fatalf("%d citizens erased, the command said %s", n, m[1])
			}
			for _, c := range erased {
				if c.FiscalCode != nil || c.FirstName != "" || c.LastName != "" || c.BirthDate != nil || c.Citizenship != nil ||
					c.District != nil || c.DistrictKey != nil || c.PrivacyConsent {
					t.Errorf("citizen %d after retention: %v", c.ID, c)
				}
			}
			after := api.Figures(t, coord)
			for name, want := range before {
				if after[name] != want {
					t.Errorf("%s changed with the retention:\nbefore %s\nafter  %s", name, want, after[name])
				}
			}
		})
	}
}
