package analytics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"segretariato/ent/privacy"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

// The statements each answer takes, read from the engine's code. The
// engine runs its SQL on database/sql (counted by dbtest.SQLCounter); ent
// (dbtest.Counter) runs only the bearer token's lookup of a request.
const (
	// Demand, a standard pivot (the period and at most one more
	// dimension): one statement for the stored cells (cells.go; the
	// range here is open, so no edge days), and, for an analyst's
	// answer, one for the citizens' record keys created since the last
	// read (keys.go); plus the labels of the dimensions that need them
	// (labels.go): PERIOD and CHANNEL none.
	demand1Dim = 1 + 1 // PERIOD, suppressed
	// NEED: need_categories.
	demand2Dims = 1 + 1 // PERIOD, NEED
	// Any other answer: one statement over the contacts' facts
	// (demand.go). MAIN_NEED: need_categories; OPERATOR: operators;
	// DISTRICT: the spellings of the living citizens and of the erased
	// ones (sql.go).
	demand4Dims = 1 + 1 + 1 + 2 // PERIOD, MAIN_NEED, OPERATOR, DISTRICT
	// Funnel: the counts and medians in one statement, then the services'
	// names (funnel.go).
	funnel = 2
	// Caseload over whole months (caseload.go): the operators, the
	// cells per operator, the open referrals and follow-ups.
	caseload = 1 + 1 + 1
	// Quality (quality.go): locations 1, weeks 1, publications 3
	// (periodical, all, website), staff 1 (the cells per operator, with
	// their roles), training 1, plan 1, demand 0 (the staff's cells),
	// comfort 0 (it reuses the locations), survey 1.
	quality = 1 + 1 + 3 + 1 + 1 + 1 + 0 + 0 + 1
	// The demand CSV through GET /export/demand.csv: the token's lookup
	// (ent), then the demand answer of its groupBy (PERIOD, MAIN_NEED:
	// cells and total, need_categories).
	demandCSVEnt = 1
	demandCSVSQL = 1 + 1
)

// TestAnswerStatements counts the SQL statements of each analytics answer
// on the sample, and again with a few hundred random contacts more
// (citizens, needs and referrals with them): the counts are the constants
// above at both sizes, so an answer never runs a statement per row and a
// change that adds one fails here.
func TestAnswerStatements(t *testing.T) {
	for _, kind := range dbtest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db, entCount, sqlCount := dbtest.OpenCounting(t, kind)
			importSample(t, db)
			eng, err := analytics.New(db, 0)
			if err != nil {
				t.Fatal(err)
			}
			api := apitest.New(t, db, func(o *server.Options) { o.Analytics = eng })
			_, coord := api.Operator(t, schematype.RoleCoordinator)
			ctx := context.Background()
			answers := []struct {
				name string
				want int
				run  func() error
			}{
				{"demand by PERIOD", demand1Dim, func() error {
					_, err := eng.Demand(ctx, dims("PERIOD"), dimension.Month, analytics.Filter{}, true)
					return err
				}},
				{"demand by PERIOD, NEED", demand2Dims, func() error {
					_, err := eng.Demand(ctx, dims("PERIOD", "NEED"), dimension.Quarter, analytics.Filter{}, false)
					return err
				}},
				{"demand by PERIOD, MAIN_NEED, OPERATOR, DISTRICT", demand4Dims, func() error {
					_, err := eng.Demand(ctx, dims("PERIOD", "MAIN_NEED", "OPERATOR", "DISTRICT"), dimension.Year, analytics.Filter{}, true)
					return err
				}},
				{"funnel", funnel, func() error {
					_, err := eng.Funnel(ctx, dimension.Month, analytics.Filter{}, true)
					return err
				}},
				{"caseload", caseload, func() error {
					_, err := eng.Caseload(ctx, analytics.Filter{})
					return err
				}},
				{"quality report", quality, func() error {
					_, err := eng.Quality(ctx, 2025)
					return err
				}},
			}
			measure := func(size string) {
				for _, a := range answers {
					entCount.Reset()
					sqlCount.Reset()
					if err := a.run(); err != nil {
						t.Fatalf("%s: %v", a.name, err)
					}
					if got := sqlCount.Count() + entCount.Count(); got != a.want {
						t.Errorf("%s on %s: %d statements, want %d", a.name, size, got, a.want)
					}
				}
				entCount.Reset()
				sqlCount.Reset()
				req := httptest.NewRequest(http.MethodGet, "/export/demand.csv?groupBy=PERIOD,MAIN_NEED&period=QUARTER", nil)
				req.Header.Set("Authorization", "Bearer "+coord)
				rec := httptest.NewRecorder()
				api.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("demand CSV: %d %s", rec.Code, rec.Body)
				}
				if e, s := entCount.Count(), sqlCount.Count(); e != demandCSVEnt || s != demandCSVSQL {
					t.Errorf("demand CSV on %s: %d statements through ent and %d on the pool, want %d and %d", size, e, s, demandCSVEnt, demandCSVSQL)
				}
			}
			contacts := func() int {
				return db.Client.Contact.Query().CountX(privacy.DecisionContext(ctx, privacy.Allow))
			}
			small := contacts()
			measure("the sample")
			writeWorld(t, db, 5, 400)
			if large := contacts(); small < 100 || large != small+400 {
				t.Fatalf("%d contacts in the sample, %d after adding 400: not two sizes", small, large)
			}
			measure("the sample and 400 random contacts")
		})
	}
}
