package server_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// golden says how each figure of intake-sample.expected.json is asked of
// the API: groupBy, period, measure, and for a one-cell figure the key.
var golden = map[string]struct{ groupBy, period, measure, only string }{
	"contacts_total":                {"", "MONTH", "contacts", ""},
	"contacts_by_month":             {"PERIOD", "MONTH", "contacts", ""},
	"contacts_by_year_target_area":  {"PERIOD TARGET_AREA", "YEAR", "contacts", ""},
	"contacts_by_year_outcome":      {"PERIOD OUTCOME", "YEAR", "contacts", ""},
	"contacts_by_year_channel":      {"PERIOD CHANNEL", "YEAR", "contacts", ""},
	"contacts_by_year_operator":     {"PERIOD OPERATOR", "YEAR", "contacts", ""},
	"contacts_by_quarter_main_need": {"PERIOD MAIN_NEED", "QUARTER", "contacts", ""},
	"contacts_by_quarter_need":      {"PERIOD NEED", "QUARTER", "contacts", ""},
	"contacts_by_year_sex":          {"PERIOD SEX", "YEAR", "contacts", ""},
	"contacts_by_year_citizenship":  {"PERIOD CITIZENSHIP", "YEAR", "contacts", ""},
	"contacts_by_year_district":     {"PERIOD DISTRICT", "YEAR", "contacts", ""},
	"contacts_by_year_age_band":     {"PERIOD AGE_BAND", "YEAR", "contacts", ""},
	"anonymous_contacts":            {"ACCESS_TYPE", "MONTH", "contacts", "ANONYMOUS"},
	"referrals_by_year_service":     {"PERIOD REFERRAL_SERVICE", "YEAR", "referrals", ""},
	"new_citizens_by_month":         {"PERIOD", "MONTH", "newCitizens", ""},
	"distinct_citizens_by_year":     {"PERIOD", "YEAR", "citizens", ""},
	"distinct_citizens":             {"", "MONTH", "citizens", ""},
}

type demandCell struct {
	Keys                                       []string
	Contacts, Citizens, NewCitizens, Referrals *int
	Suppressed                                 bool
}

type demandOut struct {
	Demand struct {
		Cells []demandCell `json:"cells"`
		Total demandCell   `json:"total"`
	} `json:"demand"`
}

const demandQuery = `query($g: [DemandDimension!]!, $p: PeriodUnit, $f: DemandFilter) {
  demand(groupBy: $g, period: $p, filter: $f) {
    cells { keys contacts citizens newCitizens referrals suppressed }
    total { keys contacts citizens newCitizens referrals suppressed }
  }
}`

func (c demandCell) measure(m string) *int {
	return map[string]*int{"contacts": c.Contacts, "citizens": c.Citizens, "newCitizens": c.NewCitizens, "referrals": c.Referrals}[m]
}

// TestDemandGoldenThroughTheAPI imports the shared sample through the
// GraphQL upload and checks every figure of intake-sample.expected.json
// (computed independently) through the demand query, on both databases.
func TestDemandGoldenThroughTheAPI(t *testing.T) {
	var expected map[string]map[string]int
	if err := json.Unmarshal(readSample(t, "intake-sample.expected.json"), &expected); err != nil {
		t.Fatal(err)
	}
	for name := range expected {
		if _, ok := golden[name]; !ok {
			t.Fatalf("figure %s has no query", name)
		}
	}
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sampleOperators(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		r := api.Upload(t, coord, importMutation, nil, "file", "schede.csv", readSample(t, "intake-sample.csv"))
		if !strings.Contains(string(r.Data), `"accepted":true`) {
			t.Fatalf("import: %s", r.Body)
		}
		for name, want := range expected {
			g := golden[name]
			var out demandOut
			groupBy := strings.Fields(g.groupBy)
			if groupBy == nil {
				groupBy = []string{}
			}
			api.MustDo(t, coord, demandQuery, map[string]any{"g": groupBy, "p": g.period}, &out)
			got := map[string]int{}
			switch {
			case len(groupBy) == 0:
				got["all"] = *out.Demand.Total.measure(g.measure)
			case g.only != "":
				for _, c := range out.Demand.Cells {
					if c.Keys[0] == g.only {
						got["all"] = *c.measure(g.measure)
					}
				}
			default:
				for _, c := range out.Demand.Cells {
					if n := *c.measure(g.measure); n > 0 && c.Keys[len(c.Keys)-1] != "NONE" {
						got[strings.Join(c.Keys, "|")] = n
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-expected +got):\n%s", name, diff)
			}
		}
	})
}

// TestAnalystsSeeNoSmallCells asks the sample's pivots as an analyst: no
// figure from 1 to K-1 is visible, suppressed cells carry no number, the
// others are perturbed (within ±2 of the coordinator's exact figures, not
// all equal to them), the CSV download is the same answer, and date
// ranges must be whole months.
func TestAnalystsSeeNoSmallCells(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db)
	sampleOperators(t, db)
	_, coord := api.Operator(t, schematype.RoleCoordinator)
	_, analyst := api.Operator(t, schematype.RoleAnalyst)
	api.Upload(t, coord, importMutation, nil, "file", "schede.csv", readSample(t, "intake-sample.csv"))
	suppressed := 0
	for _, g := range []string{"PERIOD MAIN_NEED", "PERIOD DISTRICT SEX", "AGE_BAND CITIZENSHIP", "OPERATOR OUTCOME"} {
		var out demandOut
		api.MustDo(t, analyst, demandQuery, map[string]any{"g": strings.Fields(g), "p": "QUARTER"}, &out)
		for _, c := range append(out.Demand.Cells, out.Demand.Total) {
			for _, m := range []string{"contacts", "citizens", "newCitizens", "referrals"} {
				if v := c.measure(m); v != nil && *v > 0 && *v < 5 {
					t.Errorf("%s: %v shows %s = %d", g, c.Keys, m, *v)
				}
			}
			if c.Suppressed {
				suppressed++
			}
		}
	}
	if suppressed == 0 {
		t.Error("no cell was suppressed: the test data should have small cells")
	}
	// The coordinator sees exact figures of the same pivot; the analyst's
	// are perturbed.
	var exact, perturbed demandOut
	vars := map[string]any{"g": []string{"PERIOD", "MAIN_NEED"}, "p": "QUARTER"}
	api.MustDo(t, coord, demandQuery, vars, &exact)
	api.MustDo(t, analyst, demandQuery, vars, &perturbed)
	small, differ := 0, 0
	for i, c := range exact.Demand.Cells {
		if c.Suppressed || c.Contacts == nil {
			t.Fatalf("a coordinator's cell is suppressed: %+v", c)
		}
		if *c.Contacts < 5 {
			small++
		}
		if p := perturbed.Demand.Cells[i].Contacts; p != nil {
			if *p < *c.Contacts-2 || *p > *c.Contacts+2 {
				t.Errorf("%v: the analyst sees %d contacts, truly %d", c.Keys, *p, *c.Contacts)
			}
			if *p != *c.Contacts {
				differ++
			}
		}
	}
	if small == 0 {
		t.Error("the coordinator's answer has no small cell to compare with")
	}
	if differ == 0 {
		t.Error("the analyst's figures are all exact: no perturbation")
	}
	// The analyst's CSV is the analyst's answer.
	var csvWant strings.Builder
	csvWant.WriteString("PERIOD,MAIN_NEED,contacts,citizens,newCitizens,referrals,suppressed\n")
	for _, c := range append(perturbed.Demand.Cells, perturbed.Demand.Total) {
		keys := c.Keys
		if len(keys) == 0 {
			keys = []string{"TOTAL", "TOTAL"}
		}
		csvWant.WriteString(strings.Join(keys, ","))
		for _, m := range []string{"contacts", "citizens", "newCitizens", "referrals"} {
			csvWant.WriteString(",")
			if v := c.measure(m); v != nil {
				csvWant.WriteString(strconv.Itoa(*v))
			}
		}
		csvWant.WriteString("," + strconv.FormatBool(c.Suppressed) + "\n")
	}
	if rec := getWith(api, analyst, "/export/demand.csv?groupBy=PERIOD,MAIN_NEED&period=QUARTER"); rec.Body.String() != csvWant.String() {
		t.Errorf("the analyst's CSV is not the analyst's answer:\n%s\nwant:\n%s", rec.Body.String(), csvWant.String())
	}
	r := api.Do(t, analyst, demandQuery, map[string]any{"g": []string{"PERIOD"}, "p": "MONTH",
		"f": map[string]any{"from": "2025-03-02T00:00:00Z", "to": "2025-04-01T00:00:00Z"}})
	if r.Code() != "INVALID" {
		t.Errorf("an analyst's range of a month and a day: %s", r.Body)
	}
	for _, q := range []string{`{ caseload { email } }`, `{ qualityReport(year: 2025) { year } }`, `{ contacts { totalCount } }`} {
		if r := api.Do(t, analyst, q, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("analyst %s: %s", q, r.Body)
		}
	}
	rec := getWith(api, analyst, "/export/demand.csv?groupBy=PERIOD,MAIN_NEED&period=QUARTER&excel=1")
	if csv := rec.Body.String(); rec.Code != 200 || !strings.HasPrefix(csv, "\ufeff") || !strings.Contains(csv, ";") {
		t.Errorf("demand CSV for an analyst: %d %q", rec.Code, csv[:min(len(csv), 200)])
	}
	if rec := getWith(api, analyst, "/export/contacts.csv"); rec.Code != 403 {
		t.Errorf("an analyst downloaded the intake cards: %d", rec.Code)
	}
}
