package analytics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent/privacy"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
	"segretariato/internal/intakeio"
	"segretariato/internal/sample"
)

func dataFile(t testing.TB, name string) []byte { return sample.File(t, name) }

// importSample creates the sample's operators and imports
// intake-sample.csv with the production importer.
func importSample(t testing.TB, db *database.DB) {
	t.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	sample.CreateOperators(t, db.Client)
	if _, err := intakeio.Import(ctx, db, bytes.NewReader(dataFile(t, "intake-sample.csv")), intakeio.ImportOptions{}); err != nil {
		t.Fatalf("importing the sample: %v", err)
	}
}

// goldenQuery says how a figure of intake-sample.expected.json is asked
// of the engine: its grouping, period unit and measure. A figure's key is
// its cell's keys joined by "|" ("all" for the total).
type goldenQuery struct {
	groupBy []dimension.Dimension
	unit    dimension.PeriodUnit
	measure string // contacts, citizens, newCitizens, referrals
	only    string // for a one-cell figure: the key of the cell that holds it
}

var goldenQueries = map[string]goldenQuery{
	"contacts_total":                {nil, "", "contacts", ""},
	"contacts_by_month":             {dims("PERIOD"), dimension.Month, "contacts", ""},
	"contacts_by_year_target_area":  {dims("PERIOD", "TARGET_AREA"), dimension.Year, "contacts", ""},
	"contacts_by_year_outcome":      {dims("PERIOD", "OUTCOME"), dimension.Year, "contacts", ""},
	"contacts_by_year_channel":      {dims("PERIOD", "CHANNEL"), dimension.Year, "contacts", ""},
	"contacts_by_year_operator":     {dims("PERIOD", "OPERATOR"), dimension.Year, "contacts", ""},
	"contacts_by_quarter_main_need": {dims("PERIOD", "MAIN_NEED"), dimension.Quarter, "contacts", ""},
	"contacts_by_quarter_need":      {dims("PERIOD", "NEED"), dimension.Quarter, "contacts", ""},
	"contacts_by_year_sex":          {dims("PERIOD", "SEX"), dimension.Year, "contacts", ""},
	"contacts_by_year_citizenship":  {dims("PERIOD", "CITIZENSHIP"), dimension.Year, "contacts", ""},
	"contacts_by_year_district":     {dims("PERIOD", "DISTRICT"), dimension.Year, "contacts", ""},
	"contacts_by_year_age_band":     {dims("PERIOD", "AGE_BAND"), dimension.Year, "contacts", ""},
	"anonymous_contacts":            {dims("ACCESS_TYPE"), "", "contacts", dimension.AccessAnonymous},
	"referrals_by_year_service":     {dims("PERIOD", "REFERRAL_SERVICE"), dimension.Year, "referrals", ""},
	"new_citizens_by_month":         {dims("PERIOD"), dimension.Month, "newCitizens", ""},
	"distinct_citizens_by_year":     {dims("PERIOD"), dimension.Year, "citizens", ""},
	"distinct_citizens":             {nil, "", "citizens", ""},
}

func dims(ds ...string) []dimension.Dimension {
	out := make([]dimension.Dimension, len(ds))
	for i, d := range ds {
		out[i] = dimension.Dimension(d)
	}
	return out
}

func measure(c analytics.Cell, m string) *int {
	switch m {
	case "contacts":
		return c.Contacts
	case "citizens":
		return c.Citizens
	case "newCitizens":
		return c.NewCitizens
	case "referrals":
		return c.Referrals
	}
	panic("unknown measure " + m)
}

// TestGoldenSample imports the shared sample and checks every figure of
// intake-sample.expected.json (computed independently from the CSV), on
// each database.
func TestGoldenSample(t *testing.T) {
	var expected map[string]map[string]int
	if err := json.Unmarshal(dataFile(t, "intake-sample.expected.json"), &expected); err != nil {
		t.Fatalf("reading expected figures: %v", err)
	}
	for name := range expected {
		if _, ok := goldenQueries[name]; !ok {
			t.Errorf("expected figure %q has no query: every figure must be checked", name)
		}
	}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		importSample(t, db)
		eng, err := analytics.New(db, 0)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for name, want := range expected {
			q := goldenQueries[name]
			rep, err := eng.Demand(ctx, q.groupBy, q.unit, analytics.Filter{}, false)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got := map[string]int{}
			switch {
			case len(q.groupBy) == 0:
				got["all"] = *measure(rep.Total, q.measure)
			case q.only != "":
				for _, c := range rep.Cells {
					if c.Keys[0] == q.only {
						got["all"] = *measure(c, q.measure)
					}
				}
			default:
				for _, c := range rep.Cells {
					n := *measure(c, q.measure)
					if n == 0 || slicesContains(c.Keys, dimension.NoReferral) {
						continue // the expected file lists no empty cell
					}
					got[strings.Join(c.Keys, "|")] = n
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-expected +got):\n%s", name, diff)
			}
		}
	})
}

func slicesContains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestGoldenLabels checks the display names of the sample's answer.
func TestGoldenLabels(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		importSample(t, db)
		eng, _ := analytics.New(db, 0)
		rep, err := eng.Demand(context.Background(), dims("TARGET_AREA", "DISTRICT", "CHANNEL"), "", analytics.Filter{}, false)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, c := range rep.Cells {
			for i, k := range c.Keys {
				seen[strconv.Itoa(i)+"|"+k] = c.Labels[i]
			}
		}
		for key, label := range map[string]string{
			"0|ADULTS":          "Adulti",
			"0|MINORS_FAMILIES": "Minori e Famiglie",
			"1|Molino Vecchio":  "Molino Vecchio",
			"1|UNKNOWN":         "Non nota",
			"2|IN_PERSON":       "Di persona",
			"2|PHONE":           "Telefono",
		} {
			if seen[key] != label {
				t.Errorf("label of %s = %q, want %q", key, seen[key], label)
			}
		}
		for key := range seen {
			if strings.HasPrefix(key, "1|") && strings.ToUpper(key) == key && key != "1|UNKNOWN" {
				t.Errorf("district key %q is not the displayed spelling", key)
			}
		}
	})
}
