package apitest

import (
	"strings"
	"testing"

	"segretariato/internal/dimension"
)

// figurePivots are the pivots Figures asks besides each dimension by year:
// the person's dimensions crossed, and filtered by their keys. (All four
// at once would be a pivot of more cells than the cost limit admits.)
var figurePivots = []string{
	"AGE_BAND CITIZENSHIP SEX",
	"DISTRICT SEX AGE_BAND",
	"PERIOD DISTRICT AGE_BAND",
	"CITIZENSHIP ACCESS_TYPE",
	"DISTRICT MAIN_NEED",
}

const figuresQuery = `query($g: [DemandDimension!]!, $f: DemandFilter) {
  demand(groupBy: $g, period: QUARTER, filter: $f) {
    cells { keys labels contacts citizens newCitizens referrals suppressed }
    total { contacts citizens newCitizens referrals suppressed }
  }
}`

// Figures returns, as token sees them, the demand figures by year of
// every dimension, a few crossings of the person's dimensions (with
// filters on their keys), the referral funnel and the caseload when the
// role may ask for them: each answer's body by what was asked, for a test
// to compare before and after a change that must leave them as they are.
func (a *API) Figures(t testing.TB, token string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ask := func(name, q string, vars map[string]any) {
		r := a.Do(t, token, q, vars)
		if r.Code() == "FORBIDDEN" {
			return
		}
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %s", name, r.Body)
		}
		out[name] = string(r.Data)
	}
	for _, d := range dimension.Dimension("").Values() {
		g := []string{"PERIOD", d}
		if d == "PERIOD" {
			g = g[:1]
		}
		ask(strings.Join(g, " "), figuresQuery, map[string]any{"g": g})
	}
	for _, p := range figurePivots {
		ask(p, figuresQuery, map[string]any{"g": strings.Fields(p)})
	}
	for _, f := range []struct{ dim, key string }{{"AGE_BAND", "65-74"}, {"AGE_BAND", "UNKNOWN"}, {"CITIZENSHIP", "IT"}, {"DISTRICT", "UNKNOWN"}, {"DISTRICT", "Seggiolera"}} {
		ask("PERIOD where "+f.dim+"="+f.key, figuresQuery, map[string]any{"g": []string{"PERIOD", "SEX"},
			"f": map[string]any{"values": []any{map[string]any{"dimension": f.dim, "keys": []string{f.key}}}}})
	}
	ask("funnel", `{ referralFunnel(period: YEAR) { service period proposed accepted declined completed cancelled } }`, nil)
	ask("caseload", `{ caseload { email contacts citizens } }`, nil)
	return out
}
